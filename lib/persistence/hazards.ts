// Pure: the persistence hazards of one node, in plain words, from its PersistenceView. The node
// page lists them all; the overview card shows the badges of the warnings and critical ones.
import type { PersistenceView } from "./view";

export type HazardKind =
  | "persistence-off-with-replicas"
  | "bgsave-failed"
  | "aof-write-failed"
  | "aof-rewrite-failed"
  | "no-recent-save"
  | "save-from-replication"
  | "config-unknown";

export interface Hazard {
  kind: HazardKind;
  severity: "critical" | "warning" | "info";
  /** A few words for the overview card. */
  badge: string;
  text: string;
}

export interface HazardOptions {
  /** No successful save for longer than this is a hazard (where saving is expected). */
  noSaveSeconds: number;
  /** Seconds between the INFO sample and now, added to ages read at the sample. */
  sinceSampleSeconds?: number;
}

export const DEFAULT_NO_SAVE_SECONDS = 24 * 3600;

/** Coarse on purpose: a badge must not change text every second. */
export function roughAge(seconds: number): string {
  if (seconds < 3600) return `${Math.max(1, Math.floor(seconds / 60))} min`;
  if (seconds < 48 * 3600) return `${Math.floor(seconds / 3600)} h`;
  return `${Math.floor(seconds / 86400)} d`;
}

/**
 * Seconds since the node last saved successfully, at the sample; with the reason the figure is
 * what it is. rdb_saves 0 means rdb_last_save_time is the start: "since start", from the uptime.
 */
export function secondsWithoutSave(v: PersistenceView): { seconds: number; sinceStart: boolean } | null {
  if (v.rdb.saves === 0 && v.uptimeSeconds !== null) return { seconds: v.uptimeSeconds, sinceStart: true };
  return v.rdb.lastSaveAgeSeconds === null ? null : { seconds: v.rdb.lastSaveAgeSeconds, sinceStart: false };
}

export function persistenceHazards(v: PersistenceView, o: HazardOptions): Hazard[] {
  const out: Hazard[] = [];
  const points = v.config.savePoints;
  const aofOn = v.aof.enabled;
  if (v.role === "master" && points !== null && points.length === 0 && aofOn === false && v.connectedReplicas > 0) {
    const n = v.connectedReplicas;
    out.push({
      kind: "persistence-off-with-replicas",
      severity: "critical",
      badge: "persistence off",
      text:
        `Persistence is off on this master (no save points, appendonly no) and it has ${n} replica${n === 1 ? "" : "s"}. ` +
        `If it restarts (a crash, a supervisor restart) it comes back empty, and its replicas resync from it: an empty restart wipes the replicas too.`,
    });
  }
  if (v.rdb.lastBgsaveStatus !== null && v.rdb.lastBgsaveStatus !== "ok") {
    const stops = points !== null && points.length > 0;
    out.push({
      kind: "bgsave-failed",
      severity: "critical",
      badge: "last BGSAVE failed",
      text:
        `The last BGSAVE failed (Redis reports rdb_last_bgsave_status:${v.rdb.lastBgsaveStatus}); its log says why ("Failed opening the temp RDB file …", "Background saving error"). ` +
        (stops ? "With save points set and stop-writes-on-bgsave-error yes (the default) a master refuses writes (MISCONF) until a save succeeds." : "No RDB written since the last successful save."),
    });
  }
  if (v.aof.lastWriteStatus !== null && v.aof.lastWriteStatus !== "ok") {
    out.push({ kind: "aof-write-failed", severity: "critical", badge: "AOF write failed", text: `The last AOF write failed (aof_last_write_status:${v.aof.lastWriteStatus}): writes are refused until the AOF can be written again.` });
  }
  if (v.aof.lastBgrewriteStatus !== null && v.aof.lastBgrewriteStatus !== "ok") {
    out.push({ kind: "aof-rewrite-failed", severity: "warning", badge: "AOF rewrite failed", text: `The last AOF rewrite failed (aof_last_bgrewrite_status:${v.aof.lastBgrewriteStatus}); the AOF keeps growing until one succeeds.` });
  }
  // Only where RDB saving is expected: save points configured. AOF-only or persistence-off nodes
  // never save on their own, so an old rdb_last_save_time says nothing there.
  const without = secondsWithoutSave(v);
  if (points !== null && points.length > 0 && without !== null) {
    const age = without.seconds + Math.max(0, o.sinceSampleSeconds ?? 0);
    if (age > o.noSaveSeconds) {
      out.push({
        kind: "no-recent-save",
        severity: "warning",
        badge: `no save for ${roughAge(age)}`,
        text: without.sinceStart
          ? `No successful RDB save since the node started ${roughAge(age)} ago, though save points are set (${v.config.save}).`
          : `No successful RDB save for ${roughAge(age)} (threshold ${roughAge(o.noSaveSeconds)}), though save points are set (${v.config.save}).`,
      });
    }
  }
  if (v.rdb.lastSaveCause === "replication") {
    out.push({
      kind: "save-from-replication",
      severity: "warning",
      badge: "last save: full sync",
      text:
        v.role === "replica"
          ? "rdb_last_save_time moved because this replica loaded its master's snapshot (a full sync), not because it saved a backup."
          : "rdb_last_save_time moved because of a full sync (a replication BGSAVE for a replica), not a backup: the last save time is from a replication.",
    });
  }
  if (v.config.save === null) {
    out.push({ kind: "config-unknown", severity: "info", badge: "save config unknown", text: "Whether this node saves is unknown: CONFIG GET save was refused (ACL) or not read yet." });
  }
  return out;
}
