// Metric history in three tiers: every sample (1 s) for an hour, 1-minute rollups for 7 days,
// 1-hour rollups for 90 days. Samples go through the write-behind queue (coalesced into
// multi-row inserts); rollups are derived in SQL from the stored finer tier (rollup()), each
// series the way its chart reads it (ROLLUP).
import { sql, type Kysely } from "kysely";
import { SERIES, type HistoryJson, type Sample, type SeriesName } from "../monitor/history";
import type { Database, MetricSamplesTable } from "./schema";
import { ROLLUP, TIER_SPECS, tierSpecFor, type TierTable } from "./tiers";
import { chunks, type RawQuery } from "./util";
import type { WriteBehind } from "./write-behind";

export { ROLLUP, TIER_SPECS };

const COLUMN: Record<SeriesName, keyof MetricSamplesTable> = {
  replOffset: "repl_offset",
  lagBytes: "lag_bytes",
  lagSeconds: "lag_seconds",
  opsPerSec: "ops_per_sec",
  usedMemory: "used_memory",
  writeRate: "write_rate",
};

/** A point of one tier, for one node. */
export interface MetricRow {
  t: number;
  sample: Sample;
}

/** A 1 s sample waiting for the next flush. */
interface Pending {
  key: string;
  topology: string;
  node: string;
  row: MetricRow;
}

/** The tier whose resolution suits a chart spanning `spanMs` (and still holds data that old). */
export function tierFor(spanMs: number): TierTable {
  return tierSpecFor(spanMs).table;
}

const MAX_PENDING = 200_000;

export class MetricRepo {
  private readonly nodeIds = new Map<string, number>();
  private readonly resolving = new Map<string, Promise<number>>();
  private pending: Pending[] = [];
  dropped = 0;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly writer: WriteBehind,
    private readonly commit: (qs: RawQuery[]) => Promise<void>,
  ) {
    writer.addDrain(() => this.drain());
  }

  /** One sample of one node (the 1 s tier); rollup() derives the minutes and hours from them. */
  record(topology: string, node: string, t: number, sample: Sample): void {
    this.push({ key: `${topology}\u0000${node}`, topology, node, row: { t, sample } });
    this.writer.poke();
  }

  /**
   * Rolls the closed minutes up from the 1 s tier and the closed hours from the minutes, in SQL,
   * from what is stored: a restart in the middle of a bucket loses nothing, and running it twice
   * gives the same rows. A watermark per tier (table meta) makes it catch up after downtime, as
   * far back as the finer tier still holds data.
   */
  async rollup(now = Date.now()): Promise<void> {
    await this.writer.flush();
    for (let i = 1; i < TIER_SPECS.length; i++) {
      const from = TIER_SPECS[i - 1]!;
      const to = TIER_SPECS[i]!;
      const key = `rollup:${to.table}`;
      const mark = await this.db.selectFrom("meta").select("value").where("key", "=", key).executeTakeFirst();
      const end = Math.floor(now / to.stepMs) * to.stepMs;
      const oldest = Math.floor((now - from.keepMs) / to.stepMs) * to.stepMs;
      const start = Math.max(mark ? Number(mark.value) : oldest, oldest);
      if (start >= end) continue;
      const q = rollupQuery(from.table, to.table, to.stepMs, start, end).compile(this.db);
      const m = this.db.insertInto("meta").values({ key, value: String(end) }).onConflict((oc) => oc.column("key").doUpdateSet({ value: String(end) })).compile();
      await this.commit([
        { sql: q.sql, params: q.parameters },
        { sql: m.sql, params: m.parameters },
      ]);
    }
  }

  /** Writes rows straight into one tier (import, benchmarks); committed when this resolves. */
  async insertRows(table: TierTable, topology: string, node: string, rows: readonly MetricRow[]): Promise<void> {
    const id = await this.nodeId(topology, node);
    const qs = this.rowQueries(
      table,
      rows.map((r) => ({ id, row: r })),
    );
    await this.commit(qs);
  }

  /** Columnar history of one node since `sinceMs`, from the tier that fits the span. */
  async history(topology: string, node: string, sinceMs: number, now = Date.now()): Promise<HistoryJson> {
    // Read your writes: samples still queued go out first (a no-op when nothing is queued).
    await this.writer.flush().catch(() => undefined);
    const out = { t: [] as number[] } as HistoryJson;
    for (const name of SERIES) out[name] = [];
    const table = tierFor(now - sinceMs);
    const rows = await this.db
      .selectFrom(table)
      .innerJoin("metric_nodes", "metric_nodes.id", `${table}.node_id`)
      .selectAll(table)
      .where("metric_nodes.topology", "=", topology)
      .where("metric_nodes.node", "=", node)
      .where(`${table}.t`, ">=", sinceMs)
      .orderBy(`${table}.t`)
      // Above the largest tier window (7 days of minutes = 10 080 rows), so the newest are never cut.
      .limit(11_000)
      .execute();
    for (const r of rows) {
      out.t.push(Number(r.t));
      for (const name of SERIES) {
        const v = r[COLUMN[name]];
        out[name].push(v === null ? null : Number(v));
      }
    }
    return out;
  }

  /** Retention: each tier keeps its window, measured back from `now`. */
  async retain(now = Date.now()): Promise<number> {
    let n = 0;
    for (const spec of TIER_SPECS) {
      const r = await this.db
        .deleteFrom(spec.table)
        // node_id IN (...) lets both engines walk the (node_id, t) key instead of scanning.
        .where("node_id", "in", this.db.selectFrom("metric_nodes").select("id"))
        .where("t", "<", now - spec.keepMs)
        .executeTakeFirst();
      n += Number(r.numDeletedRows);
    }
    return n;
  }

  private push(p: Pending): void {
    this.pending.push(p);
    if (this.pending.length > MAX_PENDING) {
      const excess = this.pending.length - MAX_PENDING;
      this.pending.splice(0, excess);
      this.dropped += excess;
    }
  }

  private async drain(): Promise<RawQuery[]> {
    // Resolve node ids first, so every row queued so far goes out in this flush.
    const unknown = new Map<string, Pending>();
    for (const p of this.pending) if (!this.nodeIds.has(p.key)) unknown.set(p.key, p);
    for (const p of unknown.values()) await this.nodeId(p.topology, p.node).catch(() => undefined);
    const rows: { id: number; row: MetricRow }[] = [];
    const keep: Pending[] = [];
    for (const p of this.pending) {
      const id = this.nodeIds.get(p.key);
      // Not resolved (the database refused): the next flush tries again.
      if (id === undefined) keep.push(p);
      else rows.push({ id, row: p.row });
    }
    this.pending = keep;
    return this.rowQueries("metric_1s", rows);
  }

  private rowQueries(table: TierTable, rows: readonly { id: number; row: MetricRow }[]): RawQuery[] {
    return chunks(rows, 500).map((part) => {
      const q = this.db
        .insertInto(table)
        .values(
          part.map(({ id, row }) => ({
            node_id: id,
            t: row.t,
            repl_offset: row.sample.replOffset,
            lag_bytes: row.sample.lagBytes,
            lag_seconds: row.sample.lagSeconds,
            ops_per_sec: row.sample.opsPerSec,
            used_memory: row.sample.usedMemory,
            write_rate: row.sample.writeRate,
          })),
        )
        .onConflict((oc) =>
          oc.columns(["node_id", "t"]).doUpdateSet((eb) => ({
            repl_offset: eb.ref("excluded.repl_offset"),
            lag_bytes: eb.ref("excluded.lag_bytes"),
            lag_seconds: eb.ref("excluded.lag_seconds"),
            ops_per_sec: eb.ref("excluded.ops_per_sec"),
            used_memory: eb.ref("excluded.used_memory"),
            write_rate: eb.ref("excluded.write_rate"),
          })),
        )
        .compile();
      return { sql: q.sql, params: q.parameters };
    });
  }

  /** The small integer standing for (topology, node), created on first use. */
  async nodeId(topology: string, node: string): Promise<number> {
    const key = `${topology}\u0000${node}`;
    const known = this.nodeIds.get(key);
    if (known !== undefined) return known;
    let p = this.resolving.get(key);
    if (!p) {
      p = (async () => {
        await this.db.insertInto("metric_nodes").values({ topology, node }).onConflict((oc) => oc.columns(["topology", "node"]).doNothing()).execute();
        const r = await this.db.selectFrom("metric_nodes").select("id").where("topology", "=", topology).where("node", "=", node).executeTakeFirstOrThrow();
        const id = Number(r.id);
        this.nodeIds.set(key, id);
        return id;
      })().finally(() => this.resolving.delete(key));
      this.resolving.set(key, p);
    }
    return p;
  }
}

