import type { Alert } from "@/lib/realtime/events";
import { formatDuration } from "@/lib/format";

/** Firing alerts of one topology, most severe first; nothing at all when all is well. */
export function AlertBanner({ alerts, now }: { alerts: Alert[]; now: number }) {
  if (alerts.length === 0) return null;
  return (
    <div className="space-y-1" data-testid="alert-banner">
      {alerts.slice(0, 6).map((a) => (
        <div
          key={a.id}
          data-testid={`alert-${a.rule}`}
          className={`flex items-start gap-3 rounded-lg border px-3 py-2 text-sm ${a.severity === "critical" ? "border-rose-500/50 bg-rose-950/40 text-rose-100" : "border-amber-500/40 bg-amber-950/30 text-amber-100"}`}
        >
          <span className="mt-0.5 shrink-0 rounded bg-black/30 px-1.5 py-0.5 text-[10px] font-semibold tracking-wider uppercase">{a.severity}</span>
          <span className="min-w-0 flex-1 wrap-break-word">{a.text}</span>
          <span className="num mt-0.5 shrink-0 text-xs whitespace-nowrap opacity-70">for {formatDuration(now - a.since)}</span>
        </div>
      ))}
      {alerts.length > 6 && <p className="text-xs text-slate-400">and {alerts.length - 6} more on the timeline</p>}
    </div>
  );
}
