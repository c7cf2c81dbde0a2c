"use client";
import { useEffect, useMemo, useState } from "react";
import { realCount, type CompareSummary } from "@/lib/compare/report";
import { formatNumber } from "@/lib/format";
import { apiJson, WRITABLE_REPLICA_NOTE } from "@/components/keys/api";
import { useApi } from "@/components/data/use-api";
import { useLiveTopology } from "@/components/realtime/socket-provider";
import { useCompareFeed } from "@/components/realtime/use-channel";
import { CompareReportView } from "./compare-report";

export function CompareView() {
  // Topologies and their nodes from the shared socket; the reports list with SWR; the selected
  // report's progress pushed on the socket while the job runs.
  const { state } = useLiveTopology();
  const topologies = useMemo(() => state.topologies.map((t) => ({ name: t.name, nodes: Object.values(t.nodes) })), [state.topologies]);
  const [chosen, setTopology] = useState("");
  const topology = chosen || topologies[0]?.name || "";
  const [db, setDb] = useState("0");
  const [match, setMatch] = useState("");
  const [rate, setRate] = useState("50000");
  const list = useApi<{ jobs: CompareSummary[] }>("/api/compare");
  const jobs = list.data?.jobs ?? [];
  const [picked, setSelected] = useState<string | null>(null);
  const selected = picked ?? jobs[0]?.id ?? null;
  const feed = useCompareFeed(selected);
  const report = feed.report;
  const [actionError, setError] = useState<string | null>(null);
  const error = actionError ?? feed.error ?? list.error?.message ?? null;
  const [starting, setStarting] = useState(false);
  const refreshJobs = list.mutate;

  // A job that stops (done, cancelled, failed) changes its row in the list.
  const status = report?.status;
  useEffect(() => {
    if (status && status !== "running") void refreshJobs();
  }, [status, refreshJobs]);

  const start = async () => {
    setStarting(true);
    setError(null);
    try {
      const body: Record<string, unknown> = { topology, db: Number(db), maxKeysPerSec: Number(rate) };
      if (match.trim()) body.match = match.trim();
      const { id } = await apiJson<{ id: string }>("/api/compare", { method: "POST", body: JSON.stringify(body) });
      await refreshJobs();
      setSelected(id);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setStarting(false);
    }
  };

  const cancel = async (id: string) => {
    try {
      // The final report arrives on the socket once the job has stopped.
      await apiJson(`/api/compare/${id}`, { method: "DELETE" });
      await refreshJobs();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };

  // DELETE on a stopped job removes its report.
  const remove = async (id: string) => {
    try {
      await apiJson(`/api/compare/${id}`, { method: "DELETE" });
      const next = await refreshJobs();
      setSelected(next?.jobs.find((j) => j.id !== id)?.id ?? null);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };

  const nodes = topologies.find((t) => t.name === topology)?.nodes ?? [];
  const master = nodes.find((n) => n.role === "master" && n.masterId === null && n.status === "up");
  const replicas = nodes.filter((n) => n.role === "replica");
  const input = "rounded border border-slate-700 bg-slate-950 px-2 py-1 text-xs text-slate-100";
  return (
    <div className="grid gap-4 lg:grid-cols-[360px_1fr]" data-testid="compare-view">
      <aside className="space-y-4">
        <form className="space-y-3 rounded-lg border border-slate-800 bg-slate-900/50 p-3" onSubmit={(e) => { e.preventDefault(); void start(); }}>
          <h2 className="text-sm font-semibold">Compare master with replicas</h2>
          <p className="text-xs text-slate-400">
            SCANs the master and each replica, compares fingerprints batch by batch and re-checks every mismatch after the replica has caught up, so lag is not reported as a difference.
          </p>
          {topologies.length > 1 && (
            <label className="flex items-center justify-between gap-2 text-xs">topology
              <select value={topology} onChange={(e) => setTopology(e.target.value)} className={input}>
                {topologies.map((t) => <option key={t.name}>{t.name}</option>)}
              </select>
            </label>
          )}
          <label className="flex items-center justify-between gap-2 text-xs">db
            <input value={db} onChange={(e) => setDb(e.target.value)} className={`${input} w-20 text-right font-mono`} data-testid="compare-db" />
          </label>
          <label className="flex items-center justify-between gap-2 text-xs">pattern
            <input value={match} onChange={(e) => setMatch(e.target.value)} placeholder="every key" className={`${input} w-44 font-mono`} data-testid="compare-match" />
          </label>
          <label className="flex items-center justify-between gap-2 text-xs">max keys/s per node
            <input value={rate} onChange={(e) => setRate(e.target.value)} className={`${input} w-28 text-right font-mono`} data-testid="compare-rate" />
          </label>
          <div className="rounded border border-slate-800 p-2 text-xs">
            <div className="flex justify-between"><span className="text-slate-400">master</span><span className="font-mono">{master?.id ?? "—"}</span></div>
            {replicas.map((r) => (
              <div key={r.id} className="mt-1 flex items-center justify-between gap-2">
                <span className="text-slate-400">replica</span>
                <span className="flex items-center gap-1 font-mono">
                  {r.readOnly === false && <span className="rounded bg-amber-500/20 px-1 text-[10px] text-amber-300" title={WRITABLE_REPLICA_NOTE} data-testid="writable-badge">WRITABLE</span>}
                  {r.id}
                  {r.status === "down" && <span className="text-rose-300"> down</span>}
                </span>
              </div>
            ))}
            {replicas.some((r) => r.readOnly === false) && <p className="mt-2 text-[11px] text-amber-300/90">{WRITABLE_REPLICA_NOTE}</p>}
          </div>
          <button type="submit" disabled={starting || !topology} className="w-full rounded bg-sky-600 px-2 py-1.5 text-xs font-semibold hover:bg-sky-500 disabled:opacity-50" data-testid="compare-start">
            {starting ? "Starting…" : "Start compare"}
          </button>
          {error && <p className="rounded border border-rose-500/40 bg-rose-950/40 px-2 py-1 text-xs text-rose-200" data-testid="compare-error">{error}</p>}
        </form>
        <div className="rounded-lg border border-slate-800 bg-slate-900/50">
          <h3 className="border-b border-slate-800 px-3 py-2 text-xs font-semibold tracking-wide text-slate-300 uppercase">Reports</h3>
          {jobs.length === 0 ? (
            <p className="p-3 text-xs text-slate-500">No compare has run yet.</p>
          ) : (
            <ul className="max-h-[420px] overflow-auto text-xs" data-testid="compare-jobs">
              {jobs.map((j) => (
                <li key={j.id}>
                  <button type="button" onClick={() => setSelected(j.id)} className={`flex w-full items-center justify-between gap-2 px-3 py-1.5 text-left ${j.id === selected ? "bg-sky-500/15" : "hover:bg-slate-800/60"}`}>
                    <span>
                      <span className="font-mono">{new Date(j.startedAt).toLocaleString("en-GB", { hour12: false })}</span>
                      <span className="ml-2 text-slate-400">db{j.db}{j.match ? ` · ${j.match}` : ""}</span>
                    </span>
                    <span className={j.status === "done" ? (realCount(j.counts) ? "text-rose-300" : "text-emerald-300") : j.status === "running" ? "text-sky-300" : "text-slate-400"}>
                      {j.status === "done" ? `${formatNumber(realCount(j.counts))} diff` : j.status}
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          )}
        </div>
      </aside>
      <section className="min-w-0">
        {report ? (
          <CompareReportView report={report} onCancel={() => void cancel(report.id)} onDelete={() => void remove(report.id)} />
        ) : (
          <div className="flex h-48 items-center justify-center rounded-lg border border-dashed border-slate-800 text-sm text-slate-500">Start a compare to see its progress and differences here.</div>
        )}
      </section>
    </div>
  );
}
