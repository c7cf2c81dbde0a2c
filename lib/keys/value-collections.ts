// Page readers for hash, set, list and zset. Each reads at most one page (plus the length) so the
// cost is bounded by pageSize, never by the size of the value.
import type Redis from "ioredis";
import { KeyQueryError } from "./errors";
import { asBuffers, asNumber, asScanReply, asText, unwrapResults } from "./reply";
import { toPart, type ValuePart } from "./text";

export interface PageContext {
  redis: Redis;
  key: Buffer;
  pageSize: number;
  cursor: string | undefined;
  maxElementBytes: number;
}

export interface PageRead<V> {
  length: number;
  value: V;
  nextCursor?: string;
}

export interface HashValue { type: "hash"; entries: { field: ValuePart; value: ValuePart }[] }
export interface SetValue { type: "set"; members: ValuePart[] }
export interface ListValue { type: "list"; offset: number; items: ValuePart[] }
export interface ZsetValue { type: "zset"; offset: number; members: { member: ValuePart; score: string }[] }

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

async function scanElements(ctx: PageContext, scan: "HSCAN" | "SSCAN", len: "HLEN" | "SCARD", stride: 1 | 2) {
  const { redis, key, pageSize } = ctx;
  const token = parseScanToken(ctx.cursor, pageSize);
  let { cursor, skip } = token;
  const out: Buffer[][] = [];
  const seen = new Set<string>();
  let length = 0;
  for (let call = 0; call < MAX_SCAN_CALLS; call++) {
    const args = [key, cursor, "COUNT", token.count];
    let raw: unknown;
    if (call === 0) {
      const replies = unwrapResults(await redis.pipeline().call(len, key).callBuffer(scan, ...args).exec(), scan);
      length = asNumber(replies[0], len);
      raw = replies[1];
    } else {
      raw = await redis.callBuffer(scan, args);
    }
    const reply = asScanReply(raw, scan);
    const groupCount = Math.floor(reply.items.length / stride);
    for (let g = skip; g < groupCount; g++) {
      if (out.length === pageSize) return { length, out, next: `${cursor}:${g}:${token.count}` };
      const group = reply.items.slice(g * stride, g * stride + stride);
      const id = group[0]?.toString("latin1") ?? "";
      if (seen.has(id)) continue; // rehashing between calls can repeat an element
      seen.add(id);
      out.push(group);
    }
    skip = 0;
    cursor = reply.cursor;
    if (cursor === "0") return { length, out, next: undefined };
    if (out.length === pageSize) return { length, out, next: cursor };
  }
  return { length, out, next: cursor };
}

function part(ctx: PageContext, buf: Buffer | undefined): ValuePart {
  return toPart(buf ?? Buffer.alloc(0), ctx.maxElementBytes);
}

export async function readHash(ctx: PageContext): Promise<PageRead<HashValue>> {
  const { length, out, next } = await scanElements(ctx, "HSCAN", "HLEN", 2);
  const entries = out.map(([field, value]) => ({ field: part(ctx, field), value: part(ctx, value) }));
  return { length, value: { type: "hash", entries }, nextCursor: next };
}

export async function readSet(ctx: PageContext): Promise<PageRead<SetValue>> {
  const { length, out, next } = await scanElements(ctx, "SSCAN", "SCARD", 1);
  return { length, value: { type: "set", members: out.map(([m]) => part(ctx, m)) }, nextCursor: next };
}

export async function readList(ctx: PageContext): Promise<PageRead<ListValue>> {
  const offset = parseOffset(ctx.cursor);
  const replies = unwrapResults(
    await ctx.redis.pipeline().call("LLEN", ctx.key).callBuffer("LRANGE", ctx.key, offset, offset + ctx.pageSize - 1).exec(),
    "LRANGE",
  );
  const length = asNumber(replies[0], "LLEN");
  const items = asBuffers(replies[1], "LRANGE").map((b) => part(ctx, b));
  const end = offset + items.length;
  return { length, value: { type: "list", offset, items }, nextCursor: end < length ? String(end) : undefined };
}

export async function readZset(ctx: PageContext): Promise<PageRead<ZsetValue>> {
  const offset = parseOffset(ctx.cursor);
  const replies = unwrapResults(
    await ctx.redis
      .pipeline()
      .call("ZCARD", ctx.key)
      .callBuffer("ZRANGE", ctx.key, offset, offset + ctx.pageSize - 1, "WITHSCORES")
      .exec(),
    "ZRANGE",
  );
  const length = asNumber(replies[0], "ZCARD");
  const flat = asBuffers(replies[1], "ZRANGE");
  const members: ZsetValue["members"] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    members.push({ member: part(ctx, flat[i]), score: asText(flat[i + 1], "ZRANGE score") });
  }
  const end = offset + members.length;
  return { length, value: { type: "zset", offset, members }, nextCursor: end < length ? String(end) : undefined };
}
