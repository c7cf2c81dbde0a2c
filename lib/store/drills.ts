// Drill records: summary columns for listing without parsing, the rest of the drill as JSON, and
// its timeline events as rows. save() commits before it resolves (the runner saves before each
// command it sends, so a crash leaves a record of everything the drill did).
import type { Kysely } from "kysely";
import { reportSummary, type Drill, type DrillListItem } from "../drills/types";
import type { RunningRow } from "../fleet/jobs";
import type { Database } from "./schema";
import { chunks, type RawQuery } from "./util";

export type DrillSummary = Omit<Drill, "events">;

export class DrillRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly commit: (qs: RawQuery[]) => Promise<void>,
  ) {}

  /**
   * Upserts the drill and appends its events from index `eventsFrom` on (a drill's events only
   * grow, so a running drill's saver passes how many are stored already), in one transaction.
   */
  async save(d: Drill, eventsFrom = 0, now = Date.now()): Promise<void> {
    await this.commit(this.saveQueries(d, eventsFrom, now));
  }

  /** The statements of save(), for a caller that commits them with others (the legacy import). */
  saveQueries(d: Drill, eventsFrom = 0, now = Date.now()): RawQuery[] {
    const { events, ...summary } = d;
    const r = reportSummary(d);
    const row = {
      id: d.id,
      topology: d.topology,
      scenario: d.scenario,
      target: d.target,
      user: d.user,
      status: d.status,
      started_at: d.startedAt,
      ended_at: d.endedAt,
      body: JSON.stringify(summary),
      new_master: r?.newMaster ?? null,
      write_outage_ms: r?.writeOutageMs ?? null,
      lost_writes: r?.lostWrites ?? null,
      canary_sent: r?.canary.sent ?? null,
      canary_failed: r?.canary.failed ?? null,
      updated_at: now,
      instance_id: d.instance ?? null,
    };
    const { id: _id, topology: _t, scenario: _s, user: _u, started_at: _st, instance_id: _i, ...changing } = row;
    const fresh = events.slice(eventsFrom).map((e, i) => ({ drill_id: d.id, seq: eventsFrom + i, event: JSON.stringify(e) }));
    const qs: RawQuery[] = [
      this.db
        .insertInto("drills")
        .values(row)
        .onConflict((oc) => oc.column("id").doUpdateSet(changing))
        .compile(),
      ...chunks(fresh, 500).map((part) => this.db.insertInto("drill_events").values(part).onConflict((oc) => oc.columns(["drill_id", "seq"]).doNothing()).compile()),
    ].map((q) => ({ sql: q.sql, params: q.parameters }));
    return qs;
  }

  async load(id: string): Promise<Drill | null> {
    const row = await this.db.selectFrom("drills").select("body").where("id", "=", id).executeTakeFirst();
    if (!row) return null;
    const events = await this.db.selectFrom("drill_events").select("event").where("drill_id", "=", id).orderBy("seq").execute();
    return { ...(JSON.parse(row.body) as DrillSummary), events: events.map((e) => JSON.parse(e.event) as Drill["events"][number]) };
  }

  /** Newest first, summary columns only: one indexed read, no JSON parsed, no event rows touched. */
  async list(limit = 200): Promise<DrillListItem[]> {
    const rows = await this.db
      .selectFrom("drills")
      .select(["id", "topology", "scenario", "target", "user", "status", "started_at", "ended_at", "new_master", "write_outage_ms", "lost_writes", "canary_sent", "canary_failed"])
      .orderBy("started_at", "desc")
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      topology: r.topology,
      scenario: r.scenario as DrillListItem["scenario"],
      target: r.target,
      user: r.user,
      status: r.status as DrillListItem["status"],
      startedAt: Number(r.started_at),
      endedAt: r.ended_at === null ? null : Number(r.ended_at),
      report:
        r.lost_writes === null
          ? null
          : {
              newMaster: r.new_master,
              writeOutageMs: r.write_outage_ms === null ? null : Number(r.write_outage_ms),
              lostWrites: Number(r.lost_writes),
              canary: { sent: Number(r.canary_sent ?? 0), failed: Number(r.canary_failed ?? 0) },
            },
    }));
  }

  /** Drills whose last record says "running" (a crash cut them off if this process runs none), with when that record was written. */
  async running(): Promise<{ drill: Drill; updatedAt: number }[]> {
    const rows = await this.db.selectFrom("drills").select(["id", "updated_at"]).where("status", "=", "running").execute();
    const out: { drill: Drill; updatedAt: number }[] = [];
    for (const { id, updated_at } of rows) {
      const drill = await this.load(id);
      if (drill) out.push({ drill, updatedAt: Number(updated_at) });
    }
    return out;
  }

  /** Ids, instances and last writes of the drills still "running" (bounded; no body read). */
  async runningRows(limit = 1000): Promise<RunningRow[]> {
    const rows = await this.db.selectFrom("drills").select(["id", "instance_id", "updated_at"]).where("status", "=", "running").limit(limit).execute();
    return rows.map((r) => ({ id: r.id, instance: r.instance_id, updatedAt: Number(r.updated_at) }));
  }

  /**
   * Writes the drill's record (not its events) only if the row is still "running" as last written
   * at `expectedUpdatedAt`: an instance marking another one's drill never overwrites a newer write,
   * and of two instances marking it at once only one succeeds. True when it wrote.
   */
  async saveIfUnchanged(d: Drill, expectedUpdatedAt: number, now = Date.now()): Promise<boolean> {
    const { events: _e, ...summary } = d;
    const r = await this.db
      .updateTable("drills")
      .set({ status: d.status, ended_at: d.endedAt, body: JSON.stringify(summary), updated_at: now })
      .where("id", "=", d.id)
      .where("status", "=", "running")
      .where("updated_at", "=", expectedUpdatedAt)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** Keeps the newest `keep` drills (their events go with them), in one transaction. */
  async prune(keep = 200): Promise<number> {
    const edge = await this.db.selectFrom("drills").select("started_at").orderBy("started_at", "desc").offset(keep).limit(1).executeTakeFirst();
    if (!edge) return 0;
    const old = this.db.selectFrom("drills").select("id").where("started_at", "<=", edge.started_at);
    const n = await this.db.selectFrom("drills").select((eb) => eb.fn.countAll<number>().as("n")).where("started_at", "<=", edge.started_at).executeTakeFirst();
    const qs = [this.db.deleteFrom("drill_events").where("drill_id", "in", old).compile(), this.db.deleteFrom("drills").where("started_at", "<=", edge.started_at).compile()];
    await this.commit(qs.map((q) => ({ sql: q.sql, params: q.parameters })));
    return Number(n?.n ?? 0);
  }
}
