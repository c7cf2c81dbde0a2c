// Page readers for hash, set, list and zset. The value's size is measured first (lib/redis/sizes.ts)
// and each command asks for as many elements as fit the read budget (lib/redis/budget.ts), at most
// pageSize: the cost is bounded by the budget, never by the size of the value or of its elements.
// Elements too large for one bounded read are not read; the value says why (`unread`).
import type Redis from "ioredis";
import { planElements, REPLY_BUDGET_BYTES, type ValueSize } from "../redis/budget";
import { KeyQueryError } from "../redis/errors";
import { asBuffers, asNumber, asScanReply, asText, unwrapResults } from "../redis/reply";
import { toPart, type ValuePart } from "./text";

export interface PageContext {
  redis: Redis;
  key: Buffer;
  pageSize: number;
  cursor: string | undefined;
  maxElementBytes: number;
  /** Measured before the page is read. */
  size: ValueSize;
}

export interface PageRead<V> {
  length: number;
  value: V;
  nextCursor?: string;
}

/** Present when elements were not read: why (e.g. "elements average 48 MB, over the 256 KB one read may return"). */
interface Unread { unread?: string }
export interface HashValue extends Unread { type: "hash"; entries: { field: ValuePart; value: ValuePart }[] }
export interface SetValue extends Unread { type: "set"; members: ValuePart[] }
export interface ListValue extends Unread { type: "list"; offset: number; items: ValuePart[] }
export interface ZsetValue extends Unread { type: "zset"; offset: number; members: { member: ValuePart; score: string }[] }

/** Bytes one page gathers over its SCAN calls before it stops (the rest is the next page). */
const PAGE_BYTES = 4 * REPLY_BUDGET_BYTES;

// Compact encodings (listpack/intset) ignore COUNT and return everything; hashtables may return
// a few more than COUNT or none at all. Bound the round trips per page either way.
const MAX_SCAN_CALLS = 16;

export function parseOffset(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  if (!/^\d{1,15}$/.test(cursor)) throw new KeyQueryError("cursor must be an element offset");
  return Number(cursor);
}

/**
 * HSCAN/SSCAN cursor token: "<cursor>" or "<cursor>:<skip>:<count>". The long form resumes
 * inside a reply that held more than a page: the same cursor with the same COUNT returns the same
 * elements while the value is unchanged, so we re-issue it and skip what was already shown.
 */
function parseScanToken(token: string | undefined, pageSize: number): { cursor: string; skip: number; count: number } {
  if (token === undefined) return { cursor: "0", skip: 0, count: pageSize };
  const m = /^(\d{1,20})(?::(\d{1,9}):(\d{1,4}))?$/.exec(token);
  if (!m?.[1]) throw new KeyQueryError("cursor is not a scan cursor token");
  return { cursor: m[1], skip: Number(m[2] ?? 0), count: Number(m[3] ?? pageSize) };
}

async function scanElements(ctx: PageContext, scan: "HSCAN" | "SSCAN", stride: 1 | 2) {
  const { redis, key, pageSize, size } = ctx;
  const length = size.length;
  const plan = planElements(size, pageSize);
  if ("tooLarge" in plan) return { length, out: [], next: undefined, unread: plan.tooLarge };
  const token = parseScanToken(ctx.cursor, plan.perCall);
  let { cursor, skip, count } = token;
  // A token's COUNT came from an earlier page; if the value grew since, the budget wins (a resumed
  // reply then comes from a different COUNT, so its skip no longer applies).
  if (count > plan.perCall) [count, skip] = [plan.perCall, 0];
  const out: Buffer[][] = [];
  const seen = new Set<string>();
  let bytes = 0;
  for (let call = 0; call < MAX_SCAN_CALLS; call++) {
    const reply = asScanReply(await redis.callBuffer(scan, [key, cursor, "COUNT", count]), scan);
    const groupCount = Math.floor(reply.items.length / stride);
    for (let g = skip; g < groupCount; g++) {
      if (out.length === pageSize || bytes >= PAGE_BYTES) return { length, out, next: `${cursor}:${g}:${count}` };
      const group = reply.items.slice(g * stride, g * stride + stride);
      const id = group[0]?.toString("latin1") ?? "";
      if (seen.has(id)) continue; // rehashing between calls can repeat an element
      seen.add(id);
      out.push(group);
      bytes += group.reduce((n, b) => n + b.length, 0);
    }
    skip = 0;
    cursor = reply.cursor;
    if (cursor === "0") return { length, out, next: undefined };
    if (out.length === pageSize || bytes >= PAGE_BYTES) return { length, out, next: cursor };
  }
  return { length, out, next: cursor };
}

function part(ctx: PageContext, buf: Buffer | undefined): ValuePart {
  return toPart(buf ?? Buffer.alloc(0), ctx.maxElementBytes);
}

