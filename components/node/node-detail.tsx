"use client";
import Link from "next/link";
import { formatBytes, formatClock, formatDuration, formatNumber, formatRate } from "@/lib/format";
import { useConnection, useLiveTopology } from "@/components/realtime/socket-provider";
import { useNodeFeed } from "@/components/realtime/use-channel";
import { NotFoundView } from "@/components/layout/not-found-view";
import { EventList } from "@/components/timeline/event-list";
import { LogPane } from "@/components/logs/log-pane";
import { BacklogPanel, ReplicaSyncPanel } from "@/components/sync/sync-panel";
import { RoleBadge } from "@/components/topology/node-card";
import { PersistencePanel } from "@/components/persistence/persistence-panel";
import { InfoGroups } from "./info-groups";
import { NodeCharts } from "./node-charts";

function Fact({ label, value, testId }: { label: string; value: React.ReactNode; testId?: string }) {
  return (
    <div className="rounded-lg border border-slate-800 bg-slate-900/50 px-3 py-2">
      <div className="text-[11px] tracking-wide text-slate-400 uppercase">{label}</div>
      <div className="num mt-0.5 truncate font-mono text-sm text-slate-50" data-testid={testId}>
        {value}
      </div>
    </div>
  );
}

export function NodeDetail({ id, topology }: { id: string; topology?: string }) {
  // A snapshot, then deltas (new chart points, events, changed fields) on the shared socket.
  const { detail: data, gone, error } = useNodeFeed(id, topology);
  const { now } = useLiveTopology();
  const connection = useConnection();
  const live = connection?.status === "live";

  if (gone) return <NotFoundView />;
  if (!data) {
    return (
      <p className="py-12 text-center text-sm text-slate-400" data-testid="node-loading">
        {error ?? (live ? "Loading…" : "Connecting to the replscope server…")}
      </p>
    );
  }
  const n = data.node;
  const h = data.history;
  const backlog = data.backlog;
  return (
    <div className="space-y-5" data-testid="node-detail" data-role={n.role} data-status={n.status}>
      <div className="flex flex-wrap items-center gap-3">
        <Link href={`/?topology=${encodeURIComponent(data.topology)}`} className="text-sm text-slate-400 hover:text-slate-200">
          ← {data.topology}
        </Link>
        <h1 className="font-mono text-lg font-semibold text-slate-50">{n.id}</h1>
        <RoleBadge role={n.role} />
        <span className={`text-sm ${n.status === "up" ? "text-emerald-300" : "text-rose-300"}`} data-testid="node-status">
          {n.status === "up" ? "up" : `down ${n.lastError ? `— ${n.lastError}` : ""}`}
        </span>
        {error && <span className="text-xs text-amber-300">live updates failed: {error}</span>}
        <span className={`ml-auto text-xs ${live ? "text-slate-500" : "text-amber-300"}`} data-testid="node-freshness" data-live={live}>
          {live ? "live" : `last seen ${formatClock(connection?.lostAt ?? data.lastOkAt)} — not current`}
        </span>
      </div>
      {n.stale && n.lastSeenAt !== null && (
        <p className="rounded border border-rose-500/40 bg-rose-950/30 px-3 py-2 text-xs text-rose-200" data-testid="stale-banner">
          {/* downSince is null when the node did not fail but its reading did (the instance polling it went away). */}
          {n.downSince !== null ? `Not answering since ${formatClock(n.downSince)}.` : "No current reading."} Everything below was last seen at {formatClock(n.lastSeenAt)} and is not current.
        </p>
      )}

      <div className="grid grid-cols-2 gap-3 md:grid-cols-4 xl:grid-cols-8">
        {n.role === "replica" ? (
          <>
            <Fact label="master" value={n.masterId ?? "—"} />
            <Fact label="link" value={n.linkStatus ?? "—"} testId="fact-link" />
            <Fact label="applied lag" value={`${n.lagBytes === null ? "unknown" : formatBytes(n.lagBytes)} · ack ${n.lagSeconds ?? "—"}s`} />
            <Fact label="read-only" value={n.readOnly === null ? "—" : n.readOnly ? "yes" : "NO (writable)"} />
          </>
        ) : (
          <>
            <Fact label="replicas" value={n.connectedReplicas} />
            <Fact label="write rate" value={formatRate(n.writeRate)} />
            <Fact label="backlog" value={backlog ? `${formatBytes(backlog.histlen)} / ${formatBytes(backlog.size)}` : "—"} />
            <Fact label="failover" value={n.failoverState ?? "—"} />
          </>
        )}
        <Fact label="offset" value={formatNumber(n.replOffset)} testId="fact-offset" />
        <Fact label="ops/s" value={formatNumber(n.opsPerSec)} testId="fact-ops" />
        <Fact label="memory" value={formatBytes(n.usedMemory)} />
        <Fact label="poll latency" value={data.pollLatencyMs === null ? "—" : `${data.pollLatencyMs} ms`} />
      </div>

      {n.peerNote && (
        <p className="rounded-lg border border-amber-500/30 bg-amber-950/20 p-3 text-sm text-amber-200" data-testid="peer-note">
          {n.peerNote}
        </p>
      )}

      {n.role === "replica" && <ReplicaSyncPanel node={n} now={now} />}
      {n.role === "master" && <BacklogPanel backlog={backlog} replicas={data.replicaViews} now={now} />}

      {data.replicas.length > 0 && (
        <section className="rounded-xl border border-slate-800 bg-slate-900/30 p-4">
          <h2 className="mb-2 text-sm font-semibold text-slate-300">Replicas as this node sees them</h2>
          <div className="overflow-x-auto">
            <table className="w-full min-w-[30rem] text-xs" data-testid="replica-table">
              <thead className="text-left text-slate-400">
                <tr>
                  <th className="py-1 pr-3">replica</th>
                  <th className="pr-3">state</th>
                  <th className="text-right">acked offset</th>
                  <th className="text-right" title="master offset minus the replica's last acknowledged offset">unacknowledged</th>
                  <th className="text-right">last ack</th>
                </tr>
              </thead>
              <tbody className="font-mono">
                {data.replicas.map((r) => (
                  <tr key={r.id} className="border-t border-slate-800">
                    <td className="py-1 pr-3 whitespace-nowrap">
                      <Link className="text-sky-300 hover:underline" href={`/nodes/${encodeURIComponent(r.id)}?topology=${encodeURIComponent(data.topology)}`}>
                        {r.id}
                      </Link>
                    </td>
                    <td className="pr-3">{r.state}</td>
                    <td className="num text-right">{formatNumber(r.offset)}</td>
                    <td className="num text-right">{n.replOffset === null ? "—" : formatBytes(Math.max(0, n.replOffset - r.offset))}</td>
                    <td className="num text-right">{r.lagSeconds === null ? "—" : formatDuration(r.lagSeconds * 1000)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}

      <PersistencePanel id={n.id} topology={data.topology} masterId={n.role === "replica" ? n.masterId : null} report={data.persistence} connected={live} />

      <NodeCharts id={n.id} topology={data.topology} role={n.role} live={h} />

      <section className="rounded-xl border border-slate-800 bg-slate-900/30 p-4">
        <h2 className="mb-2 text-sm font-semibold text-slate-300">Events for this node</h2>
        <div className="max-h-64 overflow-y-auto">
          <EventList events={data.events} />
        </div>
      </section>

      <section>
        <h2 className="mb-2 text-sm font-semibold text-slate-300">Log</h2>
        <LogPane node={n.id} topology={data.topology} />
      </section>

      <section>
        <h2 className="mb-2 text-sm font-semibold text-slate-300">INFO</h2>
        <InfoGroups info={data.info} />
      </section>
    </div>
  );
}
