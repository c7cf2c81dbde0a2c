"use client";
import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { formatBytes, formatRate } from "@/lib/format";
import { AlertBanner } from "@/components/alerts/alert-banner";
import { EventList } from "@/components/timeline/event-list";
import { LagChart } from "./lag-chart";
import { MasterDownPlaybook } from "./master-down-playbook";
import { SentinelRow } from "./sentinel-row";
import { TopologyGraph } from "./topology-graph";
import { ClusterCard } from "@/components/cluster/cluster-card";
import { useLiveTopology } from "@/components/realtime/socket-provider";

function Stat({ label, value, tone = "text-slate-50", testId }: { label: string; value: string; tone?: string; testId?: string }) {
  return (
    <div className="min-w-0 rounded-lg border border-slate-800 bg-slate-900/60 px-3 py-2 sm:min-w-36 sm:px-4 sm:py-2.5">
      <div className="text-[11px] tracking-wide text-slate-400 uppercase">{label}</div>
      <div className={`num mt-0.5 truncate font-mono text-lg font-semibold sm:text-xl ${tone}`} data-testid={testId}>
        {value}
      </div>
    </div>
  );
}

export function Overview() {
  const { state, hasSnapshot, now } = useLiveTopology();
  const params = useSearchParams();
  const wanted = params.get("topology");
  const topology = state.topologies.find((t) => t.name === wanted) ?? state.topologies[0];
  const nodes = topology ? Object.values(topology.nodes) : [];
  const replicas = nodes.filter((n) => n.role === "replica");
  const masters = nodes.filter((n) => n.role === "master" && n.status === "up");
  const down = nodes.filter((n) => n.status === "down");
  // A master that does not answer has no current rate, and its replicas no knowable lag: the
  // totals then say "unknown" rather than a partial sum.
  const masterDown = nodes.some((n) => n.role === "master" && n.status === "down");
  const lagUnknown = replicas.some((n) => n.status === "up" && n.lagBytes === null);
  const maxLag = replicas.reduce<number | null>((m, n) => (n.lagBytes === null ? m : Math.max(m ?? 0, n.lagBytes)), null);
  const writeRate = masterDown ? null : masters.reduce((s, n) => s + (n.writeRate ?? 0), 0);
  const inSync = replicas.filter((r) => r.status === "up" && r.linkStatus === "up" && r.lagBytes !== null && !r.syncInProgress).length;
  const events = topology ? state.events.filter((e) => e.topology === topology.name) : [];
  // A cluster has one master per shard: several masters are its normal shape, not a split.
  const cluster = topology?.cluster ?? null;
  const expectedMasters = cluster ? cluster.shards.filter((s) => s.slotCount > 0).length : 1;

  return (
    <div className="space-y-5">
      <div className="flex flex-wrap items-center gap-3">
        <h1 className="text-lg font-semibold text-slate-50">Replication topology</h1>
        {state.topologies.length > 1 && (
          <div className="flex gap-1 rounded-lg border border-slate-800 p-0.5" data-testid="topology-selector">
            {state.topologies.map((t) => (
              <Link
                key={t.name}
                href={`/?topology=${encodeURIComponent(t.name)}`}
                className={`rounded-md px-2.5 py-1 text-sm ${t.name === topology?.name ? "bg-slate-700 text-slate-50" : "text-slate-400 hover:text-slate-200"}`}
              >
                {t.name}
              </Link>
            ))}
          </div>
        )}
        {state.topologies.length === 1 && topology && <span className="font-mono text-sm text-slate-400">{topology.name}</span>}
      </div>

      <AlertBanner alerts={topology?.alerts ?? []} now={now} />
      {topology && cluster && <ClusterCard cluster={cluster} topology={topology.name} />}
      {topology && !cluster && <MasterDownPlaybook nodes={nodes} sentinels={topology.sentinels ?? []} topology={topology.name} drills={topology.drills} now={now} />}

      <div className="grid grid-cols-2 gap-2 sm:flex sm:flex-wrap sm:gap-3">
        <Stat label={cluster ? "masters (shards)" : "masters"} value={String(masters.length)} tone={masters.length === expectedMasters ? "text-slate-50" : "text-amber-300"} testId="stat-masters" />
        <Stat label="replicas up" value={`${replicas.filter((r) => r.status === "up").length} / ${replicas.length}`} testId="stat-replicas" />
        <Stat label="in sync (lag known)" value={`${inSync} / ${replicas.length}`} tone={inSync === replicas.length ? "text-slate-50" : "text-amber-300"} testId="stat-in-sync" />
        <Stat label="nodes down" value={String(down.length)} tone={down.length ? "text-rose-300" : "text-slate-50"} testId="stat-down" />
        <Stat label="max applied lag" value={lagUnknown ? "unknown" : formatBytes(maxLag)} testId="stat-max-lag" />
        <Stat label="write rate" value={writeRate === null ? "unknown" : formatRate(writeRate)} tone={writeRate === null ? "text-slate-400" : "text-slate-50"} testId="stat-write-rate" />
      </div>

      <section className="rounded-xl border border-slate-800 bg-slate-900/30 p-3 sm:p-5">
        {hasSnapshot ? (
          <div className="space-y-4">
            <TopologyGraph nodes={nodes} lag={topology?.lag ?? {}} topology={topology?.name ?? ""} now={now} />
            <SentinelRow sentinels={topology?.sentinels ?? []} now={now} />
          </div>
        ) : (
          <p className="py-12 text-center text-sm text-slate-400">Connecting to the dashboard server…</p>
        )}
      </section>

      <div className="grid gap-5 lg:grid-cols-3">
        <section className="min-w-0 rounded-xl border border-slate-800 bg-slate-900/30 p-3 sm:p-4 lg:col-span-2">
          <h2 className="mb-2 text-sm font-semibold text-slate-300">Replica lag (bytes behind the master, last 5 minutes)</h2>
          <LagChart lag={topology?.lag ?? {}} />
        </section>
        <section className="min-w-0 rounded-xl border border-slate-800 bg-slate-900/30 p-3 sm:p-4">
          <h2 className="mb-2 text-sm font-semibold text-slate-300">Recent events</h2>
          <div className="h-56 overflow-y-auto pr-1">
            <EventList events={events.slice(-100)} />
          </div>
        </section>
      </div>
    </div>
  );
}
