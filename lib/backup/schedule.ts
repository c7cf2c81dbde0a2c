// Pure: when a backup schedule runs next, and which of its backups retention deletes.
import type { Backup, BackupSchedule } from "./types";

const HOUR = 3600_000;
const DAY = 24 * HOUR;
export const DAILY_AT = /^([01]\d|2[0-3]):([0-5]\d)$/;

/**
 * The next run strictly after `after`. Every N hours counts from the last run (or from creation,
 * so a new schedule runs at once); daily at HH:MM is the next such UTC moment after `after`.
 */
export function nextRunAt(s: Pick<BackupSchedule, "everyHours" | "dailyAt" | "createdAt" | "lastRunAt">, after: number): number | null {
  if (s.dailyAt) {
    const m = DAILY_AT.exec(s.dailyAt);
    if (!m) return null;
    const d = new Date(after);
    let t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), Number(m[1]), Number(m[2]));
    if (t <= after) t += DAY;
    return t;
  }
  if (s.everyHours && s.everyHours > 0) {
    if (s.lastRunAt === null) return s.createdAt;
    const step = s.everyHours * HOUR;
    let t = s.lastRunAt + step;
    // A long outage: the next run is the first slot after now, not a burst of missed ones.
    if (t <= after) t = after + (step - ((after - s.lastRunAt) % step || step));
    return t;
  }
  return null;
}

/** A backup a restore could rely on: finished, and neither redis-check-rdb nor a drill found it bad. */
export function isGoodBackup(b: Pick<Backup, "status" | "checkStatus" | "verifyStatus">): boolean {
  return b.status === "done" && b.checkStatus !== "failed" && b.verifyStatus !== "failed";
}

/**
 * The backups of one schedule that retention removes. Never a running one. keepLast K keeps the
 * newest K good backups (isGoodBackup: a done backup whose check failed does not count, else K
 * corrupt files could push out the last usable one) and any other one newer than the oldest of
 * them (recent history); keepDays D keeps everything started in the last D days. Whatever rule is
 * set, the newest good backup and the newest one whose check passed always stay. A backup either
 * rule keeps stays; with neither rule set, everything stays.
 */
export function retentionVictims(
  backups: readonly Pick<Backup, "id" | "status" | "startedAt" | "checkStatus" | "verifyStatus">[],
  rule: { keepLast: number | null; keepDays: number | null },
  now: number,
): string[] {
  if (rule.keepLast === null && rule.keepDays === null) return [];
  const newestFirst = [...backups].sort((a, b) => b.startedAt - a.startedAt || (a.id < b.id ? 1 : -1));
  const kept = new Set<string>();
  const good = newestFirst.filter(isGoodBackup);
  const newestGood = good[0];
  if (newestGood) kept.add(newestGood.id);
  const newestChecked = good.find((b) => b.checkStatus === "ok");
  if (newestChecked) kept.add(newestChecked.id);
  if (rule.keepLast !== null) {
    const keep = good.slice(0, rule.keepLast);
    for (const b of keep) kept.add(b.id);
    const edge = keep.length === rule.keepLast ? keep[keep.length - 1]?.startedAt : undefined;
    for (const b of newestFirst) if (!isGoodBackup(b) && (edge === undefined || b.startedAt > edge)) kept.add(b.id);
  }
  if (rule.keepDays !== null) {
    const since = now - rule.keepDays * DAY;
    for (const b of newestFirst) if (b.startedAt >= since) kept.add(b.id);
  }
  return newestFirst.filter((b) => b.status !== "running" && !kept.has(b.id)).map((b) => b.id);
}

/** Schedules due at `now`, earliest first. */
export function dueSchedules(all: readonly BackupSchedule[], now: number): BackupSchedule[] {
  return all.filter((s) => s.enabled && s.nextRunAt !== null && s.nextRunAt <= now).sort((a, b) => (a.nextRunAt ?? 0) - (b.nextRunAt ?? 0));
}
