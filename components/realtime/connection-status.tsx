"use client";
// How current the page's live data is: a pill in the header, and a notice over the page while the
// socket is down, so data from before the loss is read as last-seen, never as current.
import { formatClock, formatDuration } from "@/lib/format";
import { useConnection, useLiveTopology, type ConnectionStatus } from "./socket-provider";

const PILL: Record<ConnectionStatus, [string, string]> = {
  connecting: ["connecting…", "bg-slate-500"],
  live: ["live", "bg-emerald-400"],
  reconnecting: ["reconnecting…", "bg-amber-400"],
  unauthorized: ["login required", "bg-rose-500"],
};

export function ConnectionPill() {
  const connection = useConnection();
  if (!connection) return null;
  const [label, dot] = PILL[connection.status];
  return (
    <span className="flex shrink-0 items-center gap-1.5 rounded-full border border-slate-700 px-1.5 py-1 text-xs text-slate-300 sm:px-2 sm:py-0.5" data-testid="connection-status" data-status={connection.status} title={label}>
      <span className={`h-2 w-2 rounded-full ${dot}`} />
      {/* Phones: the dot alone keeps the header on one row. */}
      <span className="sr-only sm:not-sr-only">{label}</span>
    </span>
  );
}

export function StaleNotice() {
  const connection = useConnection();
  const { now } = useLiveTopology();
  if (!connection || connection.status === "live" || connection.status === "unauthorized" || connection.lastMessageAt === 0) return null;
  // The server sends every change while connected: what the page shows was current until the loss.
  const since = connection.lostAt ?? connection.lastMessageAt;
  const age = Math.max(0, now - since);
  return (
    <p className="mb-4 rounded border border-amber-500/40 bg-amber-950/30 px-3 py-2 text-xs text-amber-100" data-testid="stale-connection" data-age-ms={age} role="status">
      Connection to the replscope server lost at <span className="font-mono">{formatClock(since)}</span> ({formatDuration(age)} ago): this page shows what was last seen
      then, not current data. Reconnecting…
    </p>
  );
}
