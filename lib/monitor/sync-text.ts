// Pure: the operator's one-line reading of a replica's sync state, shared by cards and node pages.
import { formatBytes, formatDuration } from "../format";
import type { NodeView } from "./types";

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
  if (v.status === "down") return { label: "node down", tone: "bad", pct: null, detail: v.lastError ?? "" };
  if (v.role !== "replica") return { label: "—", tone: "muted", pct: null, detail: "" };
  if (v.syncInProgress) {
    const read = v.syncReadBytes ?? 0;
    const total = v.syncTotalBytes ?? 0;
    const stalled = (v.syncLastIoSecondsAgo ?? 0) > 5;
    if (total > 0) {
      const pct = Math.min(100, Math.floor((read / total) * 100));
      return { label: `full sync ${pct}%`, tone: stalled ? "warn" : "busy", pct, detail: `${formatBytes(read)} of ${formatBytes(total)}${stalled ? `, no data for ${v.syncLastIoSecondsAgo}s` : ""}` };
    }
    if (v.replicaState === "wait_bgsave" || read === 0) {
      return { label: "full sync: waiting to start", tone: "busy", pct: null, detail: "the master is preparing its snapshot (BGSAVE or the diskless sync delay)" };
    }
    return { label: `full sync · ${formatBytes(read)} in`, tone: stalled ? "warn" : "busy", pct: null, detail: "diskless sync: the master does not announce the size" };
  }
  if (v.linkStatus !== "up") {
    const since = v.linkDownSince !== null ? ` ${formatDuration(now - v.linkDownSince)}` : "";
    return { label: `link down${since}`, tone: "bad", pct: null, detail: v.linkState ? `replica state: ${v.linkState}` : "" };
  }
  if (v.replicaState && v.replicaState !== "online") {
    return { label: v.replicaState === "wait_bgsave" ? "waiting for snapshot" : "receiving snapshot", tone: "busy", pct: null, detail: `master reports ${v.replicaState}` };
  }
  return { label: "in sync", tone: "ok", pct: null, detail: "" };
}

export function coverageReading(v: NodeView, warnShare = 0.5): { label: string; tone: Tone } {
  if (v.role !== "replica" || v.canPartialResync === null) return { label: "—", tone: "muted" };
  if (!v.canPartialResync) return { label: "a drop now means FULL resync", tone: "bad" };
  // A quiet master makes the seconds figure meaningless beyond a week; say so plainly.
  const secs =
    v.backlogHeadroomSeconds === null ? "" : v.backlogHeadroomSeconds > 7 * 86_400 ? " (over a week of writes)" : ` ≈ ${formatDuration(v.backlogHeadroomSeconds * 1000)}`;
  const risky = v.lagBytes !== null && v.backlogSize !== null && v.backlogSize > 0 && v.lagBytes > v.backlogSize * warnShare;
  return { label: `partial OK for ${formatBytes(v.backlogHeadroomBytes)}${secs}`, tone: risky ? "warn" : "ok" };
}

export function lastResyncReading(v: NodeView, now: number): { label: string; tone: Tone } {
  if (v.resyncing && v.status === "up") return { label: "resync in progress…", tone: "busy" };
  if (!v.lastResyncKind || v.lastResyncAt === null) return { label: "none seen", tone: "muted" };
  const ago = `${formatDuration(now - v.lastResyncAt)} ago`;
  if (v.lastResyncKind === "partial") return { label: `partial · ${ago}`, tone: "ok" };
  return { label: `FULL · ${shortReason(v.lastResyncReason)} · ${ago}`, tone: "warn" };
}

export const TONE_CLASS: Record<Tone, string> = {
  ok: "text-emerald-300",
  warn: "text-amber-300",
  bad: "text-rose-300",
  busy: "text-violet-300",
  muted: "text-slate-400",
};
