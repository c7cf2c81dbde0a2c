"use client";
import Link from "next/link";
import { useState } from "react";
import type { Drill } from "@/lib/drills/types";
import { formatClock } from "@/lib/format";
import { apiJson } from "@/components/keys/api";
import { useMe } from "@/components/data/use-api";
import { useLiveTopology } from "@/components/realtime/socket-provider";
import { useDrillFeed } from "@/components/realtime/use-channel";
import { ConfirmDialog } from "@/components/keys/confirm-dialog";
import { EventList } from "@/components/timeline/event-list";
import { NotFoundView } from "@/components/layout/not-found-view";
import { SentinelRow } from "@/components/topology/sentinel-row";
import { TopologyGraph } from "@/components/topology/topology-graph";
import { ClusterDrillReportView } from "./cluster-drill-report";
import { DrillReportView } from "./drill-report";
import { formatMs, formatWhen, SCENARIO_TEXT, STEP_TONE } from "./drill-text";
import { ViewerNote } from "./drills-view";
import { DrillStatusBadge } from "./status-badge";

function Steps({ drill }: { drill: Drill }) {
  if (drill.steps.length === 0) return <p className="text-xs text-slate-400">Starting…</p>;
  return (
    <ol className="space-y-1" data-testid="drill-steps">
      {drill.steps.map((s, i) => (
        // Phones: time, name and offset on one line, the detail on the next.
        <li key={i} className="flex flex-wrap items-start gap-x-3 gap-y-0.5 text-xs sm:flex-nowrap" data-step={s.name} data-status={s.status}>
          <span className="num w-20 shrink-0 font-mono text-slate-400">
            {formatClock(s.at)}
            <span className="text-slate-600">.{String(s.at % 1000).padStart(3, "0")}</span>
          </span>
          <span className={`mt-1 h-2 w-2 shrink-0 rounded-full ${STEP_TONE[s.status]} ${s.status === "waiting" && i === drill.steps.length - 1 && drill.status === "running" ? "animate-pulse" : ""}`} />
          <span className="shrink-0 font-semibold text-slate-200 sm:w-24">{s.name}</span>
          <span className="num order-last basis-full pl-[7rem] font-mono break-words text-slate-300 sm:order-none sm:min-w-0 sm:flex-1 sm:basis-auto sm:pl-0">{s.detail}</span>
          <span className="num ml-auto shrink-0 font-mono text-[10px] text-slate-500 sm:ml-0">+{formatMs(s.at - drill.startedAt)}</span>
        </li>
      ))}
    </ol>
  );
}

function AbortButton({ drill }: { drill: Drill }) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const abort = async () => {
    setBusy(true);
    setError(null);
    try {
      await apiJson(`/api/drills/${drill.id}/abort`, { method: "POST" });
      setOpen(false);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button type="button" onClick={() => setOpen(true)} className="rounded bg-rose-600 px-3 py-1 text-xs font-semibold text-white hover:bg-rose-500" data-testid="drill-abort">
        Abort…
      </button>
      {open && (
        <ConfirmDialog title="Abort this drill?" confirmLabel="Abort drill" busy={busy} error={error} onConfirm={abort} onCancel={() => setOpen(false)}>
          <p>The drill stops at its current step. Whatever it already changed stays as it is (a promoted replica stays master); the report says how far it got.</p>
        </ConfirmDialog>
      )}
    </>
  );
}

