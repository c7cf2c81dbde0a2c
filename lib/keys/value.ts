// Open one key for the key browser: metadata, the value's size, then one page of it bounded in
// elements and in bytes (strings by GETRANGE slices; collections see value-collections.ts).
import type Redis from "ioredis";
import { displayKey, encodeKey } from "./codec";
import { ensureDb } from "../redis/db";
import { KeyQueryError } from "../redis/errors";
import { asBuffer, asNumber, asText, unwrapResults } from "../redis/reply";
import { probeSizes } from "../redis/sizes";
import { viewString, type StringView } from "./text";
import {
  parseOffset, readHash, readList, readSet, readZset,
  type HashValue, type ListValue, type PageContext, type PageRead, type SetValue, type ZsetValue,
} from "./value-collections";
import { readStream, type StreamValue } from "./value-stream";

export type { ValuePart } from "./text";
export type { HashValue, ListValue, SetValue, ZsetValue } from "./value-collections";
export type { StreamValue, StreamEntry, StreamGroup, StreamConsumer } from "./value-stream";

export interface StringValue extends StringView { type: "string"; offset: number }
/** Module types (e.g. ReJSON-RL): metadata only. */
export interface UnsupportedValue { type: "unsupported" }
export type KeyValue = StringValue | HashValue | ListValue | SetValue | ZsetValue | StreamValue | UnsupportedValue;

export interface ReadKeyOptions {
  db: number;
  /** Elements per page, 1..1000 (default 100). */
  pageSize?: number;
  /** From the previous page's nextCursor (byte offset, element offset, scan token or stream id). */
  cursor?: string;
  /** Longer collection elements are cut to this many bytes (default 16 KiB). */
  maxElementBytes?: number;
}

export interface KeyDetails {
  key: string;
  display: string;
  type: string;
  /** Seconds; -1 = no expiry. */
  ttl: number;
  /** STRLEN / HLEN / LLEN / SCARD / ZCARD / XLEN; null for module types. */
  length: number | null;
  encoding: string | null;
  /** MEMORY USAGE with the default 5 samples; null if the command is not allowed. */
  memory: number | null;
  value: KeyValue;
  /** The response does not hold the whole value (more pages, or cut elements). */
  truncated: boolean;
  nextCursor?: string;
}

/** Strings are read in slices of this size; the cursor is the byte offset of the next slice. */
export const STRING_SLICE_BYTES = 256 * 1024;
const ATTEMPTS = 3;

async function readString(ctx: PageContext): Promise<PageRead<StringValue>> {
  const offset = parseOffset(ctx.cursor);
  const replies = unwrapResults(
    await ctx.redis.pipeline().call("STRLEN", ctx.key).callBuffer("GETRANGE", ctx.key, offset, offset + STRING_SLICE_BYTES - 1).exec(),
    "GETRANGE",
  );
  const length = asNumber(replies[0], "STRLEN");
  const raw = offset < length ? asBuffer(replies[1], "GETRANGE") : Buffer.alloc(0);
  // Only a slice that reaches the end may keep a trailing partial UTF-8 sequence (then it is binary).
  const view = viewString(raw, offset + raw.length >= length);
  const end = offset + view.bytes;
  const value: StringValue = { type: "string", offset, ...view, json: view.json && offset === 0 };
  return { length, value, nextCursor: end < length ? String(end) : undefined };
}

// A Map, not an object literal: module type names like "__proto__" must not hit the prototype.
const READERS = new Map<string, (ctx: PageContext) => Promise<PageRead<KeyValue>>>([
  ["string", readString], ["hash", readHash], ["list", readList], ["set", readSet], ["zset", readZset], ["stream", readStream],
]);

/** Missing key -> null. See lib/redis/db.ts for the connection contract. */
export async function readKey(redis: Redis, key: Buffer, opts: ReadKeyOptions): Promise<KeyDetails | null> {
  const pageSize = opts.pageSize ?? 100;
  const maxElementBytes = opts.maxElementBytes ?? 16 * 1024;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) throw new KeyQueryError("pageSize must be 1..1000");
  if (!Number.isInteger(maxElementBytes) || maxElementBytes < 1) throw new KeyQueryError("maxElementBytes must be positive");
  await ensureDb(redis, opts.db);
  const ctx: Omit<PageContext, "size"> = { redis, key, pageSize, cursor: opts.cursor, maxElementBytes };
  for (let attempt = 1; ; attempt++) {
    try {
      return await readOnce(ctx);
    } catch (err) {
      // The key changed type between our round trips (deleted and recreated): read it again.
      if (attempt < ATTEMPTS && err instanceof Error && err.message.startsWith("WRONGTYPE")) continue;
      throw err;
    }
  }
}

async function readOnce(ctx: Omit<PageContext, "size">): Promise<KeyDetails | null> {
  const { redis, key } = ctx;
  const meta = await redis
    .pipeline()
    .type(key)
    .ttl(key)
    .call("OBJECT", "ENCODING", key)
    .call("MEMORY", "USAGE", key, "SAMPLES", "5") // SAMPLES 0 would walk every element: O(N)
    .exec();
  const [type, ttl] = unwrapResults(meta?.slice(0, 2) ?? null, "TYPE/TTL");
  const keyType = asText(type, "TYPE");
  if (keyType === "none") return null;
  const encoding = optional(meta?.[2], (v) => asText(v, "OBJECT ENCODING"));
  const memory = optional(meta?.[3], (v) => asNumber(v, "MEMORY USAGE"));

  const reader = READERS.get(keyType);
  let page: PageRead<KeyValue> = { length: -1, value: { type: "unsupported" } };
  if (reader) {
    // Sizes first: every page reader windows its reads by the measured length and memory.
    const [size] = await probeSizes(redis, [{ key, type: keyType }]);
    if (size) page = await reader({ ...ctx, size });
  }
  return {
    key: encodeKey(key),
    display: displayKey(key),
    type: keyType,
    ttl: asNumber(ttl, "TTL"),
    length: reader ? page.length : null,
    encoding,
    memory,
    value: page.value,
    truncated: page.nextCursor !== undefined || hasCutParts(page.value) || ("unread" in page.value && page.value.unread !== undefined),
    ...(page.nextCursor !== undefined ? { nextCursor: page.nextCursor } : {}),
  };
}

/** A per-command failure (ACL denied, key vanished -> nil) is shown as unknown, not fatal. */
function optional<T>(result: [Error | null, unknown] | undefined, parse: (v: unknown) => T): T | null {
  if (!result || result[0] || result[1] === null || result[1] === undefined) return null;
  return parse(result[1]);
}

function hasCutParts(value: KeyValue): boolean {
  const cut = (p: { fullBytes?: number }) => p.fullBytes !== undefined;
  switch (value.type) {
    case "hash": return value.entries.some((e) => cut(e.field) || cut(e.value));
    case "set": return value.members.some(cut);
    case "list": return value.items.some(cut);
    case "zset": return value.members.some((m) => cut(m.member));
    case "stream": return value.entries.some((e) => e.fields.some((f) => cut(f.field) || cut(f.value)));
    default: return false;
  }
}
