"use client";
// The instances page: which replscope instance owns which topology right now, refreshed every 2 s,
// with the data's age always on screen (stale data is dimmed and says so).
import type { FleetAnswer } from "@/lib/fleet/instances";
import { InstancesTable } from "./instances-table";
import { ageText, formatSpan, freshness, LOSS_WORDS, type Freshness, type Holding } from "./model";
import { SingleInstance } from "./single-instance";
import { useInstances, useNow } from "./use-instances";

function StatusLine({ f }: { f: Freshness }) {
  const tone = f.kind === "current" ? "text-slate-400" : f.kind === "loading" ? "text-slate-500" : "text-amber-300";
  return (
    <span className={`text-xs ${tone}`} data-testid="instances-age" data-kind={f.kind} data-age-ms={"ageMs" in f ? f.ageMs : ""}>
      {ageText(f)}
      {f.kind === "current" ? " · every 2 s" : ""}
    </span>
  );
}

function Coordination({ answer }: { answer: FleetAnswer }) {
  const { coordination: c } = answer;
  return (
    <p className="flex flex-wrap items-center gap-x-2 gap-y-1 text-sm" data-testid="instances-coordination" data-reachable={c.reachable}>
      <span className="text-slate-300">
        {/* Inline with the words, so a narrow screen never leaves the dot alone on a line. */}
        <span className={`mr-2 inline-block h-2 w-2 rounded-full align-middle ${c.reachable ? "bg-emerald-400" : "bg-rose-500"}`} />
        Coordination Redis <span className="font-mono">{c.target}</span> {c.reachable ? "reachable" : "unreachable"}
      </span>
      {/* The overview's own error is said in full below; the coordinator's last error only when it adds something. */}
      {c.lastError && !(answer.overviewError ?? "").includes(c.lastError) && <span className="min-w-0 break-words text-xs text-rose-300">({c.lastError})</span>}
      <span className="text-xs text-slate-500">
        answered by <span className="font-mono">{answer.answeredBy}</span>
      </span>
    </p>
  );
}

function Unowned({ topologies, holdings, now }: { topologies: string[]; holdings: Record<string, Holding>; now: number }) {
  if (topologies.length === 0) return null;
  return (
    <div className="rounded-lg border border-amber-500/40 bg-amber-950/30 p-3 text-sm text-amber-100" data-testid="instances-unowned" role="status">
      <p>
        {topologies.length === 1 ? "1 topology has" : `${topologies.length} topologies have`} no owner right now: no live instance holds its lease, so nobody monitors it
        until one takes it over (normally within a few seconds of its owner stopping).
      </p>
      <ul className="mt-2 flex flex-wrap gap-1.5">
        {topologies.map((t) => {
          const h = holdings[t];
          return (
            <li key={t} className="rounded border border-amber-500/60 px-1.5 py-0.5 text-xs break-all" data-testid="instances-unowned-topology">
              <span className="font-mono">{t}</span>
              {h?.changed && h.owner === "" && <span className="num ml-1.5 whitespace-nowrap text-amber-300">for {formatSpan(now - h.since)}</span>}
            </li>
          );
        })}
      </ul>
    </div>
  );
}

function Rebalances({ answer }: { answer: FleetAnswer }) {
  const { acquisitions, losses } = answer.rebalances;
  return (
    <section className="rounded-xl border border-slate-800 bg-slate-900/30 p-4 text-sm" data-testid="instances-rebalances">
      <h2 className="mb-2 font-semibold text-slate-100">Rebalances seen by this instance</h2>
      <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-xs sm:text-sm">
        <dt className="text-slate-400">leases acquired</dt>
        <dd className="num font-mono text-slate-100" data-testid="instances-acquisitions">{acquisitions}</dd>
        {(Object.keys(LOSS_WORDS) as (keyof typeof LOSS_WORDS)[]).map((reason) => (
          <div key={reason} className="contents">
            <dt className="text-slate-400">{LOSS_WORDS[reason]}</dt>
            <dd className={`num font-mono ${losses[reason] > 0 && reason !== "released" && reason !== "stopped" ? "text-amber-300" : "text-slate-100"}`} data-testid={`instances-loss-${reason}`}>
              {losses[reason]}
            </dd>
          </div>
        ))}
      </dl>
      <p className="mt-2 text-xs text-slate-500">Since this instance started. Each acquisition of a topology anywhere in the fleet raises its fencing token (shown when you point at a lease).</p>
    </section>
  );
}

function Fleet({ answer, f, holdings, now }: { answer: FleetAnswer; f: Freshness; holdings: Record<string, Holding>; now: number }) {
  const ageMs = "ageMs" in f ? f.ageMs : 0;
  return (
    <div className="space-y-4">
      <Coordination answer={answer} />
      {answer.overviewError && (
        <p className="rounded-lg border border-rose-500/40 bg-rose-950/30 p-3 text-sm text-rose-100" data-testid="instances-overview-error" role="status">
          {answer.overviewError}. Below is only what this instance itself believes it owns; the other instances and the unowned topologies are unknown until the
          coordination Redis answers again.
        </p>
      )}
      {answer.unowned && <Unowned topologies={answer.unowned} holdings={holdings} now={now} />}
      <section className="rounded-xl border border-slate-800 bg-slate-900/30 p-3 sm:p-4">
        <h2 className="mb-2 text-sm font-semibold text-slate-100">
          {answer.overviewError ? "This instance" : `${answer.instances.length} live instance${answer.instances.length === 1 ? "" : "s"}`}
        </h2>
        <InstancesTable rows={answer.instances} holdings={holdings} clock={{ ageMs, now }} serverNow={answer.at + ageMs} />
      </section>
      <Rebalances answer={answer} />
    </div>
  );
}

export function InstancesView() {
  const state = useInstances();
  const now = useNow();
  const f = freshness(state, now);
  const data = state.data;
  return (
    <div className="space-y-4" data-testid="instances-page" data-mode={data?.mode ?? ""}>
      <div className="flex flex-wrap items-baseline gap-x-3 gap-y-1">
        <h1 className="text-lg font-semibold text-slate-50">Instances</h1>
        <span className="text-xs text-slate-400">Which replscope instance monitors which topology.</span>
        <span className="ml-auto">
          <StatusLine f={f} />
        </span>
      </div>
      {f.kind === "failed" && (
        <p className="rounded-lg border border-rose-500/40 bg-rose-950/30 p-3 text-sm text-rose-100" data-testid="instances-error" role="alert">
          Could not load the instances: {f.error}. Trying again every 2 s.
        </p>
      )}
      {f.kind === "stale" && (
        <p className="rounded-lg border border-amber-500/40 bg-amber-950/30 p-3 text-sm text-amber-100" data-testid="instances-stale" role="status">
          {f.error ? `The last refresh failed (${f.error}). ` : "No fresh answer. "}
          What follows is from {ageText(f).replace("updated ", "")}: leases may have moved since. Trying again every 2 s.
        </p>
      )}
      {f.kind === "loading" && <p className="text-sm text-slate-400">Loading…</p>}
      {data && <div className={f.kind === "stale" ? "opacity-60" : ""}>{data.mode === "single" ? <SingleInstance answer={data} /> : <Fleet answer={data} f={f} holdings={state.holdings} now={now} />}</div>}
    </div>
  );
}
