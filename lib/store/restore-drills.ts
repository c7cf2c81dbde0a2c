// Restore drill records: the list's figures as columns, the rest of the result as JSON. save()
// writes the whole row and resolves once committed (a running drill is saved at its start, so a
// crash leaves a "running" row that the next start marks failed).
import type { Kysely, Selectable } from "kysely";
import type { RunningRow } from "../fleet/jobs";
import type { RestoreDrill, RestoreDrillDetail } from "../backup/restore-types";
import type { Database, RestoreDrillsTable } from "./schema";

const num = (v: number | null): number | null => (v === null ? null : Number(v));

function fromRow(r: Selectable<RestoreDrillsTable>): RestoreDrill {
  return {
    id: r.id,
    backupId: r.backup_id,
    kind: r.kind as RestoreDrill["kind"],
    status: r.status as RestoreDrill["status"],
    startedAt: Number(r.started_at),
    finishedAt: num(r.finished_at),
    keys: num(r.keys),
    differences: num(r.differences),
    seconds: num(r.seconds),
    line: r.line,
    detail: r.detail === null ? null : (JSON.parse(r.detail) as RestoreDrillDetail),
    requestedBy: r.requested_by,
    ...(r.instance_id !== null ? { instance: r.instance_id } : {}),
  };
}

function toRow(d: RestoreDrill, now: number): RestoreDrillsTable {
  return {
    id: d.id,
    backup_id: d.backupId,
    kind: d.kind,
    status: d.status,
    started_at: d.startedAt,
    finished_at: d.finishedAt,
    keys: d.keys,
    differences: d.differences,
    seconds: d.seconds,
    line: d.line,
    detail: d.detail === null ? null : JSON.stringify(d.detail),
    requested_by: d.requestedBy,
    updated_at: now,
    instance_id: d.instance ?? null,
  };
}

export class RestoreDrillRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async save(d: RestoreDrill, now = Date.now()): Promise<void> {
    const row = toRow(d, now);
    const { id: _id, ...rest } = row;
    await this.db.insertInto("restore_drills").values(row).onConflict((oc) => oc.column("id").doUpdateSet(rest)).execute();
  }

  /** save(), but only while the row is still "running" (of two instances marking it, one writes). True when it wrote. */
  async saveIfRunning(d: RestoreDrill, now = Date.now()): Promise<boolean> {
    const { id: _id, ...rest } = toRow(d, now);
    const r = await this.db.updateTable("restore_drills").set(rest).where("id", "=", d.id).where("status", "=", "running").executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** Ids, instances and last writes of the drills still "running" (bounded). */
  async runningRows(limit = 1000): Promise<RunningRow[]> {
    const rows = await this.db.selectFrom("restore_drills").select(["id", "instance_id", "updated_at"]).where("status", "=", "running").limit(limit).execute();
    return rows.map((r) => ({ id: r.id, instance: r.instance_id, updatedAt: Number(r.updated_at) }));
  }

  async get(id: string): Promise<RestoreDrill | null> {
    const r = await this.db.selectFrom("restore_drills").selectAll().where("id", "=", id).executeTakeFirst();
    return r ? fromRow(r) : null;
  }

  /** Newest first, bounded; optionally one backup's drills. */
  async list(o: { backupId?: string; limit?: number } = {}): Promise<RestoreDrill[]> {
    let q = this.db.selectFrom("restore_drills").selectAll();
    if (o.backupId) q = q.where("backup_id", "=", o.backupId);
    const rows = await q.orderBy("started_at", "desc").orderBy("id", "desc").limit(Math.min(o.limit ?? 100, 500)).execute();
    return rows.map(fromRow);
  }

  /** Rows a crash left "running" (this process runs none yet when it asks). */
  async running(): Promise<RestoreDrill[]> {
    const rows = await this.db.selectFrom("restore_drills").selectAll().where("status", "=", "running").limit(1000).execute();
    return rows.map(fromRow);
  }

  /** Keeps the newest `keep` drills. */
  async prune(keep = 500): Promise<number> {
    const edge = await this.db.selectFrom("restore_drills").select("started_at").orderBy("started_at", "desc").offset(keep).limit(1).executeTakeFirst();
    if (!edge) return 0;
    const r = await this.db.deleteFrom("restore_drills").where("started_at", "<=", edge.started_at).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
