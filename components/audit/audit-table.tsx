"use client";
import { escapeInvisible } from "@/lib/keys/codec";
import { useState } from "react";
import { useApi } from "@/components/data/use-api";
import type { AuditEntry } from "@/lib/audit/log";
import { formatClock } from "@/lib/format";
import { AuditFilters, auditQuery, NO_FILTER, type AuditFilter } from "./audit-filters";

const RESULT_COLOR: Record<AuditEntry["result"], string> = {
  ok: "text-emerald-300",
  throttled: "text-amber-300",
  denied: "text-rose-300",
  error: "text-rose-300",
};

/** Every operator action, login (ok, failed, throttled) and logout with who, when, what, where and the result; newest first. */
export function AuditTable() {
  const [filter, setFilter] = useState<AuditFilter>(NO_FILTER);
  // SWR: loaded per filter, again when the tab regains focus, and on "Refresh"; the previous
  // filter's rows stay on screen (marked) while the next ones load.
  const { data, error, isValidating, mutate } = useApi<{ entries: AuditEntry[] }>(`/api/audit?${auditQuery(filter, 500)}`, { keepPreviousData: true });
  const entries = data?.entries ?? null;
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center gap-3">
        <h1 className="text-lg font-semibold text-slate-50">Audit log</h1>
        <button type="button" onClick={() => void mutate()} className="ml-auto rounded border border-slate-700 px-2 py-1 text-xs text-slate-200 hover:bg-slate-800" data-testid="audit-refresh">
          {isValidating ? "Loading…" : "Refresh"}
        </button>
      </div>
      <AuditFilters value={filter} onChange={setFilter} />
      {error && (
        <p className="text-sm text-rose-300" data-testid="audit-error">
          {error.message}
          {entries ? " — the rows below are from the last successful load." : ""}
        </p>
      )}
      {entries === null ? (
        <p className="text-sm text-slate-400">Loading…</p>
      ) : entries.length === 0 ? (
        <p className="text-sm text-slate-400" data-testid="audit-empty">
          No entries match.
        </p>
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
                <tr key={`${e.at}-${i}`} className="border-t border-slate-800 align-top" data-testid="audit-row" data-action={e.action} data-result={e.result}>
                  <td className="num py-1 pr-3 font-mono whitespace-nowrap text-slate-400">
                    {new Date(e.at).toISOString().slice(0, 10)} {formatClock(e.at)}
                  </td>
                  <td className="pr-3">
                    {escapeInvisible(e.user)} <span className="text-slate-500">({e.role})</span>
                  </td>
                  <td className="pr-3 font-mono whitespace-nowrap">{e.action}</td>
                  <td className="pr-3 font-mono text-slate-300">{[e.topology, ...e.nodes].filter(Boolean).join(" ") || (typeof e.params?.ip === "string" ? e.params.ip : "—")}</td>
                  <td className={RESULT_COLOR[e.result]}>
                    {e.result}
                    {e.error ? `: ${escapeInvisible(e.error)}` : ""}
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
