import Link from "next/link";
import type { NodeView } from "@/lib/monitor/types";
import type { LagPoint } from "@/lib/realtime/events";
import { formatBytes, formatDuration, formatNumber, formatRate } from "@/lib/format";
import { coverageReading, lagReading, lastResyncReading, syncReading, TONE_CLASS } from "@/components/sync/sync-text";
import { PersistenceBadges } from "@/components/persistence/persistence-badges";
import { Sparkline } from "./sparkline";

function Row({ label, children, testId }: { label: string; children: React.ReactNode; testId?: string }) {
  return (
    <div className="flex items-baseline justify-between gap-2 text-xs">
      <span className="text-slate-400">{label}</span>
      <span className="num truncate text-right font-mono text-slate-100" data-testid={testId}>
        {children}
      </span>
    </div>
  );
}

export function RoleBadge({ role }: { role: NodeView["role"] }) {
  const cls =
    role === "master" ? "bg-rose-500/15 text-rose-300 ring-rose-500/40" : role === "replica" ? "bg-sky-500/15 text-sky-300 ring-sky-500/40" : "bg-slate-700 text-slate-300 ring-slate-500/40";
  return <span className={`rounded px-1.5 py-0.5 text-[10px] font-semibold tracking-wider uppercase ring-1 ${cls}`}>{role}</span>;
}

function ReplicaRows({ node, now }: { node: NodeView; now: number }) {
  const sync = syncReading(node, now);
  const coverage = coverageReading(node);
  const last = lastResyncReading(node, now);
  const lag = lagReading(node);
  return (
    <>
      <Row label="sync" testId="sync-state">
        <span className={TONE_CLASS[sync.tone]} title={sync.detail}>
          {sync.label}
        </span>
      </Row>
      {node.masterAnswering === false && sync.detail && (
        <div className="text-[11px] leading-snug text-rose-200/80" data-testid="sync-detail">
          {sync.detail}
        </div>
      )}
      <div className="h-1 overflow-hidden rounded bg-slate-800" aria-hidden>
        {sync.pct !== null && <div className="h-full bg-violet-400" style={{ width: `${sync.pct}%` }} />}
      </div>
      <Row label="applied lag" testId="lag">
        <span className={TONE_CLASS[lag.tone]} title={lag.detail}>
          {lag.label}
        </span>
        <span className="text-slate-400"> · ack {node.lagSeconds === null ? "—" : `${node.lagSeconds}s`}</span>
      </Row>
      <Row label="backlog" testId="coverage">
        <span className={TONE_CLASS[coverage.tone]}>{coverage.label}</span>
      </Row>
      <Row label="last resync" testId="last-resync">
        <span className={TONE_CLASS[last.tone]}>{last.label}</span>
      </Row>
    </>
  );
}

export function NodeCard({ node, lag, topology, now }: { node: NodeView; lag: LagPoint[] | undefined; topology: string; now: number }) {
  const down = node.status === "down";
  // A node that does not answer keeps its last numbers on screen, greyed: they are not current.
  const stale = node.stale;
  const border = down ? "border-rose-500/70 bg-rose-950/30" : node.role === "master" ? "border-rose-400/30 bg-slate-900" : "border-slate-700 bg-slate-900";
  return (
    <Link
      href={`/nodes/${encodeURIComponent(node.id)}?topology=${encodeURIComponent(topology)}`}
      data-testid={`node-${node.id}`}
      data-role={node.role}
      data-status={node.status}
      className={`block w-full rounded-lg border p-3 sm:w-80 shadow-sm transition-colors hover:border-slate-400 ${border}`}
    >
      <div className="flex items-center justify-between gap-2">
        <span className="flex min-w-0 items-center gap-2">
          <span className={`h-2.5 w-2.5 shrink-0 rounded-full ${down ? "bg-rose-500" : "bg-emerald-400"}`} title={node.status} />
          <span className="truncate font-mono text-sm font-semibold text-slate-50">{node.id}</span>
        </span>
        <RoleBadge role={node.role} />
      </div>

      <div className="mt-1 h-4 truncate text-[11px]">
        {down ? (
          <span className="text-rose-300" data-testid="node-error">
            not answering {formatDuration(node.downSince !== null ? now - node.downSince : null)} · {node.lastError ?? "no answer"}
          </span>
        ) : node.role === "replica" ? (
          <span className="text-slate-400">
            of <span className="font-mono">{node.masterId}</span>
            {node.readOnly === false && <span className="ml-2 rounded bg-amber-500/20 px-1 text-amber-300">WRITABLE</span>}
            {node.syncInProgress && <span className="ml-2 rounded bg-violet-500/20 px-1 text-violet-300">SYNCING</span>}
          </span>
        ) : (
          <span className="text-slate-400">
            {node.connectedReplicas} replica{node.connectedReplicas === 1 ? "" : "s"} · v{node.version ?? "?"}
          </span>
        )}
      </div>

      {stale && node.role === "replica" && lagReading(node).label === "not acknowledging" && (
        // The master's live account of a frozen replica is current: not greyed with the rest.
        <div className="mt-1 text-[11px] text-rose-200" data-testid="master-account">
          {lagReading(node).detail}
        </div>
      )}
      {stale && node.lastSeenAt !== null && (
        <div className="mt-1 text-[11px] text-slate-400" data-testid="last-seen">
          values below last seen {formatDuration(now - node.lastSeenAt)} ago
        </div>
      )}
      <PersistenceBadges badges={node.persistenceBadges} stale={stale} />
      {node.writesRefused && (
        <div className="mt-1 rounded bg-rose-500/15 px-1.5 py-0.5 text-[11px] text-rose-200" data-testid="writes-refused">
          refusing writes (NOREPLICAS): {node.goodReplicas} of {node.minReplicasToWrite} required replicas acknowledging
        </div>
      )}
      <div className={`mt-2 space-y-1 ${stale ? "opacity-50" : ""}`} data-stale={stale ? "true" : undefined}>
        {node.role === "replica" ? (
          <ReplicaRows node={node} now={now} />
        ) : (
          <>
            <Row label="writes">{formatRate(node.writeRate)}</Row>
            <Row label="ops/s">{formatNumber(node.opsPerSec)}</Row>
            <Row label="offset">{formatNumber(node.replOffset)}</Row>
            <Row label="backlog">{formatBytes(node.backlogSize)}</Row>
            <div className="h-1" aria-hidden />
            <Row label="diskless sync">{node.disklessSyncDelay === null ? "off / unknown" : `delay ${node.disklessSyncDelay}s`}</Row>
          </>
        )}
        <Row label="memory · keys">
          {formatBytes(node.usedMemory)} · {formatNumber(node.keys)}
        </Row>
      </div>

      {node.peerNote && (
        <p className="mt-1 truncate text-[11px] text-amber-300" title={node.peerNote} data-testid="peer-note">
          {node.peerNote}
        </p>
      )}

      <div className="mt-2 h-7">{node.role === "replica" && <Sparkline points={lag ?? []} />}</div>
    </Link>
  );
}
