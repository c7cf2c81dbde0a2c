// Request shapes of the backup and backup-schedule routes, and the one place they reach the manager.
import { z } from "zod";
import type { BackupManager } from "../backup/manager";
import { DAILY_AT } from "../backup/schedule";
import { BACKUP_ID, SCHEDULE_ID, type Backup } from "../backup/types";
import type { Runtime } from "../runtime";
import { NODE_ID } from "./params";

export const Topology = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, "topology must be a topology name (1-64 letters, digits, '.', '_' or '-')");
const Node = z.string({ message: "node is required (host:port)" }).max(300, "node is at most 300 characters").regex(NODE_ID, "node must be host:port");

export const BackupBody = z.object({ node: Node, topology: Topology.optional() });
export const BackupListQuery = z.object({
  topology: Topology.optional(),
  limit: z.coerce.number({ message: "limit must be a number" }).int("limit must be an integer").min(1, "limit must be 1..1000").max(1000, "limit must be 1..1000").optional(),
});
export const BackupParams = z.object({ id: z.string().regex(BACKUP_ID, "must be a backup id (like 20261130T020000Z-1a2b3c4d)") });
export const ScheduleParams = z.object({ id: z.string().regex(SCHEDULE_ID, "must be a schedule id (16 hex characters)") });

const EveryHours = z.number({ message: "everyHours must be a number" }).min(1, "everyHours must be 1..720").max(720, "everyHours must be 1..720");
const DailyAt = z.string().regex(DAILY_AT, "dailyAt must be HH:MM (UTC, 00:00..23:59)");
const Prefer = z.union([z.enum(["replica", "master"]), z.string().max(300).regex(NODE_ID, "prefer must be replica, master or a node (host:port)")]);
const KeepLast = z.number().int("keepLast must be an integer").min(1, "keepLast must be 1..10000").max(10_000, "keepLast must be 1..10000");
const KeepDays = z.number().min(0.01, "keepDays must be 0.01..3650").max(3650, "keepDays must be 0.01..3650");
/** An operator may move the next run (run now: the current time; later: postpone). */
const NextRunAt = z.number().int().min(0, "nextRunAt is epoch milliseconds").max(8_640_000_000_000_000, "nextRunAt is epoch milliseconds");

/** What a schedule's create and patch both accept (a patch cannot move it to another topology). */
const ScheduleFields = {
  everyHours: EveryHours.optional(),
  dailyAt: DailyAt.optional(),
  prefer: Prefer.optional(),
  keepLast: KeepLast.nullable().optional(),
  keepDays: KeepDays.nullable().optional(),
  enabled: z.boolean().optional(),
  nextRunAt: NextRunAt.optional(),
};

export const ScheduleBody = z
  .object({ topology: Topology, ...ScheduleFields })
  .refine((b) => (b.everyHours === undefined) !== (b.dailyAt === undefined), { message: "give exactly one of everyHours or dailyAt", path: ["everyHours"] });

export const SchedulePatch = z
  .object(ScheduleFields)
  .refine((b) => b.everyHours === undefined || b.dailyAt === undefined, { message: "give at most one of everyHours or dailyAt", path: ["everyHours"] });

/** The one place routes get the backup manager from. */
export function backups(rt: Runtime): BackupManager {
  return rt.backups;
}

/** A catalogue entry as the API shows it: the row, plus where its file is downloaded. */
export function backupJson(b: Backup): Backup & { durationMs: number | null; download: string | null } {
  return { ...b, durationMs: b.finishedAt === null ? null : b.finishedAt - b.startedAt, download: b.file && b.status === "done" ? `/api/backups/${b.id}/file` : null };
}
