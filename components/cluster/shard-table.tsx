import Link from "next/link";
import { formatBytes, formatNumber } from "@/lib/format";
import { formatRanges } from "@/lib/cluster/model";
import type { ShardNode, ShardRow } from "@/lib/cluster/report";
import { shardColour } from "./slot-map";

function nodeHref(n: ShardNode, topology: string): string | null {
  return n.address && n.view ? `/nodes/${encodeURIComponent(n.address)}?topology=${encodeURIComponent(topology)}` : null;
}

function NodeName({ n, topology }: { n: ShardNode; topology: string }) {
  const label = n.address ?? `${n.id.slice(0, 8)}…`;
  const href = nodeHref(n, topology);
  return href ? (
    <Link href={href} className="font-mono text-sky-300 hover:underline">
      {label}
    </Link>
  ) : (
    <span className="font-mono text-slate-300" title={n.view ? undefined : "not monitored (outside the allowed addresses, or not answering yet)"}>
      {label}
    </span>
  );
}

/** What the cluster says of the node (failure flags) and what our own polls say (status). */
function Health({ n }: { n: ShardNode }) {
  if (n.failure === "fail") return <span className="text-rose-300">FAIL</span>;
  if (n.failure === "pfail") return <span className="text-amber-300">PFAIL</span>;
  if (!n.view) return <span className="text-slate-500">not polled</span>;
  if (n.view.status === "down") return <span className="text-rose-300">not answering</span>;
  return <span className="text-emerald-300">up</span>;
}

function replicaLink(n: ShardNode): { text: string; tone: string } {
  const v = n.view;
  if (!v) return { text: "unknown (not polled)", tone: "text-slate-500" };
  if (v.status === "down") return { text: "not answering", tone: "text-rose-300" };
  if (v.syncInProgress) return { text: "syncing", tone: "text-amber-300" };
  if (v.linkStatus === "down") return { text: "link down", tone: "text-rose-300" };
  if (v.lagBytes === null) return { text: `link ${v.linkStatus ?? "?"}, lag unknown${v.lagUnknown ? `: ${v.lagUnknown}` : ""}`, tone: "text-slate-400" };
  return { text: `link up, ${formatBytes(v.lagBytes)} behind`, tone: v.lagBytes === 0 ? "text-emerald-300" : "text-slate-200" };
}

function Figure({ label, value, stale = false }: { label: string; value: string; stale?: boolean }) {
  return (
    <div className="min-w-0">
      <div className="text-[10px] tracking-wide text-slate-500 uppercase">{label}</div>
      <div className={`num truncate font-mono text-sm ${stale ? "text-slate-500" : "text-slate-100"}`} title={stale ? "last seen: the node is not answering" : undefined}>
        {value}
      </div>
    </div>
  );
}

export function ShardTable({ shards, topology }: { shards: ShardRow[]; topology: string }) {
  // data-master on each row: the node the cluster view names master of that shard (bench:cluster times a failover by it).
  if (!shards.length) return <p className="py-6 text-center text-sm text-slate-400">The cluster lists no master.</p>;
  return (
    <ol className="space-y-3" data-testid="shard-table">
      {shards.map((s, i) => (
        <li key={s.master.id} className="rounded-lg border border-slate-800 bg-slate-900/50 p-3" data-testid="shard-row" data-master={s.master.address ?? s.master.id}>
          <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
            <span className={`h-3 w-3 shrink-0 rounded-sm ${shardColour(i)}`} />
            <span className="text-[10px] font-semibold tracking-wider text-rose-300 uppercase">master</span>
            <NodeName n={s.master} topology={topology} />
            <span className="text-xs">
              <Health n={s.master} />
            </span>
            <span className="ml-auto font-mono text-[11px] text-slate-500">epoch {s.master.configEpoch ?? "?"}</span>
          </div>
          <div className="mt-2 grid grid-cols-2 gap-2 sm:grid-cols-4">
            <Figure label="slots" value={s.slotCount ? `${formatNumber(s.slotCount)}` : "none"} />
            <Figure label="keys" value={formatNumber(s.keys)} stale={s.master.view?.status === "down"} />
            <Figure label="memory" value={formatBytes(s.usedMemory)} stale={s.master.view?.status === "down"} />
            <Figure label="ops/s" value={formatNumber(s.opsPerSec)} />
          </div>
          {s.slotCount > 0 && <p className="mt-1 truncate font-mono text-[11px] text-slate-400" title={formatRanges(s.slots, 1000)}>{formatRanges(s.slots)}</p>}
          <ul className="mt-2 space-y-1 border-t border-slate-800 pt-2">
            {s.replicas.length === 0 &&
              (s.slotCount > 0 ? (
                <li className="text-xs text-amber-300">no replica: a failure of this master leaves its slots unserved</li>
              ) : (
                <li className="text-xs text-slate-500">no replica and no slots{s.master.failure === "fail" ? ": a failed master whose slots went to another node" : ""}</li>
              ))}
            {s.replicas.map((r) => {
              const link = replicaLink(r);
              return (
                <li key={r.id} className="flex flex-wrap items-center gap-x-3 gap-y-0.5 text-xs" data-testid="shard-replica">
                  <span className="text-[10px] font-semibold tracking-wider text-sky-300 uppercase">replica</span>
                  <NodeName n={r} topology={topology} />
                  <Health n={r} />
                  <span className={link.tone}>{link.text}</span>
                </li>
              );
            })}
          </ul>
        </li>
      ))}
    </ol>
  );
}