const withUnread = <V extends object>(value: V, unread: string | undefined): V => (unread === undefined ? value : { ...value, unread });

export async function readHash(ctx: PageContext): Promise<PageRead<HashValue>> {
  if (!ctx.cursor && ctx.size.length <= ctx.pageSize && "tooLarge" in planElements(ctx.size, ctx.pageSize)) return readHashBySize(ctx);
  const { length, out, next, unread } = await scanElements(ctx, "HSCAN", 2);
  const entries = out.map(([field, value]) => ({ field: part(ctx, field), value: part(ctx, value) }));
  return { length, value: withUnread({ type: "hash", entries }, unread), nextCursor: next };
}

/**
 * A hash of few fields with large values: the fields (HRANDFIELD with a count of at least HLEN
 * returns every field, without values), then HSTRLEN of each, then HMGET of the values that fit
 * the budget. Larger values are shown by their size only: Redis has no ranged read of a hash value.
 */
async function readHashBySize(ctx: PageContext): Promise<PageRead<HashValue>> {
  const { redis, key } = ctx;
  const fields = asBuffers(await redis.callBuffer("HRANDFIELD", [key, ctx.size.length]), "HRANDFIELD").sort(Buffer.compare);
  const lengthPipe = redis.pipeline();
  for (const f of fields) lengthPipe.hstrlen(key, f);
  const lengths = unwrapResults(fields.length ? await lengthPipe.exec() : [], "HSTRLEN").map((v) => asNumber(v, "HSTRLEN"));
  const small: number[] = [];
  let bytes = 0;
  lengths.forEach((n, i) => {
    if (bytes + n > REPLY_BUDGET_BYTES) return;
    small.push(i);
    bytes += n;
  });
  const values = small.length ? asBuffersOrNil(await redis.callBuffer("HMGET", [key, ...small.map((i) => fields[i] as Buffer)])) : [];
  const byIndex = new Map(small.map((i, j) => [i, values[j]]));
  const entries = fields.map((f, i) => {
    const value = byIndex.get(i);
    // Not read: shown as an empty prefix of its full size.
    return { field: part(ctx, f), value: value ? part(ctx, value) : { token: "", fullBytes: lengths[i] ?? 0 } };
  });
  return { length: ctx.size.length, value: { type: "hash", entries } };
}

/** HMGET reply; a field deleted meanwhile is nil. */
function asBuffersOrNil(reply: unknown): (Buffer | null)[] {
  if (!Array.isArray(reply)) throw new TypeError("HMGET: expected an array");
  return reply.map((v) => (v === null ? null : Buffer.isBuffer(v) ? v : null));
}

export async function readSet(ctx: PageContext): Promise<PageRead<SetValue>> {
  const { length, out, next, unread } = await scanElements(ctx, "SSCAN", 1);
  return { length, value: withUnread({ type: "set", members: out.map(([m]) => part(ctx, m)) }, unread), nextCursor: next };
}

/** Elements one LRANGE/ZRANGE window may ask for, or why none are read. */
function rangeWindow(ctx: PageContext): { count: number; unread?: string } {
  const plan = planElements(ctx.size, ctx.pageSize);
  return "tooLarge" in plan ? { count: 0, unread: plan.tooLarge } : { count: plan.perCall };
}

export async function readList(ctx: PageContext): Promise<PageRead<ListValue>> {
  const offset = parseOffset(ctx.cursor);
  const { length } = ctx.size;
  const { count, unread } = rangeWindow(ctx);
  if (count === 0) return { length, value: withUnread({ type: "list", offset, items: [] }, unread) };
  const items = asBuffers(await ctx.redis.callBuffer("LRANGE", [ctx.key, offset, offset + count - 1]), "LRANGE").map((b) => part(ctx, b));
  const end = offset + items.length;
  return { length, value: { type: "list", offset, items }, nextCursor: end < length && items.length > 0 ? String(end) : undefined };
}

export async function readZset(ctx: PageContext): Promise<PageRead<ZsetValue>> {
  const offset = parseOffset(ctx.cursor);
  const { length } = ctx.size;
  const { count, unread } = rangeWindow(ctx);
  if (count === 0) return { length, value: withUnread({ type: "zset", offset, members: [] }, unread) };
  const flat = asBuffers(await ctx.redis.callBuffer("ZRANGE", [ctx.key, offset, offset + count - 1, "WITHSCORES"]), "ZRANGE");
  const members: ZsetValue["members"] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    members.push({ member: part(ctx, flat[i]), score: asText(flat[i + 1], "ZRANGE score") });
  }
  const end = offset + members.length;
  return { length, value: { type: "zset", offset, members }, nextCursor: end < length && members.length > 0 ? String(end) : undefined };
}
