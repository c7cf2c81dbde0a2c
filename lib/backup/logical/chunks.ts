// Reads one large value in bounded windows and writes it as parts (see FORMAT.md, "Keys written
// in parts"). Every command is bounded in elements (planElements: at most 256, fewer when the
// elements are large) and in bytes (~256 KiB of reply, GETRANGE 512 KiB), so no command takes
// more than a few ms of server time even on a 100 MB value. A value written in parts is NOT read
// atomically: writes to it during the export may be half in the file (a DUMP'd key is atomic).
import type Redis from "ioredis";
import { planElements, REPLY_BUDGET_BYTES, type ValueSize } from "../../redis/budget";
import { asBuffer, asBuffers, asNumber, asScanReply } from "../../redis/reply";
import { STREAM_PART, type KeyType } from "./format";
import type { DumpWriter } from "./writer";

export const STRING_WINDOW_BYTES = 512 * 1024;
const LENGTH = { list: "LLEN", set: "SCARD", zset: "ZCARD", hash: "HLEN", stream: "XLEN" } as const;

/** Elements per call for this value (1 when the elements are larger than one reply's budget). */
async function perCall(redis: Redis, key: Buffer, type: Exclude<KeyType, "string" | "other">, memory: number): Promise<number> {
  const length = asNumber(await redis.call(LENGTH[type], key), "length");
  const size: ValueSize = { type, length, memory, encoding: null };
  const plan = planElements(size, 256);
  return "perCall" in plan ? plan.perCall : 1;
}

const tag = (s: string) => Buffer.from(s, "latin1");
const num = (n: number | string) => Buffer.from(String(n), "latin1");

/**
 * XINFO GROUPS and XINFO CONSUMERS have no COUNT: their reply grows with the groups / consumers.
 * Above these caps the list is not read (a note says so): see FORMAT.md.
 */
export const MAX_STREAM_GROUPS = 1000;
export const MAX_GROUP_CONSUMERS = 1000;

/** Records what a file leaves out (the trailer's notes). */
export type NoteFn = (text: string) => void;

/** Writes the parts of one value (the caller wrote the begin record); returns the element count. */
export async function writeParts(redis: Redis, w: DumpWriter, key: Buffer, type: KeyType, memory: number, note: NoteFn = () => undefined): Promise<number> {
  switch (type) {
    case "string": {
      let at = 0;
      for (;;) {
        const chunk = asBuffer(await redis.callBuffer("GETRANGE", key, String(at), String(at + STRING_WINDOW_BYTES - 1)), "GETRANGE");
        if (chunk.length === 0) break;
        await w.part([chunk]);
        at += chunk.length;
        if (chunk.length < STRING_WINDOW_BYTES) break;
      }
      return at;
    }
    case "list": {
      const n = await perCall(redis, key, type, memory);
      let at = 0;
      for (;;) {
        const items = asBuffers(await redis.callBuffer("LRANGE", key, String(at), String(at + n - 1)), "LRANGE");
        if (items.length > 0) await w.part(items);
        at += items.length;
        if (items.length < n) return at;
      }
    }
    case "hash":
    case "set":
    case "zset": {
      const n = await perCall(redis, key, type, memory);
      const cmd = type === "hash" ? "HSCAN" : type === "set" ? "SSCAN" : "ZSCAN";
      let cursor = "0";
      let count = 0;
      do {
        const reply = asScanReply(await redis.callBuffer(cmd, key, cursor, "COUNT", String(n)), cmd);
        cursor = reply.cursor;
        if (reply.items.length > 0) await w.part(reply.items);
        count += type === "set" ? reply.items.length : reply.items.length / 2;
      } while (cursor !== "0");
      return count;
    }
    case "stream":
      return writeStreamParts(redis, w, key, memory, note);
    default:
      throw new Error(`a ${type} value cannot be written in parts`);
  }
}

/** A key or group name for a note: text when it is printable UTF-8, else base64. */
function printable(b: Buffer): string {
  const text = b.toString("utf8");
  return Buffer.from(text, "utf8").equals(b) && !/[\x00-\x1f]/.test(text) ? JSON.stringify(text) : `b64:${b.toString("base64")}`;
}

/** Flat [k, v, k, v] reply (RESP2 maps) to a lookup by field name. */
function fields(reply: unknown): Map<string, unknown> {
  const m = new Map<string, unknown>();
  if (!Array.isArray(reply)) return m;
  for (let i = 0; i + 1 < reply.length; i += 2) m.set(String(reply[i]), reply[i + 1]);
  return m;
}