export function DrillDetail({ id, topology }: { id: string; topology?: string }) {
  const me = useMe();
  // Steps, status, events and the report arrive on the shared socket as the drill manager records them.
  const { drill, error, missing } = useDrillFeed(id);
  const { state, hasSnapshot, now } = useLiveTopology();
  const watched = drill?.topology ?? topology;
  const live = watched ? state.topologies.find((t) => t.name === watched) : undefined;
  const running = drill?.status === "running";
  if (missing) return <NotFoundView />;

  return (
    <div className="space-y-5" data-testid="drill-detail" data-status={drill?.status ?? ""}>
      <div className="flex flex-wrap items-center gap-3">
        <Link href="/drills" className="text-sm text-slate-400 hover:text-slate-200">
          ← Drills
        </Link>
        <h1 className="text-lg font-semibold text-slate-50">{drill ? `${SCENARIO_TEXT[drill.scenario].label} drill on ${drill.topology}` : "Drill"}</h1>
        {drill && <DrillStatusBadge status={drill.status} />}
        {drill && (
          <span className="text-xs text-slate-400">
            {formatWhen(drill.startedAt)} by {drill.user}
            {drill.target ? ` · target ${drill.target}` : ""}
          </span>
        )}
        <span className="ml-auto flex gap-2">
          {drill && running && me?.role === "operator" && <AbortButton drill={drill} />}
          {drill && !running && (
            <>
              <a href={`/api/drills/${id}`} download={`drill-${id}.json`} className="rounded border border-slate-600 px-3 py-1 text-xs text-slate-200 hover:bg-slate-800" data-testid="download-json">
                Download JSON
              </a>
              <a href={`/api/drills/${id}/report.md`} download={`drill-${id}.md`} className="rounded border border-slate-600 px-3 py-1 text-xs text-slate-200 hover:bg-slate-800" data-testid="download-md">
                Download Markdown
              </a>
            </>
          )}
        </span>
      </div>
      {me?.role === "viewer" && running && <ViewerNote />}
      {error && <p className="rounded border border-rose-500/40 bg-rose-950/40 px-2 py-1.5 font-mono text-xs text-rose-200">{error}</p>}
      {drill?.error && (
        <p className="rounded border border-amber-500/40 bg-amber-950/30 px-2 py-1.5 text-xs text-amber-100" data-testid="drill-error">
          {drill.error}
        </p>
      )}

      {drill?.report && !running && (
        <section className="min-w-0 rounded-xl border border-slate-800 bg-slate-900/30 p-3 sm:p-4">
          <h2 className="mb-3 text-sm font-semibold text-slate-300">Report</h2>
          <DrillReportView report={drill.report} />
        </section>
      )}
      {drill?.clusterReport && !running && (
        <section className="min-w-0 rounded-xl border border-slate-800 bg-slate-900/30 p-3 sm:p-4">
          <h2 className="mb-3 text-sm font-semibold text-slate-300">Report</h2>
          <ClusterDrillReportView report={drill.clusterReport} plan={drill.clusterPlan} />
        </section>
      )}

      <section className="rounded-xl border border-slate-800 bg-slate-900/30 p-3 sm:p-5">
        <div className="mb-2 flex flex-wrap items-baseline gap-x-3">
          <h2 className="text-sm font-semibold text-slate-300">Topology now</h2>
          <span className="text-xs text-slate-400">live: roles move as the drill changes them</span>
        </div>
        {live && hasSnapshot ? (
          <div className="space-y-4">
            <TopologyGraph nodes={Object.values(live.nodes)} lag={live.lag} topology={live.name} now={now} />
            <SentinelRow sentinels={live.sentinels} now={now} />
          </div>
        ) : (
          <p className="py-8 text-center text-sm text-slate-400">{watched && hasSnapshot ? `The dashboard does not watch "${watched}" any more.` : "Connecting…"}</p>
        )}
      </section>

      <div className="grid gap-5 lg:grid-cols-2">
        <section className="min-w-0 rounded-xl border border-slate-800 bg-slate-900/30 p-3 sm:p-4">
          <h2 className="mb-2 text-sm font-semibold text-slate-300">Steps</h2>
          {drill ? <Steps drill={drill} /> : <p className="text-xs text-slate-400">Loading…</p>}
        </section>
        <section className="min-w-0 rounded-xl border border-slate-800 bg-slate-900/30 p-3 sm:p-4">
          <h2 className="mb-2 text-sm font-semibold text-slate-300">What the dashboard saw during the drill</h2>
          <div className="max-h-96 overflow-y-auto pr-1" data-testid="drill-events">
            <EventList events={drill?.events ?? []} empty={running ? "No events yet." : "No events were recorded."} />
          </div>
        </section>
      </div>
    </div>
  );
}
