// The backup catalogue and its schedules. Rows are written whole (a job saves as it goes, so a
// crash leaves a "running" row that the next start marks failed). Listing is one indexed read.
import type { Kysely, Selectable } from "kysely";
import type { RunningRow } from "../fleet/jobs";
import type { Backup, BackupSchedule } from "../backup/types";
import type { BackupSchedulesTable, BackupsTable, Database } from "./schema";

const num = (v: number | null): number | null => (v === null ? null : Number(v));

function fromRow(r: Selectable<BackupsTable>): Backup {
  return {
    id: r.id,
    kind: r.kind as Backup["kind"],
    topology: r.topology,
    node: r.node,
    status: r.status as Backup["status"],
    origin: r.origin,
    requestedBy: r.requested_by,
    startedAt: Number(r.started_at),
    finishedAt: num(r.finished_at),
    replid: r.replid,
    offset: num(r.offset),
    bytes: num(r.bytes),
    sha256: r.sha256,
    file: r.file,
    source: r.source as Backup["source"],
    checkStatus: r.check_status as Backup["checkStatus"],
    checkDetail: r.check_detail,
    error: r.error,
    keys: num(r.keys),
    meta: r.meta === null ? null : (JSON.parse(r.meta) as Record<string, unknown>),
    verifiedAt: num(r.verified_at),
    verifyStatus: r.verify_status,
    verifyDetail: r.verify_detail,
    ...(r.instance_id !== null ? { instance: r.instance_id } : {}),
  };
}

function toRow(b: Backup, now: number): BackupsTable {
  return {
    id: b.id,
    kind: b.kind,
    topology: b.topology,
    node: b.node,
    status: b.status,
    origin: b.origin,
    requested_by: b.requestedBy,
    started_at: b.startedAt,
    finished_at: b.finishedAt,
    replid: b.replid,
    offset: b.offset,
    bytes: b.bytes,
    sha256: b.sha256,
    file: b.file,
    source: b.source,
    check_status: b.checkStatus,
    check_detail: b.checkDetail,
    error: b.error,
    keys: b.keys,
    meta: b.meta === null ? null : JSON.stringify(b.meta),
    verified_at: b.verifiedAt,
    verify_status: b.verifyStatus,
    verify_detail: b.verifyDetail,
    updated_at: now,
    instance_id: b.instance ?? null,
  };
}

export class BackupRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /** Inserts or replaces the whole row; resolves once committed. */
  async save(b: Backup, now = Date.now()): Promise<void> {
    const row = toRow(b, now);
    const { id: _id, ...rest } = row;
    await this.db.insertInto("backups").values(row).onConflict((oc) => oc.column("id").doUpdateSet(rest)).execute();
  }

  async get(id: string): Promise<Backup | null> {
    const r = await this.db.selectFrom("backups").selectAll().where("id", "=", id).executeTakeFirst();
    return r ? fromRow(r) : null;
  }

  /** Newest first, bounded. */
  async list(o: { topology?: string; origin?: string; limit?: number } = {}): Promise<Backup[]> {
    let q = this.db.selectFrom("backups").selectAll();
    if (o.topology) q = q.where("topology", "=", o.topology);
    if (o.origin) q = q.where("origin", "=", o.origin);
    const rows = await q.orderBy("started_at", "desc").orderBy("id", "desc").limit(Math.min(o.limit ?? 200, 1000)).execute();
    return rows.map(fromRow);
  }

  /** Ids, instances and last writes of the backups still "running" (bounded). */
  async runningRows(limit = 1000): Promise<RunningRow[]> {
    const rows = await this.db.selectFrom("backups").select(["id", "instance_id", "updated_at"]).where("status", "=", "running").limit(limit).execute();
    return rows.map((r) => ({ id: r.id, instance: r.instance_id, updatedAt: Number(r.updated_at) }));
  }

  /** save(), but only while the row is still "running" (of two instances marking it, one writes). True when it wrote. */
  async saveIfRunning(b: Backup, now = Date.now()): Promise<boolean> {
    const { id: _id, ...rest } = toRow(b, now);
    const r = await this.db.updateTable("backups").set(rest).where("id", "=", b.id).where("status", "=", "running").executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async running(): Promise<Backup[]> {
    const rows = await this.db.selectFrom("backups").selectAll().where("status", "=", "running").limit(1000).execute();
    return rows.map(fromRow);
  }

  /** Records a restore drill's verdict on a backup. */
  async setVerification(id: string, v: { at: number; status: string; detail: string | null }): Promise<boolean> {
    const r = await this.db
      .updateTable("backups")
      .set({ verified_at: v.at, verify_status: v.status, verify_detail: v.detail, updated_at: Date.now() })
      .where("id", "=", id)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async remove(id: string): Promise<boolean> {
    const r = await this.db.deleteFrom("backups").where("id", "=", id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}

function scheduleFromRow(r: Selectable<BackupSchedulesTable>): BackupSchedule {
  return {
    id: r.id,
    topology: r.topology,
    everyHours: r.every_hours === null ? null : Number(r.every_hours),
    dailyAt: r.daily_at,
    prefer: r.prefer,
    keepLast: num(r.keep_last),
    keepDays: r.keep_days === null ? null : Number(r.keep_days),
    enabled: Number(r.enabled) === 1,
    createdAt: Number(r.created_at),
    lastRunAt: num(r.last_run_at),
    nextRunAt: num(r.next_run_at),
    lastBackupId: r.last_backup_id,
  };
}

export class BackupScheduleRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async save(s: BackupSchedule): Promise<void> {
    const row: BackupSchedulesTable = {
      id: s.id,
      topology: s.topology,
      every_hours: s.everyHours,
      daily_at: s.dailyAt,
      prefer: s.prefer,
      keep_last: s.keepLast,
      keep_days: s.keepDays,
      enabled: s.enabled ? 1 : 0,
      created_at: s.createdAt,
      last_run_at: s.lastRunAt,
      next_run_at: s.nextRunAt,
      last_backup_id: s.lastBackupId,
    };
    const { id: _id, ...rest } = row;
    await this.db.insertInto("backup_schedules").values(row).onConflict((oc) => oc.column("id").doUpdateSet(rest)).execute();
  }

  /**
   * Records a run on a schedule that still exists: only the run columns, never an insert, so an
   * operator's PATCH or DELETE made while the run went on is not undone. False when it is gone.
   */
  async recordRun(id: string, run: { lastRunAt: number; nextRunAt: number | null; lastBackupId: string | null }): Promise<boolean> {
    const r = await this.db
      .updateTable("backup_schedules")
      .set({ last_run_at: run.lastRunAt, next_run_at: run.nextRunAt, last_backup_id: run.lastBackupId })
      .where("id", "=", id)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async get(id: string): Promise<BackupSchedule | null> {
    const r = await this.db.selectFrom("backup_schedules").selectAll().where("id", "=", id).executeTakeFirst();
    return r ? scheduleFromRow(r) : null;
  }

  /** Bounded: schedules are created by hand. */
  async list(limit = 500): Promise<BackupSchedule[]> {
    const rows = await this.db.selectFrom("backup_schedules").selectAll().orderBy("created_at").orderBy("id").limit(limit).execute();
    return rows.map(scheduleFromRow);
  }

  async remove(id: string): Promise<boolean> {
    const r = await this.db.deleteFrom("backup_schedules").where("id", "=", id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}
