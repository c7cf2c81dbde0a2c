// Pure: the operator's one-line reading of a replica's sync state, shared by cards and node pages,
// and the Tailwind class for each tone (UI words and styles live with the components, not in lib/monitor).
import { formatBytes, formatDuration } from "@/lib/format";
import type { NodeView } from "@/lib/monitor/types";

export type Tone = "ok" | "warn" | "bad" | "busy" | "muted";

export interface SyncReading {
  label: string;
  tone: Tone;
  /** 0-100 while a full sync with a known size runs. */
  pct: number | null;
  detail: string;
}

const SHORT_REASON: Record<string, string> = {
  "new-replica": "new replica",
  "replid-mismatch": "replication ID changed",
  "second-id-offset-ahead": "2nd-ID offset ran ahead",
  "lack-of-backlog": "fell out of backlog",
  unknown: "reason unknown",
};

export function shortReason(reason: string | null): string {
  return reason ? (SHORT_REASON[reason] ?? reason) : "";
}

export function syncReading(v: NodeView, now: number): SyncReading {
  if (v.status === "down") {
    const seen = v.lastSeenAt !== null ? `last seen ${formatDuration(now - v.lastSeenAt)} ago` : "never answered";
    return { label: "not answering", tone: "bad", pct: null, detail: [seen, v.lastError].filter(Boolean).join(" · ") };
  }
  if (v.role !== "replica") return { label: "—", tone: "muted", pct: null, detail: "" };
  if (v.masterAnswering === false && v.linkStatus === "up" && !v.syncInProgress) {
    // Redis keeps the link "up" until repl-timeout: say what that means instead of "in sync".
    const io = v.masterLastIoSeconds !== null ? `last I/O ${v.masterLastIoSeconds} s ago` : "last I/O unknown";
    const timeout = v.replTimeout !== null ? `; it will drop the link after repl-timeout = ${v.replTimeout} s` : "";
    return {
      label: "master not answering",
      tone: "bad",
      pct: null,
      detail: `this replica still reports its link up (${io}${timeout})`,
    };
  }
  // The master's line can be older than the replica's own answer: trust "waiting for the
  // snapshot" only while the replica itself is not back online.
  if (v.replicaState === "wait_bgsave" && (v.syncInProgress || v.linkStatus !== "up")) {
    const when =
      v.snapshotStartsInSeconds !== null
        ? v.snapshotStartsInSeconds > 0
          ? `diskless transfer starts in ≤ ${v.snapshotStartsInSeconds} s (repl-diskless-sync-delay)`
          : "diskless transfer due now"
        : "the master is writing its snapshot (BGSAVE) or waiting out the diskless delay";
    return { label: "full sync: waiting for the master's snapshot", tone: "busy", pct: null, detail: when };
  }
  if (v.syncInProgress) {
    const read = v.syncReadBytes ?? 0;
    const total = v.syncTotalBytes ?? 0;
    const stalled = (v.syncLastIoSecondsAgo ?? 0) > 5;
    if (total > 0 && read >= total) {
      return { label: "full sync: loading the snapshot", tone: "busy", pct: 100, detail: `${formatBytes(total)} received; flushing old data and loading` };
    }
    if (total > 0) {
      const pct = Math.min(100, Math.floor((read / total) * 100));
      return { label: `full sync ${pct}%`, tone: stalled ? "warn" : "busy", pct, detail: `${formatBytes(read)} of ${formatBytes(total)}${stalled ? `, no data for ${v.syncLastIoSecondsAgo}s` : ""}` };
    }
    if (read === 0) {
      return { label: "full sync: waiting to start", tone: "busy", pct: null, detail: "the master is preparing its snapshot (BGSAVE or the diskless sync delay)" };
    }
    return { label: `full sync · ${formatBytes(read)} in`, tone: stalled ? "warn" : "busy", pct: null, detail: "diskless sync: the master does not announce the size" };
  }
  if (v.linkStatus !== "up") {
    const since = v.linkDownSince !== null ? ` ${formatDuration(now - v.linkDownSince)}` : "";
    return { label: `link down${since}`, tone: "bad", pct: null, detail: v.linkState ? `replica state: ${v.linkState}` : "" };
  }
  if (v.resyncing) {
    // Back online but the tracker is still weighing its evidence: neither "in sync" nor a guess.
    return { label: "back online, confirming FULL or PARTIAL…", tone: "busy", pct: null, detail: "" };
  }
  if (v.replicaState && v.replicaState !== "online") {
    // The replica says its link is up, the master's (possibly older) line does not yet.
    return { label: "finishing sync", tone: "busy", pct: null, detail: `the replica reports its link up; its master's last reading still says ${v.replicaState}` };
  }
  return { label: "in sync", tone: "ok", pct: null, detail: "" };
}

