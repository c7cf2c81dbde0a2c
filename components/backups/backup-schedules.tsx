"use client";
// Backup schedules per topology: every N hours or daily at HH:MM UTC, on a replica by preference,
// with retention (keep the last K and/or D days). Retention only touches the schedule's own backups.
import { useState } from "react";
import type { BackupSchedule } from "@/lib/backup/types";
import { apiJson } from "@/components/keys/api";
import { useAction } from "@/components/data/use-action";

const input = "w-full rounded border border-slate-700 bg-slate-950 px-2 py-1 text-xs text-slate-100";

export function BackupSchedules({ schedules, topologies, readOnly, onChanged }: { schedules: BackupSchedule[]; topologies: string[]; readOnly: boolean; onChanged: () => void }) {
  const [topology, setTopology] = useState(topologies[0] ?? "");
  const [mode, setMode] = useState<"every" | "daily">("every");
  const [everyHours, setEveryHours] = useState("24");
  const [dailyAt, setDailyAt] = useState("03:00");
  const [prefer, setPrefer] = useState("replica");
  const [keepLast, setKeepLast] = useState("7");
  const [keepDays, setKeepDays] = useState("");
  const { busy, error, run } = useAction();

  const call = (url: string, init: RequestInit) =>
    run(async () => {
      await apiJson(url, init);
      onChanged();
    });

  const create = () => {
    const body: Record<string, unknown> = { topology: topology || topologies[0], prefer };
    if (mode === "every") body.everyHours = Number(everyHours);
    else body.dailyAt = dailyAt;
    if (keepLast.trim()) body.keepLast = Number(keepLast);
    if (keepDays.trim()) body.keepDays = Number(keepDays);
    void call("/api/backup-schedules", { method: "POST", body: JSON.stringify(body) });
  };

  return (
    <div className="space-y-3" data-testid="backup-schedules">
      {schedules.length === 0 ? (
        <p className="text-xs text-slate-400">No schedules.</p>
      ) : (
        <ul className="space-y-1 text-xs">
          {schedules.map((s) => (
            <li key={s.id} className="flex flex-wrap items-center gap-3 rounded border border-slate-800 px-2 py-1.5" data-testid="schedule-row">
              <span className="font-mono">{s.topology}</span>
              <span>{s.everyHours !== null ? `every ${s.everyHours} h` : `daily at ${s.dailyAt} UTC`}</span>
              <span className="text-slate-400">on {s.prefer}</span>
              <span className="text-slate-400">keep {[s.keepLast !== null ? `last ${s.keepLast}` : null, s.keepDays !== null ? `${s.keepDays} days` : null].filter(Boolean).join(" and ") || "all"}</span>
              <span className="text-slate-400">next {s.enabled && s.nextRunAt !== null ? `${new Date(s.nextRunAt).toISOString().slice(0, 16).replace("T", " ")} UTC` : "— (paused)"}</span>
              {!readOnly && (
                <span className="ml-auto space-x-2">
                  <button type="button" disabled={busy} className="text-sky-300 hover:underline" onClick={() => void call(`/api/backup-schedules/${s.id}`, { method: "PATCH", body: JSON.stringify({ nextRunAt: Date.now() }) })}>run now</button>
                  <button type="button" disabled={busy} className="text-sky-300 hover:underline" onClick={() => void call(`/api/backup-schedules/${s.id}`, { method: "PATCH", body: JSON.stringify({ enabled: !s.enabled }) })}>{s.enabled ? "pause" : "resume"}</button>
                  <button type="button" disabled={busy} className="text-rose-300 hover:underline" onClick={() => void call(`/api/backup-schedules/${s.id}`, { method: "DELETE" })}>remove</button>
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
      {!readOnly && topologies.length > 0 && (
        <form className="grid grid-cols-2 gap-2 sm:grid-cols-4 lg:grid-cols-7" onSubmit={(e) => { e.preventDefault(); create(); }} data-testid="schedule-form">
          <label className="space-y-1 text-xs"><span className="text-slate-400">Topology</span>
            <select className={input} value={topology} onChange={(e) => setTopology(e.target.value)}>{topologies.map((t) => <option key={t}>{t}</option>)}</select>
          </label>
          <label className="space-y-1 text-xs"><span className="text-slate-400">When</span>
            <select className={input} value={mode} onChange={(e) => setMode(e.target.value as "every" | "daily")}><option value="every">every N hours</option><option value="daily">daily at (UTC)</option></select>
          </label>
          {mode === "every" ? (
            <label className="space-y-1 text-xs"><span className="text-slate-400">Hours</span><input className={input} value={everyHours} onChange={(e) => setEveryHours(e.target.value)} inputMode="decimal" /></label>
          ) : (
            <label className="space-y-1 text-xs"><span className="text-slate-400">HH:MM</span><input className={input} value={dailyAt} onChange={(e) => setDailyAt(e.target.value)} /></label>
          )}
          <label className="space-y-1 text-xs"><span className="text-slate-400">On</span>
            <select className={input} value={prefer} onChange={(e) => setPrefer(e.target.value)}><option value="replica">a replica (preferred)</option><option value="master">the master</option></select>
          </label>
          <label className="space-y-1 text-xs"><span className="text-slate-400">Keep last</span><input className={input} value={keepLast} onChange={(e) => setKeepLast(e.target.value)} inputMode="numeric" /></label>
          <label className="space-y-1 text-xs"><span className="text-slate-400">Keep days</span><input className={input} value={keepDays} onChange={(e) => setKeepDays(e.target.value)} inputMode="decimal" /></label>
          <div className="flex items-end"><button type="submit" disabled={busy} className="rounded bg-sky-700 px-3 py-1 text-xs text-white hover:bg-sky-600 disabled:opacity-50">Add schedule</button></div>
        </form>
      )}
      {error && <p className="rounded border border-rose-500/40 bg-rose-950/40 px-2 py-1.5 font-mono text-xs text-rose-200" data-testid="schedule-error">{error}</p>}
    </div>
  );
}
