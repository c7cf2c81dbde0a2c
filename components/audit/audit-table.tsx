"use client";
import { useEffect, useState } from "react";
import type { AuditEntry } from "@/lib/audit/log";
import { formatClock } from "@/lib/format";

/** Every operator action (and login) with who, when, what, where and the result; newest first. */
export function AuditTable() {
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout>;
    const load = async () => {
      try {
        const res = await fetch("/api/audit?limit=500");
        const body = (await res.json()) as { entries?: AuditEntry[]; error?: string };
        if (stopped) return;
        if (res.ok) {
          setEntries(body.entries ?? []);
          setError(null);
        } else setError(body.error ?? `HTTP ${res.status}`);
      } catch {
        if (!stopped) setError("cannot reach the replscope server");
      }
      if (!stopped) timer = setTimeout(load, 5000);
    };
    void load();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, []);
  return (
    <div className="space-y-4">
      <h1 className="text-lg font-semibold text-slate-50">Audit log</h1>
      {error && <p className="text-sm text-rose-300">{error}</p>}
      {entries === null ? (
        <p className="text-sm text-slate-400">Loading…</p>
      ) : entries.length === 0 ? (
        <p className="text-sm text-slate-400">No actions recorded yet.</p>
      ) : (
        <div className="overflow-x-auto">
          <table className="w-full min-w-[40rem] text-xs" data-testid="audit-table">
            <thead className="text-left text-slate-400">
              <tr>
                <th className="py-1 pr-3">when</th>
                <th className="pr-3">who</th>
                <th className="pr-3">action</th>
                <th className="pr-3">where</th>
                <th>result</th>
              </tr>
            </thead>
            <tbody>
              {[...entries].reverse().map((e, i) => (
                <tr key={`${e.at}-${i}`} className="border-t border-slate-800 align-top">
                  <td className="num py-1 pr-3 font-mono whitespace-nowrap text-slate-400">
                    {new Date(e.at).toISOString().slice(0, 10)} {formatClock(e.at)}
                  </td>
                  <td className="pr-3">
                    {e.user} <span className="text-slate-500">({e.role})</span>
                  </td>
                  <td className="pr-3 font-mono whitespace-nowrap">{e.action}</td>
                  <td className="pr-3 font-mono text-slate-300">{[e.topology, ...e.nodes].filter(Boolean).join(" ") || "—"}</td>
                  <td className={e.result === "ok" ? "text-emerald-300" : "text-rose-300"}>
                    {e.result}
                    {e.error ? `: ${e.error}` : ""}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
