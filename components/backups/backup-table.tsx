"use client";
// The catalogue: one row per backup, newest first, with its replication position and Redis's
// own reason when it failed. Download and delete (with a confirmation) per row.
import { useState } from "react";
import type { Backup } from "@/lib/backup/types";
import { formatBytes, formatDuration } from "@/lib/format";
import { apiJson } from "@/components/keys/api";
import { useAction } from "@/components/data/use-action";
import { ConfirmDialog } from "@/components/keys/confirm-dialog";

export type BackupRow = Backup & { durationMs: number | null; download: string | null };

const STATUS_CLASS: Record<Backup["status"], string> = {
  running: "text-sky-300",
  done: "text-emerald-300",
  failed: "text-rose-300",
};

/** A restore drill's outcome as the catalogue shows it (unverified backups say so, in grey). */
const VERIFY_CLASS: Record<string, string> = {
  verified: "text-emerald-300",
  partial: "text-amber-300",
  differences: "text-amber-300",
  failed: "text-rose-300",
  running: "text-sky-300",
};

/** Sub-second backups are common: tenths below a minute. */
function duration(ms: number | null): string {
  if (ms === null) return "—";
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : formatDuration(ms);
}

function position(b: BackupRow): string {
  if (b.replid && b.offset !== null) return `${b.replid.slice(0, 8)}… @ ${b.offset}`;
  const p = b.meta?.position as { source?: string; offsetFrom?: number | null; offsetTo?: number | null } | undefined;
  if (p?.source === "info-range") return `between ${p.offsetFrom ?? "?"} and ${p.offsetTo ?? "?"} (INFO)`;
  return "—";
}

export function BackupTable({ backups, readOnly, onChanged }: { backups: BackupRow[]; readOnly: boolean; onChanged: () => void }) {
  const [deleting, setDeleting] = useState<BackupRow | null>(null);
  const { busy, error, setError, run } = useAction();

  const confirmDelete = async () => {
    const target = deleting;
    if (!target) return;
    await run(async () => {
      await apiJson(`/api/backups/${target.id}`, { method: "DELETE" });
      setDeleting(null);
      onChanged();
    });
  };

  if (backups.length === 0) return <p className="text-xs text-slate-400" data-testid="backups-empty">No backups yet.</p>;
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-xs" data-testid="backup-table">
        <thead className="text-slate-400">
          <tr>
            <th className="py-1 pr-3">Node</th>
            <th className="py-1 pr-3">Status</th>
            <th className="py-1 pr-3">Started (UTC)</th>
            <th className="py-1 pr-3">Position (replid @ offset)</th>
            <th className="py-1 pr-3">Duration</th>
            <th className="py-1 pr-3">Size</th>
            <th className="py-1 pr-3">Check</th>
            <th className="py-1 pr-3">Restore drill</th>
            <th className="py-1 pr-3">Origin</th>
            <th className="py-1" />
          </tr>
        </thead>
        <tbody>
          {backups.map((b) => (
            <tr key={b.id} className="border-t border-slate-800 align-top" data-testid="backup-row" data-id={b.id} data-status={b.status}>
              <td className="py-1.5 pr-3 font-mono">{b.node}<div className="text-[11px] text-slate-500">{[b.topology, typeof b.meta?.role === "string" ? b.meta.role : null, b.source ?? "…"].filter(Boolean).join(" · ")}</div></td>
              <td className={`py-1.5 pr-3 font-semibold ${STATUS_CLASS[b.status]}`}>
                {b.status}
                {b.error && <div className="max-w-md whitespace-pre-wrap font-mono font-normal text-rose-200" data-testid="backup-error">{b.error}</div>}
              </td>
              <td className="py-1.5 pr-3 font-mono">{new Date(b.startedAt).toISOString().replace("T", " ").slice(0, 19)}</td>
              <td className="py-1.5 pr-3 font-mono" title={b.replid ?? undefined}>{position(b)}</td>
              <td className="py-1.5 pr-3">{b.status === "running" ? "running…" : duration(b.durationMs)}</td>
              <td className="py-1.5 pr-3">{b.bytes === null ? "—" : formatBytes(b.bytes)}</td>
              <td className="py-1.5 pr-3" title={b.checkDetail ?? undefined}>{b.checkStatus ?? "—"}{b.keys !== null && <span className="text-slate-500"> · {b.keys} keys</span>}</td>
              <td className="py-1.5 pr-3" title={b.verifyDetail ?? undefined} data-testid="backup-verify">
                {b.verifyStatus ? (
                  <a href={`/restore-drills?backup=${encodeURIComponent(b.id)}`} className={`hover:underline ${VERIFY_CLASS[b.verifyStatus] ?? "text-slate-300"}`}>
                    {b.verifyStatus}{b.verifiedAt !== null && <span className="text-slate-500"> · {new Date(b.verifiedAt).toISOString().slice(0, 10)}</span>}
                  </a>
                ) : b.status === "done" && b.download ? (
                  <a href={`/restore-drills?backup=${encodeURIComponent(b.id)}`} className="text-sky-300 hover:underline">{readOnly ? "none yet" : "verify…"}</a>
                ) : (
                  "—"
                )}
              </td>
              <td className="py-1.5 pr-3 text-slate-400">{b.origin === "manual" ? `manual (${b.requestedBy})` : "schedule"}</td>
              <td className="space-x-2 py-1.5 whitespace-nowrap">
                {/* The file holds every value: downloading it is an operator action (403 for a viewer). */}
                {b.download && !readOnly && <a href={b.download} className="text-sky-300 hover:underline" data-testid="backup-download">download</a>}
                {!readOnly && b.status !== "running" && (
                  <button type="button" className="text-rose-300 hover:underline" onClick={() => { setError(null); setDeleting(b); }} data-testid="backup-delete">delete</button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {deleting && (
        <ConfirmDialog title="Delete this backup?" confirmLabel="Delete" busy={busy} error={error} onConfirm={() => void confirmDelete()} onCancel={() => setDeleting(null)}>
          <p>The backup of <span className="font-mono">{deleting.node}</span> started {new Date(deleting.startedAt).toISOString()} and its file ({formatBytes(deleting.bytes)}) are removed for good.</p>
        </ConfirmDialog>
      )}
    </div>
  );
}
