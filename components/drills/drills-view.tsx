"use client";
import { useCallback, useMemo } from "react";
import { useApi, useMe } from "@/components/data/use-api";
import { useLiveTopology } from "@/components/realtime/socket-provider";
import { DRILLS_URL } from "@/components/realtime/live-cache";
import { DrillList, type DrillSummary } from "./drill-list";
import { NewDrillForm, type TopologyChoice } from "./new-drill-form";

export function ViewerNote() {
  return (
    <p className="rounded border border-slate-700 bg-slate-900/60 px-3 py-2 text-xs text-slate-300" data-testid="viewer-note">
      You are signed in as a viewer: you can follow drills and read their reports, but starting or aborting one needs the operator role.
    </p>
  );
}

export function DrillsView() {
  const me = useMe();
  const { state, hasSnapshot } = useLiveTopology();
  // The list loads once; every drill's changes then arrive as summaries on the shared socket
  // (LiveCacheSync, in the dashboard layout, folds them into this cache on every page).
  const { data, error } = useApi<{ drills: DrillSummary[] }>(DRILLS_URL, { revalidateOnFocus: false });
  const choiceKey = state.topologies.map((t) => `${t.name}\0${t.drills}`).join("\n");
  // Stable while names and drill flags stay the same (the live state changes every second).
  // eslint-disable-next-line react-hooks/exhaustive-deps -- keyed on choiceKey on purpose
  const topologies = useMemo<TopologyChoice[]>(() => state.topologies.map(({ name, drills }) => ({ name, drills })), [choiceKey]);
  const drills = data?.drills ?? null;

  const nodesOf = useCallback((name: string) => Object.values(state.topologies.find((t) => t.name === name)?.nodes ?? {}), [state]);
  const clusterOf = useCallback((name: string) => state.topologies.find((t) => t.name === name)?.cluster ?? null, [state]);
  const readOnly = me?.role !== "operator";

  return (
    <div className="space-y-5" data-testid="drills-page">
      <div className="flex flex-wrap items-baseline gap-3">
        <h1 className="text-lg font-semibold text-slate-50">Failover drills</h1>
        <span className="text-xs text-slate-400">Rehearse a failover on a real topology and measure what it costs: write outage, lost writes, resyncs.</span>
      </div>
      {me?.role === "viewer" && <ViewerNote />}
      {error && <p className="rounded border border-rose-500/40 bg-rose-950/40 px-2 py-1.5 font-mono text-xs text-rose-200" data-testid="drills-error">{error.message}</p>}

      <section className="rounded-xl border border-slate-800 bg-slate-900/30 p-4">
        <h2 className="mb-3 text-sm font-semibold text-slate-300">New drill</h2>
        {!hasSnapshot ? <p className="text-xs text-slate-400">Loading topologies…</p> : topologies.length === 0 ? <p className="text-xs text-slate-400">No topology is watched.</p> : <NewDrillForm topologies={topologies} nodesOf={nodesOf} clusterOf={clusterOf} readOnly={readOnly} />}
      </section>

      <section className="rounded-xl border border-slate-800 bg-slate-900/30 p-4">
        <h2 className="mb-2 text-sm font-semibold text-slate-300">Past drills</h2>
        {drills === null ? <p className="text-xs text-slate-400">Loading…</p> : <DrillList drills={drills} />}
      </section>
    </div>
  );
}
