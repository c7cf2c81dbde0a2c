// Timeline events: typed rows in, typed events out, filtered in SQL.
import type { Kysely } from "kysely";
import type { TimelineEvent } from "../timeline/types";
import type { Database } from "./schema";
import { chunks, type RawQuery } from "./util";
import { RowBuffer, type WriteBehind } from "./write-behind";

export interface EventQuery {
  topology?: string;
  node?: string;
  kinds?: string[];
  /** Inclusive lower bound on `at` (epoch ms). */
  since?: number;
  /** Inclusive upper bound on `at` (epoch ms). */
  until?: number;
  /** Default 200, at most 5000. */
  limit?: number;
  /** Only events with a smaller id: the next page back from the oldest one already shown. */
  beforeId?: number;
}

export const QUERY_LIMIT_DEFAULT = 200;
export const QUERY_LIMIT_MAX = 5000;

export function clampLimit(limit: number | undefined): number {
  if (limit === undefined || Number.isNaN(limit)) return QUERY_LIMIT_DEFAULT;
  return Math.max(0, Math.min(QUERY_LIMIT_MAX, Math.floor(limit)));
}

export class EventRepo {
  private readonly buffer: RowBuffer<TimelineEvent>;

  constructor(
    private readonly db: Kysely<Database>,
    writer: WriteBehind,
  ) {
    this.buffer = new RowBuffer(writer, (rows) => this.insertQueries(rows));
  }

  /** Write-behind: stored by the next flush (≤ 100 ms), in one multi-row insert. */
  queue(events: readonly TimelineEvent[]): void {
    this.buffer.push(...events);
  }

  get dropped(): number {
    return this.buffer.dropped;
  }

  /** Compiled multi-row inserts (an id already stored is kept as it is). */
  insertQueries(events: readonly TimelineEvent[]): RawQuery[] {
    return chunks(events, 500).map((part) => {
      const q = this.db
        .insertInto("events")
        .values(part.map((e) => ({ id: e.id, at: e.at, topology: e.topology, kind: e.kind, node: e.node, severity: e.severity, text: e.text, data: e.data ? JSON.stringify(e.data) : null })))
        .onConflict((oc) => oc.column("id").doNothing())
        .compile();
      return { sql: q.sql, params: q.parameters };
    });
  }

  /** The last `limit` matches, oldest -> newest. */
  async query(q: EventQuery): Promise<TimelineEvent[]> {
    const limit = clampLimit(q.limit);
    if (limit === 0) return [];
    let s = this.db.selectFrom("events").selectAll();
    if (q.beforeId !== undefined) s = s.where("id", "<", q.beforeId);
    if (q.topology !== undefined) s = s.where("topology", "=", q.topology);
    if (q.node !== undefined) s = s.where("node", "=", q.node);
    if (q.kinds && q.kinds.length > 0) s = s.where("kind", "in", q.kinds);
    if (q.since !== undefined) s = s.where("at", ">=", q.since);
    if (q.until !== undefined) s = s.where("at", "<=", q.until);
    const rows = await s.orderBy("id", "desc").limit(limit).execute();
    return rows.reverse().map(toEvent);
  }

  async maxId(): Promise<number> {
    const r = await this.db.selectFrom("events").select((eb) => eb.fn.max("id").as("m")).executeTakeFirst();
    return Number(r?.m ?? 0);
  }

  async count(): Promise<number> {
    const r = await this.db.selectFrom("events").select((eb) => eb.fn.countAll().as("n")).executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  /** Retention: keeps the newest `keep` events. */
  async retain(keep: number): Promise<number> {
    const edge = await this.db.selectFrom("events").select("id").orderBy("id", "desc").offset(keep).limit(1).executeTakeFirst();
    if (!edge) return 0;
    const r = await this.db.deleteFrom("events").where("id", "<=", edge.id).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}

function toEvent(r: Database["events"]): TimelineEvent {
  const e = {
    id: Number(r.id),
    at: Number(r.at),
    topology: r.topology,
    kind: r.kind,
    node: r.node,
    severity: r.severity,
    text: r.text,
    ...(r.data !== null ? { data: JSON.parse(r.data) as unknown } : {}),
  };
  return e as TimelineEvent;
}
