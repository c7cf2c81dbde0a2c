"use client";
import { useCallback, useEffect, useState } from "react";
import { apiJson } from "@/components/keys/api";
import { useSharedLiveTopology } from "@/components/topology/live-topology-provider";
import { DrillList, type DrillSummary } from "./drill-list";
import { NewDrillForm, type TopologyChoice } from "./new-drill-form";

export interface Me {
  user: string;
  role: "viewer" | "operator";
}

export function useMe(): Me | null {
  const [me, setMe] = useState<Me | null>(null);
  useEffect(() => {
    let cancelled = false;
    apiJson<Me>("/api/auth/me")
      .then((m) => !cancelled && setMe(m))
      .catch(() => undefined);
    return () => {
      cancelled = true;
    };
  }, []);
  return me;
}

export function ViewerNote() {
  return (
    <p className="rounded border border-slate-700 bg-slate-900/60 px-3 py-2 text-xs text-slate-300" data-testid="viewer-note">
      You are signed in as a viewer: you can follow drills and read their reports, but starting or aborting one needs the operator role.
    </p>
  );
}

export function DrillsView() {
  const me = useMe();
  const { state } = useSharedLiveTopology();
  const [topologies, setTopologies] = useState<TopologyChoice[]>([]);
  const [drills, setDrills] = useState<DrillSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    const fail = (err: unknown) => {
      if (!cancelled) setError(err instanceof Error ? err.message : String(err));
    };
    let timer: ReturnType<typeof setTimeout> | undefined;
    // Keep the list current (a running drill changes as it goes, and other operators start drills
    // too); the next refresh is scheduled only when this one is done, so they never pile up.
    const refresh = (): Promise<void> =>
      apiJson<{ drills: DrillSummary[] }>("/api/drills")
        .then((d) => {
          if (!cancelled) setDrills(d.drills);
        })
        .catch(fail)
        .finally(() => {
          if (!cancelled) timer = setTimeout(() => void refresh(), 3000);
        });
    apiJson<{ topologies: TopologyChoice[] }>("/api/topology")
      .then((t) => !cancelled && setTopologies(t.topologies.map(({ name, drills }) => ({ name, drills }))))
      .catch(fail);
    void refresh();
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, []);

  const nodesOf = useCallback((name: string) => Object.values(state.topologies.find((t) => t.name === name)?.nodes ?? {}), [state]);
  const readOnly = me?.role !== "operator";

  return (
    <div className="space-y-5" data-testid="drills-page">
      <div className="flex flex-wrap items-baseline gap-3">
        <h1 className="text-lg font-semibold text-slate-50">Failover drills</h1>
        <span className="text-xs text-slate-400">Rehearse a failover on a real topology and measure what it costs: write outage, lost writes, resyncs.</span>
      </div>
      {me?.role === "viewer" && <ViewerNote />}
      {error && <p className="rounded border border-rose-500/40 bg-rose-950/40 px-2 py-1.5 font-mono text-xs text-rose-200">{error}</p>}

      <section className="rounded-xl border border-slate-800 bg-slate-900/30 p-4">
        <h2 className="mb-3 text-sm font-semibold text-slate-300">New drill</h2>
        {topologies.length === 0 ? <p className="text-xs text-slate-400">Loading topologies…</p> : <NewDrillForm topologies={topologies} nodesOf={nodesOf} readOnly={readOnly} />}
      </section>

      <section className="rounded-xl border border-slate-800 bg-slate-900/30 p-4">
        <h2 className="mb-2 text-sm font-semibold text-slate-300">Past drills</h2>
        {drills === null ? <p className="text-xs text-slate-400">Loading…</p> : <DrillList drills={drills} />}
      </section>
    </div>
  );
}
