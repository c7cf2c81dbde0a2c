"use client";
import { SCENARIOS } from "@/lib/drills/types";

export interface AuditFilter {
  user: string;
  action: string;
  /** datetime-local values (browser time zone); "" for no bound. */
  from: string;
  to: string;
}

export const NO_FILTER: AuditFilter = { user: "", action: "", from: "", to: "" };

const ACTIONS = ["login", "logout", "logout-everywhere", "key:delete", "key:ttl", "compare:start", "compare:cancel", ...SCENARIOS.map((s) => `drill:${s}`), "drill:abort"];

/** The /api/audit query for a filter. */
export function auditQuery(f: AuditFilter, limit: number): string {
  const q = new URLSearchParams({ limit: String(limit) });
  if (f.user.trim()) q.set("user", f.user.trim());
  if (f.action.trim()) q.set("action", f.action.trim());
  const since = f.from ? Date.parse(f.from) : Number.NaN;
  const until = f.to ? Date.parse(f.to) : Number.NaN;
  if (Number.isFinite(since)) q.set("since", String(since));
  // A minute picked as the end includes that whole minute.
  if (Number.isFinite(until)) q.set("until", String(until + 59_999));
  return q.toString();
}

const INPUT = "rounded border border-slate-700 bg-slate-900 px-2 py-1";

/** Who, what and when: the audit page's filters. */
export function AuditFilters({ value, onChange }: { value: AuditFilter; onChange: (f: AuditFilter) => void }) {
  const set = (patch: Partial<AuditFilter>) => onChange({ ...value, ...patch });
  return (
    <div className="flex flex-wrap items-center gap-2 text-xs" data-testid="audit-filters">
      <input value={value.user} onChange={(e) => set({ user: e.target.value })} placeholder="who" maxLength={64} className={INPUT} data-testid="audit-filter-user" />
      <input value={value.action} onChange={(e) => set({ action: e.target.value })} placeholder="action" maxLength={64} list="audit-actions" className={INPUT} data-testid="audit-filter-action" />
      <datalist id="audit-actions">
        {ACTIONS.map((a) => (
          <option key={a} value={a} />
        ))}
      </datalist>
      <label className="text-slate-400">
        from <input type="datetime-local" value={value.from} onChange={(e) => set({ from: e.target.value })} className={INPUT} data-testid="audit-filter-from" />
      </label>
      <label className="text-slate-400">
        to <input type="datetime-local" value={value.to} onChange={(e) => set({ to: e.target.value })} className={INPUT} data-testid="audit-filter-to" />
      </label>
      <button type="button" onClick={() => onChange(NO_FILTER)} className="rounded border border-slate-700 px-2 py-1 text-slate-300 hover:bg-slate-800" data-testid="audit-filter-clear">
        clear
      </button>
    </div>
  );
}
