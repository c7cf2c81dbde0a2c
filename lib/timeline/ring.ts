// The in-memory window of recent events that queries read; fixed capacity, oldest overwritten.
import type { TimelineEvent } from "./types";

export class EventRing {
  private readonly buf: (TimelineEvent | undefined)[];
  private next = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ring capacity must be a positive integer, got ${capacity}`);
    this.buf = new Array<TimelineEvent | undefined>(capacity);
  }

  get size(): number {
    return this.count;
  }

  push(e: TimelineEvent): void {
    this.buf[this.next] = e;
    this.next = (this.next + 1) % this.capacity;
    this.count = Math.min(this.count + 1, this.capacity);
  }

  *newestFirst(): Generator<TimelineEvent> {
    for (let k = 1; k <= this.count; k++) {
      const e = this.buf[(this.next - k + this.capacity) % this.capacity];
      if (e) yield e;
    }
  }
}

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

/** The last `limit` matches, returned oldest -> newest. Reads newest-first so it can stop early. */
export function queryEvents(newestFirst: Iterable<TimelineEvent>, q: EventQuery): TimelineEvent[] {
  const limit = clampLimit(q.limit);
  const kinds = q.kinds && q.kinds.length > 0 ? new Set(q.kinds) : null;
  const out: TimelineEvent[] = [];
  if (limit === 0) return out;
  for (const e of newestFirst) {
    if (q.beforeId !== undefined && e.id >= q.beforeId) continue;
    if (q.topology !== undefined && e.topology !== q.topology) continue;
    if (q.node !== undefined && e.node !== q.node) continue;
    if (kinds && !kinds.has(e.kind)) continue;
    if (q.since !== undefined && e.at < q.since) continue;
    if (q.until !== undefined && e.at > q.until) continue;
    out.push(e);
    if (out.length >= limit) break;
  }
  return out.reverse();
}
