// Read fingerprints for a batch of keys from one node. Pipelined per stage so comparing a page of
// keys costs a handful of round trips: TYPE+PEXPIRETIME, lengths, whole small values; only values
// above `batch` elements are read in chunks, and values above the budget are not read at all.
import type Redis from "ioredis";
import { ensureDb } from "../keys/db";
import { asBuffer, asBuffers, asNumber, asScanReply, asText, unwrapResults } from "../keys/reply";
import { digestFlat, OrderedDigest, UnorderedDigest, type KeyFingerprint } from "./fingerprint";

export interface FingerprintOptions {
  /** Same connection contract as lib/keys (dedicated connection; SELECT only when needed). */
  db: number;
  /** Collections with more elements get digest null: compared by type, length and TTL only. */
  maxElements?: number;
  /** Strings longer than this get digest null. */
  maxStringBytes?: number;
  /** Elements per read for values above one batch. */
  batch?: number;
}

// Maps, not object literals: module type names like "__proto__" must not hit the prototype.
const LENGTH_COMMAND = new Map([
  ["string", "STRLEN"], ["list", "LLEN"], ["hash", "HLEN"], ["set", "SCARD"], ["zset", "ZCARD"], ["stream", "XLEN"],
]);
const STRIDE = new Map([["list", 1], ["set", 1], ["hash", 2], ["zset", 2]]);

/** One fingerprint (or null when missing) per key, in the order given. Not atomic across keys. */
export async function readFingerprints(redis: Redis, keys: readonly Buffer[], opts: FingerprintOptions): Promise<(KeyFingerprint | null)[]> {
  const maxElements = opts.maxElements ?? 10_000;
  const maxStringBytes = opts.maxStringBytes ?? 1024 * 1024;
  const batch = opts.batch ?? 1000;
  await ensureDb(redis, opts.db);
  if (keys.length === 0) return [];

  const metaPipe = redis.pipeline();
  for (const key of keys) metaPipe.type(key).call("PEXPIRETIME", key);
  const meta = unwrapResults(await metaPipe.exec(), "TYPE/PEXPIRETIME");
  const fps: (KeyFingerprint | null)[] = keys.map((_, i) => {
    const type = asText(meta[2 * i], "TYPE");
    return type === "none" ? null : { type, length: 0, digest: null, expireAtMs: asNumber(meta[2 * i + 1], "PEXPIRETIME") };
  });

  // Module types keep length 0 and digest null: existence, type and TTL are still compared.
  const known = fps.flatMap((fp, i) => (fp && LENGTH_COMMAND.has(fp.type) ? [{ fp, key: keys[i] as Buffer }] : []));
  const lengthPipe = redis.pipeline();
  for (const { fp, key } of known) lengthPipe.call(LENGTH_COMMAND.get(fp.type) ?? "STRLEN", key);
  const lengths = unwrapResults(await lengthPipe.exec(), "length");
  known.forEach((k, i) => (k.fp.length = asNumber(lengths[i], "length")));

  const small = known.filter(({ fp }) => (fp.type === "string" ? fp.length <= maxStringBytes : fp.length <= batch));
  const pipe = redis.pipeline();
  for (const { fp, key } of small) readWhole(pipe, fp.type, key);
  const whole = unwrapResults(await pipe.exec(), "read");
  small.forEach(({ fp }, i) => (fp.digest = digestWhole(fp.type, whole[i])));

  for (const { fp, key } of known) {
    if (fp.type !== "string" && fp.length > batch && fp.length <= maxElements) fp.digest = await readChunked(redis, fp.type, key, batch);
  }
  return fps;
}

function readWhole(p: ReturnType<Redis["pipeline"]>, type: string, key: Buffer): void {
  if (type === "string") p.callBuffer("GET", key);
  else if (type === "list") p.callBuffer("LRANGE", key, 0, -1);
  else if (type === "hash") p.callBuffer("HGETALL", key);
  else if (type === "set") p.callBuffer("SMEMBERS", key);
  else if (type === "zset") p.callBuffer("ZRANGE", key, 0, -1, "WITHSCORES");
  else p.callBuffer("XRANGE", key, "-", "+");
}

function digestWhole(type: string, reply: unknown): string {
  if (type === "string") return digestFlat(type, [reply === null ? Buffer.alloc(0) : asBuffer(reply, "GET")], 1);
  if (type === "stream") return addStreamEntries(new OrderedDigest(type), reply).digest.hex();
  return digestFlat(type, asBuffers(reply, type), STRIDE.get(type) ?? 1);
}

/** XRANGE reply [[id, [field, value, ...]], ...] -> digest; returns the last id for paging. */
function addStreamEntries(digest: OrderedDigest, reply: unknown): { digest: OrderedDigest; lastId: string | null; count: number } {
  const entries = Array.isArray(reply) ? (reply as unknown[]) : [];
  let lastId: string | null = null;
  for (const entry of entries) {
    if (!Array.isArray(entry) || entry.length !== 2) throw new TypeError("XRANGE: unexpected entry shape");
    const id = asBuffer(entry[0], "XRANGE id");
    digest.add(id, ...asBuffers(entry[1], "XRANGE fields"));
    lastId = id.toString("latin1");
  }
  return { digest, lastId, count: entries.length };
}

/** Values between one batch and the budget: read in batches, never more than `batch` per reply. */
async function readChunked(redis: Redis, type: string, key: Buffer, batch: number): Promise<string> {
  if (type === "hash" || type === "set") {
    const digest = new UnorderedDigest(type);
    const seen = new Set<string>(); // SCAN may repeat elements; the sum must see each once
    const stride = type === "hash" ? 2 : 1;
    let cursor = "0";
    do {
      const reply = asScanReply(await redis.callBuffer(type === "hash" ? "HSCAN" : "SSCAN", [key, cursor, "COUNT", batch]), "SCAN");
      for (let i = 0; i + stride <= reply.items.length; i += stride) {
        const group = reply.items.slice(i, i + stride);
        const id = group[0]?.toString("latin1") ?? "";
        if (seen.has(id)) continue;
        seen.add(id);
        digest.add(...group);
      }
      cursor = reply.cursor;
    } while (cursor !== "0");
    return digest.hex();
  }
  const digest = new OrderedDigest(type);
  if (type === "stream") {
    let start = "-";
    for (;;) {
      const page = addStreamEntries(digest, await redis.callBuffer("XRANGE", [key, start, "+", "COUNT", batch]));
      if (page.count < batch || page.lastId === null) return digest.hex();
      start = `(${page.lastId}`;
    }
  }
  const stride = type === "zset" ? 2 : 1;
  for (let offset = 0; ; offset += batch) {
    const args = type === "zset" ? [key, offset, offset + batch - 1, "WITHSCORES"] : [key, offset, offset + batch - 1];
    const flat = asBuffers(await redis.callBuffer(type === "zset" ? "ZRANGE" : "LRANGE", args), type);
    for (let i = 0; i + stride <= flat.length; i += stride) digest.add(...flat.slice(i, i + stride));
    if (flat.length < batch * stride) return digest.hex();
  }
}
