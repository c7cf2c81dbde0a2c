// Drill records: summary columns for listing without parsing, the rest of the drill as JSON, and
// its timeline events as rows. save() commits before it resolves (the runner saves before each
// command it sends, so a crash leaves a record of everything the drill did).
import type { Kysely } from "kysely";
import type { Drill } from "../drills/types";
import type { Database } from "./schema";
import { chunks, type RawQuery } from "./util";

export type DrillSummary = Omit<Drill, "events">;

export class DrillRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly commit: (qs: RawQuery[]) => Promise<void>,
  ) {}

  /** Upserts the drill and appends the events not stored yet (a drill's events only grow). */
  async save(d: Drill): Promise<void> {
    const { events, ...summary } = d;
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
    };
    const qs: RawQuery[] = [
      this.db
        .insertInto("drills")
        .values(row)
        .onConflict((oc) => oc.column("id").doUpdateSet({ status: row.status, target: row.target, ended_at: row.ended_at, body: row.body }))
        .compile(),
      ...chunks(
        events.map((e, seq) => ({ drill_id: d.id, seq, event: JSON.stringify(e) })),
        500,
      ).map((part) => this.db.insertInto("drill_events").values(part).onConflict((oc) => oc.columns(["drill_id", "seq"]).doNothing()).compile()),
    ].map((q) => ({ sql: q.sql, params: q.parameters }));
    await this.commit(qs);
  }

  async load(id: string): Promise<Drill | null> {
    const row = await this.db.selectFrom("drills").select("body").where("id", "=", id).executeTakeFirst();
    if (!row) return null;
    const events = await this.db.selectFrom("drill_events").select("event").where("drill_id", "=", id).orderBy("seq").execute();
    return { ...(JSON.parse(row.body) as DrillSummary), events: events.map((e) => JSON.parse(e.event) as Drill["events"][number]) };
  }

  /** Newest first, without events: one indexed read, no event rows touched. */
  async list(limit = 200): Promise<DrillSummary[]> {
    const rows = await this.db.selectFrom("drills").select("body").orderBy("started_at", "desc").limit(limit).execute();
    return rows.map((r) => JSON.parse(r.body) as DrillSummary);
  }

  /** Drills whose last record says "running" (a crash cut them off if this process runs none). */
  async running(): Promise<Drill[]> {
    const ids = await this.db.selectFrom("drills").select("id").where("status", "=", "running").execute();
    const out: Drill[] = [];
    for (const { id } of ids) {
      const d = await this.load(id);
      if (d) out.push(d);
    }
    return out;
  }

  /** Keeps the newest `keep` drills (their events go with them). */
  async prune(keep = 200): Promise<number> {
    const edge = await this.db.selectFrom("drills").select("started_at").orderBy("started_at", "desc").offset(keep).limit(1).executeTakeFirst();
    if (!edge) return 0;
    const old = this.db.selectFrom("drills").select("id").where("started_at", "<=", edge.started_at);
    await this.db.deleteFrom("drill_events").where("drill_id", "in", old).execute();
    const r = await this.db.deleteFrom("drills").where("started_at", "<=", edge.started_at).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
