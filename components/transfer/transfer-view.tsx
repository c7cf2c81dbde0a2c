"use client";
// Logical export and import: start an export of a node, upload a dump into a node, and follow
// every job's progress (keys, bytes, rate, ETA, final report) live from the socket.
import { useEffect, useState } from "react";
import type { TransferJob } from "@/lib/realtime/events";
import { formatBytes, formatDuration, formatNumber } from "@/lib/format";
import { useSocketEvent } from "@/components/realtime/use-channel";

const input = "rounded border border-slate-700 bg-slate-950 px-2 py-1 font-mono text-xs text-slate-100";
const button = "rounded border border-sky-500/60 px-3 py-1 text-xs text-sky-200 hover:bg-sky-950/40 disabled:opacity-50";

async function answer(res: Response): Promise<TransferJob> {
  const body = (await res.json().catch(() => ({}))) as TransferJob & { error?: string };
  if (!res.ok) throw new Error(body.error ?? `HTTP ${res.status}`);
  return body;
}

/** done green, running blue, partial (the file read, some keys failed) orange, stopped amber, failed red. */
const TONES: Record<TransferJob["status"], { text: string; bar: string }> = {
  done: { text: "text-emerald-300", bar: "bg-emerald-500" },
  running: { text: "text-sky-300", bar: "bg-sky-500" },
  partial: { text: "text-orange-300", bar: "bg-orange-500" },
  stopped: { text: "text-amber-300", bar: "bg-amber-500" },
  failed: { text: "text-rose-300", bar: "bg-rose-500" },
};

function JobRow({ job }: { job: TransferJob }) {
  const pct = job.total ? Math.min(100, ((job.totalUnit === "keys" ? job.keys : job.bytes) / job.total) * 100) : job.status === "running" ? 0 : 100;
  const { text: color, bar } = TONES[job.status];
  return (
    <li className="space-y-1 rounded-lg border border-slate-800 bg-slate-900/50 p-3 text-xs" data-testid="transfer-job" data-id={job.id} data-status={job.status} data-kind={job.kind}>
      <div className="flex flex-wrap items-center gap-3">
        <span className="font-semibold text-slate-200">{job.kind}</span>
        <span className="font-mono text-slate-300">{job.node}</span>
        {job.policy && <span className="text-slate-400">policy {job.policy}</span>}
        <span className={`ml-auto font-semibold ${color}`} data-testid="transfer-status">{job.status}</span>
        {job.kind === "export" && job.status === "done" && (
          <>
            <a className="text-sky-300 underline" href={`/api/export/${job.id}/file`} data-testid="transfer-download">download .rsd</a>
            <a className="text-sky-300 underline" href={`/restore-drills?export=${job.id}`} data-testid="transfer-verify">restore drill…</a>
          </>
        )}
      </div>
      <div className="h-2 overflow-hidden rounded bg-slate-800" role="progressbar" aria-valuenow={Math.round(pct)} aria-valuemin={0} aria-valuemax={100}>
        <div className={`h-full ${bar}`} style={{ width: `${pct}%` }} />
      </div>
      <div className="flex flex-wrap gap-4 font-mono text-slate-300" data-testid="transfer-figures">
        <span>{formatNumber(job.keys)} keys</span>
        <span>{formatBytes(job.bytes)}</span>
        <span>{formatNumber(job.rate)} keys/s</span>
        {job.etaMs !== null && <span>ETA {formatDuration(job.etaMs)}</span>}
        {job.kind === "import" && (
          <span data-testid="transfer-report">
            restored {formatNumber(job.restored ?? 0)} · skipped {formatNumber(job.skipped ?? 0)} · failed {formatNumber(job.failed ?? 0)} · expired {formatNumber(job.expired ?? 0)}
          </span>
        )}
        {job.kind === "export" && job.status === "done" && <span>vanished {formatNumber(job.vanished ?? 0)} · replid {job.replid?.slice(0, 8)} @ {job.offset}</span>}
      </div>
      {job.error && (
        <div className="text-amber-300" data-testid="transfer-error">
          {job.error}
          {job.errorOffset !== null && job.errorOffset !== undefined ? ` (byte ${job.errorOffset})` : ""}
        </div>
      )}
    </li>
  );
}