export function coverageReading(v: NodeView, warnShare = 0.5): { label: string; tone: Tone } {
  if (v.role !== "replica" || v.canPartialResync === null) {
    return { label: v.role === "replica" && v.masterAnswering === false ? "unknown: master not answering" : "—", tone: "muted" };
  }
  const linkDown = v.linkStatus !== "up";
  if (!v.canPartialResync) return { label: linkDown ? "reconnect will be a FULL resync" : "a drop now means FULL resync", tone: "bad" };
  // A quiet master makes the seconds figure meaningless beyond a week; say so plainly.
  const secs =
    v.backlogHeadroomSeconds === null ? "" : v.backlogHeadroomSeconds > 7 * 86_400 ? " (over a week of writes)" : ` ≈ ${formatDuration(v.backlogHeadroomSeconds * 1000)}`;
  // With no replica connected the master frees its backlog after repl-backlog-ttl: both clocks run.
  const ttlBound = v.backlogTtlKnownStart ? "≈" : "≤";
  const ttl = v.backlogTtlRemainingSeconds === null ? "" : v.backlogTtlRemainingSeconds === 0 ? "; backlog TTL due now" : `; backlog freed in ${ttlBound} ${formatDuration(v.backlogTtlRemainingSeconds * 1000)} (repl-backlog-ttl)`;
  const risky = (v.lagBytes !== null && v.backlogSize !== null && v.backlogSize > 0 && v.lagBytes > v.backlogSize * warnShare) || v.backlogTtlRemainingSeconds !== null;
  return { label: `${linkDown ? "partial still possible" : "partial OK"} for ${formatBytes(v.backlogHeadroomBytes)}${secs}${ttl}`, tone: risky ? "warn" : "ok" };
}

/** The replica's lag as a headline: applied bytes, or why it cannot be known. */
export function lagReading(v: NodeView): { label: string; tone: Tone; detail: string } {
  if (v.role !== "replica") return { label: "—", tone: "muted", detail: "" };
  const ack =
    v.lagSeconds !== null || v.ackLagBytes !== null
      ? `last ACK ${v.lagSeconds === null ? "?" : `${v.lagSeconds} s`} ago${v.ackLagBytes !== null ? `, ${formatBytes(v.ackLagBytes)} unacknowledged` : ""}`
      : "";
  if (v.lagBytes === null) {
    // A frozen replica: the master still says what it sees, which is the truth that matters.
    if (v.status === "down" && ack) return { label: "not acknowledging", tone: "bad", detail: `its master reports: ${ack}` };
    return { label: "unknown", tone: "muted", detail: [v.lagUnknown, ack].filter(Boolean).join(" · ") };
  }
  const tone: Tone = v.lagBytes > 1024 * 1024 ? "bad" : v.lagBytes > 16 * 1024 ? "warn" : "ok";
  return { label: formatBytes(v.lagBytes), tone, detail: ack };
}

export function lastResyncReading(v: NodeView, now: number): { label: string; tone: Tone } {
  if (v.resyncing && v.status === "up") return { label: "resync in progress…", tone: "busy" };
  if (!v.lastResyncKind || v.lastResyncAt === null) return { label: "none seen", tone: "muted" };
  const ago = `${formatDuration(now - v.lastResyncAt)} ago`;
  if (v.lastResyncKind === "partial") return { label: `partial · ${ago}`, tone: "ok" };
  if (v.lastResyncReason === "new-replica") return { label: `FULL · initial sync · ${ago}`, tone: "muted" };
  return { label: `FULL · ${shortReason(v.lastResyncReason)} · ${ago}`, tone: "warn" };
}

export const TONE_CLASS: Record<Tone, string> = {
  ok: "text-emerald-300",
  warn: "text-amber-300",
  bad: "text-rose-300",
  busy: "text-violet-300",
  muted: "text-slate-400",
};
