// fluentd records stored in Redis, recognised from key names and values. Pure.
//
// fluent-plugin-redis (out_redis) writes each event as a hash named "<tag>.<time>.<index>"
// (time: strftime "%s" by default, index: the event's position in its buffer chunk), one hash
// field per record field. fluent-plugin-redis-store writes JSON records into a key named after
// the tag (plus optional prefix/suffix): a zset scored by event time (its default), a list
// (RPUSH/LPUSH), or a string holding the latest record.

export type FluentSource = "hash" | "zset" | "list" | "string";
export type FluentValue = string | number | boolean | null | FluentValue[] | { [k: string]: FluentValue };

export interface FluentRecord {
  tag: string;
  /** Unix seconds (fractional for zset scores); null when the record carries no time. */
  time: number | null;
  /** Order within the same second: the chunk index (hash layout) or position in the key. */
  index: number;
  /** codec token of the Redis key holding it. */
  key: string;
  source: FluentSource;
  record: Record<string, FluentValue>;
}

export interface TagGroup {
  tag: string;
  sources: FluentSource[];
  records: FluentRecord[];
  first: number | null;
  last: number | null;
  /** Records per second over the group's time span (the count when it spans under a second). */
  ratePerSec: number | null;
}

// Unix seconds between 2001 and 2286: ten digits. Rejects ids like "order.12.3" that only look alike.
const HASH_KEY = /^(.+)\.(\d{10})\.(\d{1,9})$/;

export function parseHashKey(name: string): { tag: string; time: number; index: number } | null {
  const m = HASH_KEY.exec(name);
  if (!m?.[1] || !m[2] || !m[3]) return null;
  return { tag: m[1], time: Number(m[2]), index: Number(m[3]) };
}

/** Hash fields as a record; numeric-looking values stay strings (Redis stores text). */
export function recordFromHash(flat: readonly string[]): Record<string, FluentValue> {
  const out: Record<string, FluentValue> = Object.create(null) as Record<string, FluentValue>;
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i] as string] = flat[i + 1] as string;
  return { ...out };
}

/** A JSON object, or null for anything else (plain strings, arrays, numbers, junk). */
export function parseJsonRecord(text: string): Record<string, FluentValue> | null {
  const t = text.trimStart();
  if (!t.startsWith("{")) return null;
  try {
    const v: unknown = JSON.parse(t);
    return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, FluentValue>) : null;
  } catch {
    return null;
  }
}

/** Event time from common record fields: seconds, milliseconds or an ISO date. */
export function timeOfRecord(record: Record<string, FluentValue>): number | null {
  for (const field of ["time", "timestamp", "@timestamp", "ts"]) {
    const v = record[field];
    if (typeof v === "number" && Number.isFinite(v)) return v > 1e12 ? v / 1000 : v;
    if (typeof v === "string" && v.trim() !== "") {
      const n = Number(v);
      if (Number.isFinite(n)) return n > 1e12 ? n / 1000 : n;
      const ms = Date.parse(v);
      if (Number.isFinite(ms)) return ms / 1000;
    }
  }
  return null;
}

/** Oldest first by numeric time (so 999 < 1000, unlike a string sort), then by index. */
export function compareRecords(a: FluentRecord, b: FluentRecord): number {
  const ta = a.time ?? Number.POSITIVE_INFINITY;
  const tb = b.time ?? Number.POSITIVE_INFINITY;
  return ta - tb || a.index - b.index || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

export function inRange(time: number | null, from?: number, to?: number): boolean {
  if (from === undefined && to === undefined) return true;
  if (time === null) return false;
  return (from === undefined || time >= from) && (to === undefined || time <= to);
}

export function groupByTag(records: readonly FluentRecord[], from?: number, to?: number): TagGroup[] {
  const byTag = new Map<string, FluentRecord[]>();
  for (const r of records) {
    if (!inRange(r.time, from, to)) continue;
    const list = byTag.get(r.tag) ?? [];
    list.push(r);
    byTag.set(r.tag, list);
  }
  return [...byTag.entries()]
    .map(([tag, list]) => {
      list.sort(compareRecords);
      const times = list.map((r) => r.time).filter((t): t is number => t !== null);
      const first = times.length ? Math.min(...times) : null;
      const last = times.length ? Math.max(...times) : null;
      return { tag, sources: [...new Set(list.map((r) => r.source))], records: list, first, last, ratePerSec: recordRate(times) };
    })
    .sort((a, b) => a.tag.localeCompare(b.tag));
}

/** Records per second over the span of the given times; null with fewer than two (no rate yet). */
export function recordRate(times: readonly number[]): number | null {
  if (times.length < 2) return null;
  const span = Math.max(...times) - Math.min(...times);
  return span >= 1 ? times.length / span : times.length;
}

/** Column names for a table of records: the union of fields, most frequent first, capped. */
export function recordColumns(records: readonly FluentRecord[], max = 12): string[] {
  const freq = new Map<string, number>();
  for (const r of records) for (const [k] of Object.entries(r.record)) freq.set(k, (freq.get(k) ?? 0) + 1);
  return [...freq.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, max).map(([k]) => k);
}
