"use client";
// Restore drills of one backup (or export), or of all: a "Restore drill" button (operators) and
// the list with each drill's one line; a row opens to the counts per type, the differences
// (bounded), the notes and the comparison with the live master. Polled with SWR (every second
// while a drill runs); drills are not on the socket.
import { useState } from "react";
import type { RestoreDrill } from "@/lib/backup/restore-types";
import { useApi, useMe } from "@/components/data/use-api";
import { apiJson } from "@/components/keys/api";
import { useAction } from "@/components/data/use-action";

const STATUS_CLASS: Record<RestoreDrill["status"], string> = {
  running: "text-sky-300",
  verified: "text-emerald-300",
  partial: "text-yellow-200",
  differences: "text-amber-300",
  failed: "text-rose-300",
};

export interface RestoreDrillPanelProps {
  /** A catalogue backup id or a logical export id; absent: every drill (no button). */
  backupId?: string;
  /** Which verify route the button posts to. */
  source?: "backup" | "export";
}

export function RestoreDrillPanel({ backupId, source = "backup" }: RestoreDrillPanelProps) {
  const me = useMe();
  const [fast, setFast] = useState(false);
  const url = `/api/restore-drills${backupId ? `?backup=${encodeURIComponent(backupId)}` : ""}`;
  const list = useApi<{ drills: RestoreDrill[] }>(url, { refreshInterval: fast ? 1000 : 15_000 });
  const drills = list.data?.drills ?? [];
  const anyRunning = drills.some((d) => d.status === "running");
  if (anyRunning !== fast) setFast(anyRunning);
  const [compareWithLive, setCompareWithLive] = useState(false);
  const { busy, error, run } = useAction();

  const start = async () => {
    if (!backupId) return;
    await run(async () => {
      const path = source === "export" ? `/api/export/${backupId}/verify` : `/api/backups/${backupId}/verify`;
      await apiJson(path, { method: "POST", body: JSON.stringify({ compareWithLive }) });
      setFast(true);
      await list.mutate();
    });
  };

  return (
    <section className="space-y-2 text-xs" data-testid="restore-drill-panel">
      {backupId && me?.role === "operator" && (
        <div className="flex flex-wrap items-center gap-3">
          <button type="button" disabled={busy || anyRunning} onClick={() => void start()} className="rounded bg-sky-700 px-2 py-1 text-white disabled:opacity-50" data-testid="restore-drill-start">
            Restore drill
          </button>
          <label className="flex items-center gap-1 text-slate-300">
            <input type="checkbox" checked={compareWithLive} onChange={(e) => setCompareWithLive(e.target.checked)} data-testid="restore-drill-compare-live" />
            also compare with the live master
          </label>
          <span className="text-slate-500">restores into a throwaway redis-server on the dashboard host and verifies it</span>
        </div>
      )}
      {error && <p className="text-rose-300" data-testid="restore-drill-error">{error}</p>}
      {list.error && <p className="text-rose-300">{list.error.message}</p>}
      {drills.length === 0 ? (
        <p className="text-slate-400" data-testid="restore-drills-empty">No restore drill yet.</p>
      ) : (
        <ul className="space-y-1" data-testid="restore-drill-list">
          {drills.map((d) => (
            <DrillRow key={d.id} drill={d} />
          ))}
        </ul>
      )}
    </section>
  );
}

function DrillRow({ drill: d }: { drill: RestoreDrill }) {
  const [open, setOpen] = useState(false);
  const detail = d.detail ?? {};
  return (
    <li className="rounded border border-slate-800 p-1.5" data-testid="restore-drill-row" data-id={d.id} data-status={d.status}>
      <button type="button" className="flex w-full flex-wrap items-baseline gap-2 text-left" onClick={() => setOpen(!open)}>
        <span className={`font-semibold ${STATUS_CLASS[d.status]}`}>{d.status}</span>
        <span className="font-mono text-slate-400">{new Date(d.startedAt).toISOString().replace("T", " ").slice(0, 19)}</span>
        <span className="text-slate-500">{d.kind} · {d.backupId} · {d.requestedBy}</span>
        <span className="text-slate-200" data-testid="restore-drill-line">{d.status === "running" ? "restoring and verifying…" : d.line}</span>
      </button>
      {open && (
        <div className="mt-1 space-y-1 pl-2" data-testid="restore-drill-detail">
          {detail.byType && (
            <p className="font-mono text-slate-300">
              {Object.entries(detail.byType).map(([t, n]) => `${t} ${n.toLocaleString("en-US")}`).join(" · ") || "no keys"}
            </p>
          )}
          {detail.error && <p className="whitespace-pre-wrap font-mono text-rose-200">{detail.error}</p>}
          {(detail.differences ?? []).length > 0 && (
            <ul className="list-disc pl-4 text-amber-200" data-testid="restore-drill-differences">
              {(detail.differences ?? []).map((x, i) => (
                <li key={i}>{x.key ? <span className="font-mono">{x.key}: </span> : null}{x.detail}</li>
              ))}
              {(d.differences ?? 0) > (detail.differences ?? []).length && <li>… {(d.differences ?? 0) - (detail.differences ?? []).length} more</li>}
            </ul>
          )}
          {(detail.notes ?? []).map((n, i) => (
            <p key={i} className="text-slate-400">{n}</p>
          ))}
          {detail.live && (
            <div data-testid="restore-drill-live">
              <p className="text-slate-300">
                Since the backup, on {detail.live.node || "the live master"}: {detail.live.added} added, {detail.live.removed} removed, {detail.live.changed} changed, {detail.live.unchanged} unchanged
                {detail.live.truncated ? ` (${detail.live.truncated})` : ""}
              </p>
              {detail.live.error && <p className="text-rose-300">{detail.live.error}</p>}
              <ul className="pl-4 font-mono text-slate-400">
                {detail.live.samples.map((s, i) => (
                  <li key={i}>{s.kind} {s.key}: {s.detail}</li>
                ))}
              </ul>
            </div>
          )}
        </div>
      )}
    </li>
  );
}
