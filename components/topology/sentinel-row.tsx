import type { SentinelMasterView, SentinelView } from "@/lib/sentinel/discover";
import { formatDuration } from "@/lib/format";

const ALARM_FLAGS = new Set(["s_down", "o_down", "disconnected"]);

function Flags({ flags }: { flags: string[] }) {
  return (
    <span className="flex flex-wrap justify-end gap-1">
      {flags.map((f) => (
        <span
          key={f}
          data-flag={f}
          className={`rounded px-1 font-mono text-[10px] ${ALARM_FLAGS.has(f) ? "bg-rose-500/25 font-semibold text-rose-200 ring-1 ring-rose-500/50" : "bg-slate-800 text-slate-300"}`}
        >
          {f}
        </span>
      ))}
    </span>
  );
}

function MasterBelief({ m }: { m: SentinelMasterView }) {
  const flags = m.flags.filter((f) => f !== "master");
  return (
    <div className="space-y-1 border-t border-slate-800 pt-1.5 text-xs" data-testid={`sentinel-master-${m.name}`}>
      <div className="flex items-baseline justify-between gap-2">
        <span className="truncate text-slate-300">
          <span className="font-mono">{m.name}</span> → <span className="font-mono text-slate-50" data-testid="believed-master">{m.address}</span>
        </span>
        <Flags flags={flags.length ? flags : ["ok"]} />
      </div>
      <div className="flex justify-between gap-2 text-slate-400">
        <span>
          quorum <span className="num font-mono text-slate-200">{m.quorum ?? "—"}</span> · other sentinels{" "}
          <span className="num font-mono text-slate-200" data-testid="other-sentinels">
            {m.numOtherSentinels ?? "—"}
          </span>
        </span>
        <span className="num font-mono">epoch {m.configEpoch ?? "—"}</span>
      </div>
      <div className={`truncate font-mono text-[11px] ${m.ckquorum.ok ? "text-emerald-300" : "text-rose-300"}`} title={m.ckquorum.text} data-testid="ckquorum">
        {m.ckquorum.text || "CKQUORUM: no answer"}
      </div>
      {m.failoverState && (
        <div className="rounded bg-amber-500/15 px-1.5 py-0.5 text-amber-200" data-testid="failover-state">
          failover: <span className="font-mono">{m.failoverState}</span>
        </div>
      )}
    </div>
  );
}

export function SentinelCard({ sentinel: s, now }: { sentinel: SentinelView; now: number }) {
  const down = s.status === "down";
  return (
    <div
      data-testid={`sentinel-${s.id}`}
      data-status={s.status}
      className={`w-80 space-y-1.5 rounded-lg border p-3 ${down ? "border-rose-500/70 bg-rose-950/30" : "border-violet-400/30 bg-slate-900"}`}
    >
      <div className="flex items-center justify-between gap-2">
        <span className="flex min-w-0 items-center gap-2">
          <span className={`h-2.5 w-2.5 shrink-0 rounded-full ${down ? "bg-rose-500" : "bg-emerald-400"}`} title={s.status} />
          <span className="truncate font-mono text-sm font-semibold text-slate-50">{s.id}</span>
        </span>
        <span className="rounded bg-violet-500/15 px-1.5 py-0.5 text-[10px] font-semibold tracking-wider text-violet-300 uppercase ring-1 ring-violet-500/40">sentinel</span>
      </div>
      <div className="flex justify-between text-[11px] text-slate-400">
        {down ? (
          <span className="truncate text-rose-300">
            down {formatDuration(s.downSince !== null ? now - s.downSince : null)} · {s.lastError ?? "no answer"}
          </span>
        ) : (
          <span>{s.latencyMs === null ? "" : `${s.latencyMs} ms`}</span>
        )}
        <span data-testid="subscription" data-live={String(s.subscribed)} className={s.subscribed ? "text-emerald-300" : "text-amber-300"}>
          {s.subscribed ? "events live" : "events not subscribed"}
        </span>
      </div>
      {s.masters.length === 0 ? (
        <p className="text-xs text-slate-400">monitors no master</p>
      ) : (
        s.masters.map((m) => <MasterBelief key={m.name} m={m} />)
      )}
      {down && s.masters.length > 0 && <p className="text-[10px] text-slate-500">last answer shown (stale)</p>}
    </div>
  );
}

/** The topology's sentinels, one card each; nothing at all when none are configured. */
export function SentinelRow({ sentinels, now }: { sentinels: SentinelView[]; now: number }) {
  if (sentinels.length === 0) return null;
  return (
    <div className="space-y-2 border-t border-slate-800 pt-4" data-testid="sentinel-row">
      <div className="flex flex-wrap items-baseline gap-3">
        <h2 className="text-sm font-semibold text-slate-300">Sentinels</h2>
        <span className="text-xs text-slate-400">
          What each sentinel believes. Failover-state events come only from the leader: the others stay at no failover or wait-start.
        </span>
      </div>
      <div className="flex flex-wrap justify-center gap-4">
        {[...sentinels]
          .sort((a, b) => a.id.localeCompare(b.id))
          .map((s) => (
            <SentinelCard key={s.id} sentinel={s} now={now} />
          ))}
      </div>
    </div>
  );
}