export function TransferView() {
  const [jobs, setJobs] = useState<Record<string, TransferJob>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [node, setNode] = useState("");
  const [match, setMatch] = useState("");
  const [db, setDb] = useState("");
  const [target, setTarget] = useState("");
  const [policy, setPolicy] = useState<"skip" | "replace" | "stop">("stop");
  const [file, setFile] = useState<File | null>(null);

  // A job's final state never goes back to "running": the POST that started a quick export can
  // answer after the socket already said "done", and that older answer must not win.
  const upsert = (job: TransferJob) =>
    setJobs((prev) => {
      const known = prev[job.id];
      if (known && known.status !== "running" && job.status === "running") return prev;
      return { ...prev, [job.id]: { ...known, ...job } };
    });
  useSocketEvent("transfers:summary", (u) => upsert(u.job));
  useEffect(() => {
    void fetch("/api/export")
      .then((r) => r.json())
      .then((b: { jobs?: TransferJob[] }) => setJobs((prev) => Object.fromEntries([...(b.jobs ?? []).map((j) => [j.id, j] as const), ...Object.entries(prev)])))
      .catch(() => undefined);
  }, []);

  const run = async (work: () => Promise<TransferJob>) => {
    setBusy(true);
    setError(null);
    try {
      upsert(await work());
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  const startExport = () =>
    run(async () =>
      answer(await fetch("/api/export", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ node, ...(match ? { match } : {}), ...(db !== "" ? { db: Number(db) } : {}) }),
      })),
    );
  const startImport = () =>
    run(async () => {
      if (!file) throw new Error("choose a .rsd file");
      const q = new URLSearchParams({ node: target, policy });
      return answer(await fetch(`/api/import?${q.toString()}`, { method: "POST", headers: { "content-type": "application/octet-stream" }, body: file }));
    });

  const list = Object.values(jobs).sort((a, b) => b.startedAt - a.startedAt);
  return (
    <div className="space-y-6 p-4" data-testid="transfer-page">
      <h1 className="text-lg font-semibold text-slate-100">Export / import (logical)</h1>
      <section className="space-y-2 rounded-lg border border-slate-800 p-3">
        <h2 className="text-sm font-semibold text-slate-200">Export a node</h2>
        <div className="flex flex-wrap gap-2">
          <input className={input} placeholder="node host:port" value={node} onChange={(e) => setNode(e.target.value)} data-testid="export-node" />
          <input className={input} placeholder="MATCH pattern (all keys)" value={match} onChange={(e) => setMatch(e.target.value)} data-testid="export-match" />
          <input className={input} placeholder="db (all)" value={db} onChange={(e) => setDb(e.target.value)} data-testid="export-db" />
          <button type="button" className={button} disabled={busy || !node} onClick={() => void startExport()} data-testid="export-start">Export</button>
        </div>
      </section>
      <section className="space-y-2 rounded-lg border border-slate-800 p-3">
        <h2 className="text-sm font-semibold text-slate-200">Import a dump</h2>
        <div className="flex flex-wrap items-center gap-2">
          <input type="file" accept=".rsd,application/octet-stream" className="text-xs text-slate-300" onChange={(e) => setFile(e.target.files?.[0] ?? null)} data-testid="import-file" />
          <input className={input} placeholder="into node host:port" value={target} onChange={(e) => setTarget(e.target.value)} data-testid="import-node" />
          <select className={input} value={policy} onChange={(e) => setPolicy(e.target.value as "skip" | "replace" | "stop")} data-testid="import-policy">
            <option value="stop">stop at the first existing key</option>
            <option value="skip">skip existing keys</option>
            <option value="replace">replace existing keys</option>
          </select>
          <button type="button" className={button} disabled={busy || !target || !file} onClick={() => void startImport()} data-testid="import-start">Import</button>
        </div>
      </section>
      {error && <div className="text-xs text-rose-300" data-testid="transfer-form-error">{error}</div>}
      <ul className="space-y-2" data-testid="transfer-jobs">
        {list.map((j) => <JobRow key={j.id} job={j} />)}
        {list.length === 0 && <li className="text-xs text-slate-500">No export or import yet.</li>}
      </ul>
    </div>
  );
}