async function writeStreamParts(redis: Redis, w: DumpWriter, key: Buffer, memory: number, note: NoteFn): Promise<number> {
  const n = await perCall(redis, key, "stream", memory);
  let start: Buffer = tag("-");
  let count = 0;
  for (;;) {
    const reply = (await redis.callBuffer("XRANGE", key, start, "+", "COUNT", String(n))) as unknown;
    if (!Array.isArray(reply) || reply.length === 0) break;
    const items: Buffer[] = [tag(STREAM_PART.entries)];
    let last: Buffer | null = null;
    for (const entry of reply as unknown[]) {
      if (!Array.isArray(entry)) continue;
      const id = asBuffer(entry[0], "XRANGE id");
      const f = asBuffers(entry[1], "XRANGE fields");
      items.push(id, num(f.length / 2), ...f);
      last = id;
    }
    await w.part(items);
    count += reply.length;
    if (reply.length < n || !last) break;
    start = Buffer.concat([tag("("), last]);
  }
  // XINFO STREAM without FULL: a fixed-size answer (plus the first and last entry).
  const info = fields(await redis.call("XINFO", "STREAM", key));
  const lastId = String(info.get("last-generated-id") ?? "0-0");
  await w.part([tag(STREAM_PART.meta), num(lastId), num(String(info.get("entries-added") ?? count)), num(String(info.get("max-deleted-entry-id") ?? "0-0"))]);

  // XINFO STREAM's "groups" is the group count: XINFO GROUPS (one unbounded reply) is only sent
  // when it is small enough.
  const groupCount = Number(info.get("groups") ?? 0);
  if (groupCount > MAX_STREAM_GROUPS) {
    note(`stream ${printable(key)}: its ${groupCount} consumer groups (over ${MAX_STREAM_GROUPS}) were not exported (no groups, consumers or pending entries)`);
    return count;
  }
  const [s, us] = (await redis.time()) as [string | number, string | number];
  const now = Number(s) * 1000 + Math.floor(Number(us) / 1000);
  const groups = groupCount > 0 ? ((await redis.callBuffer("XINFO", "GROUPS", key)) as unknown[]) : [];
  for (const g of groups) {
    const gi = fields(g);
    const name = gi.get("name");
    if (!Buffer.isBuffer(name)) continue;
    const read = gi.get("entries-read");
    await w.part([tag(STREAM_PART.group), name, num(String(gi.get("last-delivered-id") ?? "0-0")), read === null || read === undefined ? Buffer.alloc(0) : num(String(read))]);
    const consumerCount = Number(gi.get("consumers") ?? 0);
    if (consumerCount > MAX_GROUP_CONSUMERS) {
      // Consumers that own pending entries still come back (the importer's XCLAIM creates them).
      note(`stream ${printable(key)} group ${printable(name)}: its ${consumerCount} consumers (over ${MAX_GROUP_CONSUMERS}) were not listed; only those with pending entries are restored`);
    }
    const consumers = consumerCount > 0 && consumerCount <= MAX_GROUP_CONSUMERS ? ((await redis.callBuffer("XINFO", "CONSUMERS", key, name)) as unknown[]) : [];
    let pairs: Buffer[] = [];
    for (const c of consumers) {
      const cn = fields(c).get("name");
      if (Buffer.isBuffer(cn)) pairs.push(name, cn);
      if (pairs.length >= 512) {
        await w.part([tag(STREAM_PART.consumers), ...pairs]);
        pairs = [];
      }
    }
    if (pairs.length) await w.part([tag(STREAM_PART.consumers), ...pairs]);
    let from: Buffer = tag("-");
    for (;;) {
      const pel = (await redis.callBuffer("XPENDING", key, name, from, "+", "256")) as unknown[];
      if (!Array.isArray(pel) || pel.length === 0) break;
      const items: Buffer[] = [tag(STREAM_PART.pending), name];
      let lastPel: Buffer | null = null;
      for (const p of pel) {
        if (!Array.isArray(p)) continue;
        const [id, consumer, idle, deliveries] = p as unknown[];
        const pid = asBuffer(id, "XPENDING id");
        items.push(pid, asBuffer(consumer, "XPENDING consumer"), num(now - asNumber(idle, "idle")), num(asNumber(deliveries, "deliveries")));
        lastPel = pid;
      }
      await w.part(items);
      if (pel.length < 256 || !lastPel) break;
      from = Buffer.concat([tag("("), lastPel]);
    }
  }
  return count;
}

/** Largest STRLEN / MEMORY USAGE written as one DUMP (a DUMP of it stays within a few ms). */
export const DEFAULT_CHUNK_ABOVE_BYTES = 1024 * 1024;
export { REPLY_BUDGET_BYTES };
