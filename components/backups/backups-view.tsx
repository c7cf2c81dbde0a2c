"use client";
// The backup catalogue page: "Back up now" (replicas suggested first), the catalogue, schedules.
// Backups are not on the socket: the list is polled (every second while one runs).
import { useMemo, useState } from "react";
import { backupCandidates } from "@/lib/backup/candidates";
import type { BackupSchedule } from "@/lib/backup/types";
import { useApi, useMe } from "@/components/data/use-api";
import { apiJson } from "@/components/keys/api";
import { useAction } from "@/components/data/use-action";
import { useLiveTopology } from "@/components/realtime/socket-provider";
import { BackupSchedules } from "./backup-schedules";
import { BackupTable, type BackupRow } from "./backup-table";

export function BackupsView() {
  const me = useMe();
  const readOnly = me?.role !== "operator";
  const { state } = useLiveTopology();
  const [running, setRunning] = useState(false);
  const list = useApi<{ backups: BackupRow[] }>("/api/backups", { refreshInterval: running ? 1000 : 10_000 });
  const schedules = useApi<{ schedules: BackupSchedule[] }>("/api/backup-schedules", { refreshInterval: 30_000 });
  const anyRunning = (list.data?.backups ?? []).some((b) => b.status === "running");
  if (anyRunning !== running) setRunning(anyRunning);

  const choices = useMemo(
    () => state.topologies.flatMap((t) => backupCandidates(Object.values(t.nodes)).map((v) => ({ value: `${t.name}\u0000${v.id}`, label: `${v.id} · ${v.role}${v.status !== "up" ? " (down)" : ""} · ${t.name}` }))),
    [state.topologies],
  );
  const [picked, setPicked] = useState("");
  const { busy, error, run } = useAction();
  const chosen = picked || choices[0]?.value || "";

  const backUpNow = async () => {
    const [topology, node] = chosen.split("\u0000");
    if (!node) return;
    await run(async () => {
      await apiJson("/api/backups", { method: "POST", body: JSON.stringify({ node, topology }) });
      setRunning(true);
      await list.mutate();
    });
  };

  return (
    <div className="space-y-5" data-testid="backups-page">
      <div className="flex flex-wrap items-baseline gap-3">
        <h1 className="text-lg font-semibold text-slate-50">Backups</h1>
        <span className="text-xs text-slate-400">Snapshot RDBs stamped with their replication position (replid @ offset), checked with redis-check-rdb.</span>
        <nav className="ml-auto flex gap-3 text-xs">
          <a href="/transfer" className="text-sky-300 hover:underline">Logical export / import</a>
          <a href="/restore-drills" className="text-sky-300 hover:underline">Restore drills</a>
          <a href="/restore-plan" className="text-sky-300 hover:underline">Restoring into a topology</a>
        </nav>
      </div>

      {!readOnly && (
        <section className="flex flex-wrap items-end gap-2 rounded-xl border border-slate-800 bg-slate-900/30 p-4">
          <label className="space-y-1 text-xs">
            <span className="block text-slate-400">Node (replicas first)</span>
            <select className="rounded border border-slate-700 bg-slate-950 px-2 py-1 text-xs" value={chosen} onChange={(e) => setPicked(e.target.value)} data-testid="backup-node">
              {choices.map((c) => <option key={c.value} value={c.value}>{c.label}</option>)}
            </select>
          </label>
          <button type="button" disabled={busy || !chosen} onClick={() => void backUpNow()} className="rounded bg-sky-700 px-3 py-1 text-xs text-white hover:bg-sky-600 disabled:opacity-50" data-testid="backup-now">
            Back up now
          </button>
          {error && <p className="w-full rounded border border-rose-500/40 bg-rose-950/40 px-2 py-1.5 font-mono text-xs text-rose-200" data-testid="backup-start-error">{error}</p>}
        </section>
      )}

      <section className="rounded-xl border border-slate-800 bg-slate-900/30 p-4">
        <h2 className="mb-2 text-sm font-semibold text-slate-300">Catalogue</h2>
        {list.error && <p className="text-xs text-rose-300">{list.error.message}</p>}
        {list.data ? <BackupTable backups={list.data.backups} readOnly={readOnly} onChanged={() => void list.mutate()} /> : <p className="text-xs text-slate-400">Loading…</p>}
      </section>

      <section className="rounded-xl border border-slate-800 bg-slate-900/30 p-4">
        <h2 className="mb-2 text-sm font-semibold text-slate-300">Schedules</h2>
        {schedules.data ? (
          <BackupSchedules schedules={schedules.data.schedules} topologies={state.topologies.map((t) => t.name)} readOnly={readOnly} onChanged={() => { void schedules.mutate(); void list.mutate(); }} />
        ) : (
          <p className="text-xs text-slate-400">Loading…</p>
        )}
      </section>
    </div>
  );
}