/**
 * INSERT … SELECT of one tier's buckets from the finer tier, the same SQL on SQLite and
 * PostgreSQL: max / avg per bucket, and the last non-null value through a correlated subquery
 * (walks the (node_id, t) key backwards). `node_id in (…)` makes both engines range-scan the
 * (node_id, t) key per node instead of reading the whole table. "where true" lets SQLite parse
 * the upsert after a SELECT.
 */
function rollupQuery(src: TierTable, dst: TierTable, step: number, start: number, end: number) {
  const agg = (name: SeriesName) => {
    const col = sql.ref(COLUMN[name]);
    if (ROLLUP[name] === "max") return sql`max(${col})`;
    if (ROLLUP[name] === "avg") return sql`avg(${col})`;
    return sql`null`;
  };
  const pick = (name: SeriesName) => {
    const col = sql.ref(COLUMN[name]);
    if (ROLLUP[name] !== "last") return sql`g.${col}`;
    return sql`(select l.${col} from ${sql.table(src)} l where l.node_id = g.node_id and l.t >= g.b and l.t < g.b + ${step} and l.${col} is not null order by l.t desc limit 1)`;
  };
  const cols = SERIES.map((n) => sql.ref(COLUMN[n]));
  return sql`insert into ${sql.table(dst)} (node_id, t, ${sql.join(cols)})
    select g.node_id, g.b, ${sql.join(SERIES.map(pick))}
    from (select node_id, b, ${sql.join(SERIES.map((n) => sql`${agg(n)} as ${sql.ref(COLUMN[n])}`))}
          from (select s.*, t - (t % ${step}) as b from ${sql.table(src)} s
                where node_id in (select id from metric_nodes) and t >= ${start} and t < ${end}) x
          group by node_id, b) g
    where true
    on conflict (node_id, t) do update set ${sql.join(cols.map((c) => sql`${c} = excluded.${c}`))}`;
}
