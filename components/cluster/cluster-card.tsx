import Link from "next/link";
import type { ClusterSummary } from "@/lib/cluster/report";
import { formatNumber } from "@/lib/format";

/** On the overview of a cluster topology: its state in one line and the way to the cluster page. */
export function ClusterCard({ cluster, topology }: { cluster: ClusterSummary; topology: string }) {
  const ok = cluster.state === "ok" && cluster.lastError === null;
  const shards = cluster.shards.filter((s) => s.slotCount > 0).length;
  return (
    <Link
      href={`/clusters/${encodeURIComponent(topology)}`}
      className={`flex flex-wrap items-center gap-x-4 gap-y-1 rounded-xl border px-4 py-2.5 text-sm hover:bg-slate-800/60 ${ok ? "border-slate-700 bg-slate-900/50" : "border-rose-700/70 bg-rose-950/40"}`}
      data-testid="cluster-card"
    >
      <span className="font-semibold text-slate-100">Redis Cluster</span>
      <span className={cluster.state === "ok" ? "text-emerald-300" : "text-rose-300"}>cluster_state {cluster.state}</span>
      <span className="text-slate-300">
        {shards} shards · {formatNumber(cluster.slots.coveredCount)} / 16,384 slots served · epoch {cluster.currentEpoch ?? "?"}
      </span>
      {cluster.migrations.length > 0 && <span className="text-sky-300">{cluster.migrations.length} slot{cluster.migrations.length === 1 ? "" : "s"} migrating</span>}
      {cluster.lastError && <span className="text-amber-300">last reading shown (no node answers)</span>}
      <span className="ml-auto text-sky-300">cluster overview →</span>
    </Link>
  );
}
