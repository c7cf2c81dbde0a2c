"use client";
import { useEffect, useRef } from "react";

/** Modal confirmation for operator actions that change data. Escape or Cancel closes it. */
export function ConfirmDialog({
  title, children, confirmLabel, busy, error, onConfirm, onCancel, danger = true, confirmDisabled = false,
}: {
  title: string;
  children: React.ReactNode;
  confirmLabel: string;
  busy: boolean;
  error: string | null;
  onConfirm: () => void;
  onCancel: () => void;
  danger?: boolean;
  /** Keeps the confirm button off until the dialog's own conditions hold (e.g. an explicit override). */
  confirmDisabled?: boolean;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
  }, []);
  return (
    <dialog
      ref={ref}
      onCancel={(e) => { e.preventDefault(); onCancel(); }}
      className="m-auto w-[min(560px,92vw)] rounded-lg border border-slate-700 bg-slate-900 p-0 text-slate-100 backdrop:bg-black/60"
      data-testid="confirm-dialog"
    >
      <div className="space-y-3 p-4">
        <h3 className="text-sm font-semibold">{title}</h3>
        <div className="space-y-2 text-xs text-slate-300">{children}</div>
        {error && (
          <p className="rounded border border-rose-500/40 bg-rose-950/40 px-2 py-1.5 font-mono text-xs text-rose-200" data-testid="action-error">
            {error}
          </p>
        )}
        <div className="flex justify-end gap-2 pt-1">
          <button type="button" onClick={onCancel} className="rounded border border-slate-600 px-3 py-1 text-xs hover:bg-slate-800">
            {error ? "Close" : "Cancel"}
          </button>
          <button
            type="button"
            onClick={onConfirm}
            disabled={busy || confirmDisabled}
            data-testid="confirm-action"
            className={`rounded px-3 py-1 text-xs font-semibold disabled:opacity-50 ${danger ? "bg-rose-600 hover:bg-rose-500" : "bg-sky-600 hover:bg-sky-500"}`}
          >
            {busy ? "Working…" : confirmLabel}
          </button>
        </div>
      </div>
    </dialog>
  );
}
