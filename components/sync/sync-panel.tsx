import type { NodeView } from "@/lib/monitor/types";
import { formatBytes, formatClock, formatDuration, formatNumber } from "@/lib/format";
import { coverageReading, lagReading, lastResyncReading, shortReason, syncReading, TONE_CLASS } from "@/components/sync/sync-text";

const REPLICA_STEPS = ["connect", "connecting", "handshake", "sync", "connected"];
const MASTER_STEPS = ["wait_bgsave", "send_bulk", "online"];

function Steps({ steps, current, testId }: { steps: string[]; current: string | null; testId: string }) {
  const at = current ? steps.indexOf(current) : -1;
  return (
    <ol className="flex flex-wrap items-center gap-1 text-[11px]" data-testid={testId} data-current={current ?? ""}>
      {steps.map((s, i) => (
        <li key={s} className="flex items-center gap-1">
          <span className={`rounded px-1.5 py-0.5 font-mono ${i === at ? "bg-sky-500/25 text-sky-200 ring-1 ring-sky-500/50" : i < at ? "text-slate-300" : "text-slate-500"}`}>{s}</span>
          {i < steps.length - 1 && <span className="text-slate-600">→</span>}
        </li>
      ))}
    </ol>
  );
}

/** One replica's sync story: link state machine on both sides, progress, backlog coverage, last resync. */
export function ReplicaSyncPanel({ node, now }: { node: NodeView; now: number }) {
  const sync = syncReading(node, now);
  const coverage = coverageReading(node);
  const last = lastResyncReading(node, now);
  const lag = lagReading(node);
  return (
    <section className="space-y-3 rounded-xl border border-slate-800 bg-slate-900/30 p-4" data-testid="sync-panel">
      <h2 className="text-sm font-semibold text-slate-300">Sync with {node.masterId ?? "—"}</h2>
      <div className="grid gap-3 md:grid-cols-2">
        <div>
          <div className="mb-1 text-[11px] text-slate-400 uppercase">replica side (ROLE / INFO)</div>
          <Steps steps={REPLICA_STEPS} current={node.linkState} testId="replica-steps" />
        </div>
        <div>
          <div className="mb-1 text-[11px] text-slate-400 uppercase">master side (slaveN state)</div>
          <Steps steps={MASTER_STEPS} current={node.replicaState} testId="master-steps" />
        </div>
      </div>
      <div>
        <div className={`text-sm ${TONE_CLASS[sync.tone]}`} data-testid="sync-label">
          {sync.label}
        </div>
        {sync.detail && <div className="text-xs text-slate-400">{sync.detail}</div>}
        <div className="mt-1 h-2 overflow-hidden rounded bg-slate-800">
          {sync.pct !== null && <div className="h-full bg-violet-400 transition-[width]" style={{ width: `${sync.pct}%` }} />}
        </div>
      </div>
      <dl className="grid grid-cols-2 gap-x-6 gap-y-1 text-xs md:grid-cols-4">
        <dt className="text-slate-400">if the link dropped now</dt>
        <dd className={`${TONE_CLASS[coverage.tone]} md:col-span-3`} data-testid="coverage-detail">
          {coverage.label}
          {node.backlogSize !== null && <span className="text-slate-400"> (master backlog {formatBytes(node.backlogSize)})</span>}
        </dd>
        <dt className="text-slate-400">sync started at</dt>
        <dd className="num text-slate-200 md:col-span-3" data-testid="sync-start">
          {node.syncStartOffset !== null ? (
            <>
              offset {formatNumber(node.syncStartOffset)}{" "}
              <span className="text-slate-500">({node.syncStartKind === "full" ? "the master's snapshot, +FULLRESYNC" : "first backlog byte sent"}, from the log)</span>
            </>
          ) : (
            <span className="text-slate-500">unknown (no readable log line names it)</span>
          )}
        </dd>
        <dt className="text-slate-400">applied lag</dt>
        <dd className={`${TONE_CLASS[lag.tone]} md:col-span-3`} data-testid="applied-lag">
          {lag.label}
          {lag.detail && <span className="text-slate-400"> — {lag.detail}</span>}
        </dd>
        <dt className="text-slate-400">last resync</dt>
        <dd className={`${TONE_CLASS[last.tone]} md:col-span-3`} data-testid="last-resync-detail">
          {last.label}
          {node.lastResyncKind === "full" && node.lastResyncReason && <span className="text-slate-400"> — {shortReason(node.lastResyncReason)}</span>}
          {node.lastResyncKeysLoaded !== null && <span className="text-slate-400">; flushed old data, loaded {formatNumber(node.lastResyncKeysLoaded)} keys</span>}
          {node.lastResyncSource && <span className="text-slate-500"> (from {node.lastResyncSource})</span>}
          {node.lastResyncAt !== null && <span className="text-slate-500"> at {formatClock(node.lastResyncAt)}</span>}
        </dd>
        <dt className="text-slate-400">last I/O from master</dt>
        <dd className="num text-slate-200 md:col-span-3">
          {node.masterLastIoSeconds === null ? "—" : formatDuration(node.masterLastIoSeconds * 1000)}
          {node.replTimeout !== null && <span className="text-slate-500"> (drops the link after repl-timeout = {node.replTimeout} s)</span>}
        </dd>
      </dl>
    </section>
  );
}

/** A master's backlog and, per replica, how far it may fall behind and still resync partially. */
export function BacklogPanel({ backlog, replicas, now }: { backlog: { active: boolean; size: number; firstByteOffset: number; histlen: number } | null; replicas: NodeView[]; now: number }) {
  return (
    <section className="space-y-3 rounded-xl border border-slate-800 bg-slate-900/30 p-4" data-testid="backlog-panel">
      <h2 className="text-sm font-semibold text-slate-300">Replication backlog</h2>
      {backlog ? (
        <p className="text-xs text-slate-300">
          {backlog.active ? "active" : "inactive"} · size {formatBytes(backlog.size)} · holds {formatBytes(backlog.histlen)} · first byte offset {formatNumber(backlog.firstByteOffset)}
        </p>
      ) : (
        <p className="text-xs text-slate-400">unknown</p>
      )}
      {replicas.length > 0 && (
        <div className="overflow-x-auto">
          <table className="w-full min-w-[36rem] text-xs">
            <thead className="text-left text-slate-400">
              <tr>
                <th className="py-1 pr-3">replica</th>
                <th className="pr-3">sync</th>
                <th className="pr-3">if its link dropped now</th>
                <th>last resync</th>
              </tr>
            </thead>
            <tbody>
              {replicas.map((r) => {
                const s = syncReading(r, now);
                const c = coverageReading(r);
                const l = lastResyncReading(r, now);
                return (
                  <tr key={r.id} className="border-t border-slate-800">
                    <td className="py-1 pr-3 font-mono whitespace-nowrap">{r.id}</td>
                    <td className={`pr-3 ${TONE_CLASS[s.tone]}`}>{s.label}</td>
                    <td className={`pr-3 ${TONE_CLASS[c.tone]}`}>{c.label}</td>
                    <td className={TONE_CLASS[l.tone]}>{l.label}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
