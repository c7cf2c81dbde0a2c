// Metric history in three tiers: every sample (1 s) for an hour, 1-minute rollups for 7 days,
// 1-hour rollups for 90 days. Rollups are accumulated in memory per node and written when their
// bucket closes (and at close); each series rolls up the way its chart reads it (ROLLUP).
// Rows are coalesced into multi-row inserts by the write-behind queue's drain.
import type { Kysely } from "kysely";
import { SERIES, type HistoryJson, type Sample, type SeriesName } from "../monitor/history";
import type { Database, MetricSamplesTable, TierTable } from "./schema";
import { chunks, type RawQuery } from "./util";
import type { WriteBehind } from "./write-behind";

export const TIER_SPECS: readonly { table: TierTable; stepMs: number; keepMs: number }[] = [
  { table: "metric_1s", stepMs: 1000, keepMs: 3600_000 },
  { table: "metric_1m", stepMs: 60_000, keepMs: 7 * 86400_000 },
  { table: "metric_1h", stepMs: 3600_000, keepMs: 90 * 86400_000 },
];

/** last: a counter-like position; max: the worst moment matters (lag, memory peak); avg: rates. */
export const ROLLUP: Record<SeriesName, "last" | "max" | "avg"> = {
  replOffset: "last",
  lagBytes: "max",
  lagSeconds: "max",
  opsPerSec: "avg",
  usedMemory: "max",
  writeRate: "avg",
};

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

interface Bucket {
  start: number;
  sum: number[];
  n: number[];
  max: number[];
  last: (number | null)[];
}

interface Pending {
  table: TierTable;
  key: string;
  topology: string;
  node: string;
  row: MetricRow;
}

/** The tier whose resolution suits a chart spanning `spanMs` (and still holds data that old). */
export function tierFor(spanMs: number): TierTable {
  if (spanMs <= 3600_000) return "metric_1s";
  if (spanMs <= 7 * 86400_000) return "metric_1m";
  return "metric_1h";
}

const MAX_PENDING = 200_000;

export class MetricRepo {
  private readonly nodeIds = new Map<string, number>();
  private readonly resolving = new Map<string, Promise<number>>();
  private pending: Pending[] = [];
  private readonly buckets = new Map<string, (Bucket | null)[]>();
  dropped = 0;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly writer: WriteBehind,
    private readonly commit: (qs: RawQuery[]) => Promise<void>,
  ) {
    writer.addDrain(() => this.drain());
  }

  /** One sample of one node (the 1 s tier); feeds the minute and hour rollups. */
  record(topology: string, node: string, t: number, sample: Sample): void {
    const key = `${topology}\u0000${node}`;
    this.push({ table: "metric_1s", key, topology, node, row: { t, sample } });
    let bs = this.buckets.get(key);
    if (!bs) this.buckets.set(key, (bs = [null, null]));
    for (const [i, spec] of TIER_SPECS.slice(1).entries()) {
      const start = Math.floor(t / spec.stepMs) * spec.stepMs;
      let b = bs[i] ?? null;
      if (b && b.start !== start) {
        this.push({ table: spec.table, key, topology, node, row: rollup(b) });
        b = null;
      }
      b ??= { start, sum: SERIES.map(() => 0), n: SERIES.map(() => 0), max: SERIES.map(() => -Infinity), last: SERIES.map(() => null) };
      SERIES.forEach((name, c) => {
        const v = sample[name];
        if (v === null || !Number.isFinite(v)) return;
        b.sum[c]! += v;
        b.n[c]! += 1;
        b.max[c] = Math.max(b.max[c]!, v);
        b.last[c] = v;
      });
      bs[i] = b;
    }
    this.writer.poke();
  }

  /** Writes the rollups of buckets still open (at close: a restart then keeps the partial minute). */
  closeBuckets(): void {
    for (const [key, bs] of this.buckets) {
      const [topology = "", node = ""] = key.split("\u0000");
      bs.forEach((b, i) => {
        const spec = TIER_SPECS[i + 1];
        if (b && spec) this.push({ table: spec.table, key, topology, node, row: rollup(b) });
      });
    }
    this.buckets.clear();
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
    const byTable = new Map<TierTable, { id: number; row: MetricRow }[]>();
    const keep: Pending[] = [];
    for (const p of this.pending) {
      const id = this.nodeIds.get(p.key);
      // Not resolved yet: the next flush takes it.
      if (id === undefined) keep.push(p);
      else {
        let list = byTable.get(p.table);
        if (!list) byTable.set(p.table, (list = []));
        list.push({ id, row: p.row });
      }
    }
    this.pending = keep;
    const out: RawQuery[] = [];
    for (const [table, rows] of byTable) out.push(...this.rowQueries(table, rows));
    return out;
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

function rollup(b: Bucket): MetricRow {
  const sample = {} as Sample;
  SERIES.forEach((name, c) => {
    if (b.n[c] === 0) sample[name] = null;
    else if (ROLLUP[name] === "last") sample[name] = b.last[c] ?? null;
    else if (ROLLUP[name] === "max") sample[name] = b.max[c]!;
    else sample[name] = b.sum[c]! / b.n[c]!;
  });
  return { t: b.start, sample };
}
