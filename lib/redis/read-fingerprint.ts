// Read fingerprints for a batch of keys from one node, sizes first: TYPE+PEXPIRETIME, then lengths
// and MEMORY USAGE (lib/redis/sizes.ts), then bounded reads (lib/redis/digest-readers.ts). Every
// round pipelines one bounded command per value still being read, so a page of small keys costs a
// handful of round trips and a 100 MB string costs a few hundred 256 KiB windows, never one big
// reply. Values over the element/byte limits, or whose elements are too large to read in one
// bounded command, get digest null (compared by type, length and TTL) with the reason in `unread`.
import type Redis from "ioredis";
import { ensureDb } from "./db";
import { asNumber, asText, unwrapResults } from "./reply";
import { probeSizes } from "./sizes";
import { digestReader, type DigestReader } from "./digest-readers";
import type { KeyFingerprint } from "./fingerprint";

export interface FingerprintOptions {
  /** Same connection contract as lib/keys (dedicated connection; SELECT only when needed). */
  db: number;
  /** Collections with more elements get digest null: compared by type, length and TTL only. */
  maxElements?: number;
  /** Strings longer than this get digest null. */
  maxStringBytes?: number;
  /** Most elements one read asks for (fewer when elements are large). */
  batch?: number;
}

/** Replies one pipeline may hold at once (each reply is itself bounded by the read budget). */
const PIPELINE_BYTES = 4 * 1024 * 1024;

/** One fingerprint (or null when missing) per key, in the order given. Not atomic across keys. */
export async function readFingerprints(redis: Redis, keys: readonly Buffer[], opts: FingerprintOptions): Promise<(KeyFingerprint | null)[]> {
  const limits = { maxElements: opts.maxElements ?? 10_000, maxStringBytes: opts.maxStringBytes ?? 1024 * 1024, batch: Math.max(1, opts.batch ?? 1000) };
  await ensureDb(redis, opts.db);
  if (keys.length === 0) return [];

  const metaPipe = redis.pipeline();
  for (const key of keys) metaPipe.type(key).call("PEXPIRETIME", key);
  const meta = unwrapResults(await metaPipe.exec(), "TYPE/PEXPIRETIME");
  const fps: (KeyFingerprint | null)[] = keys.map((_, i) => {
    const type = asText(meta[2 * i], "TYPE");
    return type === "none" ? null : { type, length: 0, digest: null, expireAtMs: asNumber(meta[2 * i + 1], "PEXPIRETIME") };
  });

  const present = fps.flatMap((fp, i) => (fp ? [{ fp, key: keys[i] as Buffer }] : []));
  const sizes = await probeSizes(redis, present.map(({ fp, key }) => ({ key, type: fp.type })));
  const reading: { fp: KeyFingerprint; reader: DigestReader }[] = [];
  present.forEach(({ fp, key }, i) => {
    const size = sizes[i];
    if (!size) return;
    fp.length = size.length;
    const reader = digestReader(key, size, limits);
    if ("result" in reader) reading.push({ fp, reader });
    else fp.unread = reader.unread;
  });
  await drain(redis, reading.map((r) => r.reader));
  for (const { fp, reader } of reading) {
    fp.length = reader.length;
    fp.digest = reader.result();
    if (reader.unread) fp.unread = reader.unread;
  }
  return fps;
}

/** Rounds of one command per unfinished reader, pipelined in groups of at most PIPELINE_BYTES. */
async function drain(redis: Redis, readers: DigestReader[]): Promise<void> {
  let active = readers;
  while (active.length > 0) {
    const calls = active.flatMap((reader) => {
      const call = reader.next();
      return call ? [{ reader, call }] : [];
    });
    for (let i = 0; i < calls.length; ) {
      const pipe = redis.pipeline();
      const group: typeof calls = [];
      let bytes = 0;
      for (; i < calls.length && (group.length === 0 || bytes + (calls[i]?.call.bytes ?? 0) <= PIPELINE_BYTES); i++) {
        const c = calls[i] as (typeof calls)[number];
        pipe.callBuffer(c.call.cmd, ...c.call.args);
        group.push(c);
        bytes += c.call.bytes;
      }
      const replies = unwrapResults(await pipe.exec(), "read");
      group.forEach((c, j) => c.reader.take(replies[j]));
    }
    active = calls.map((c) => c.reader);
  }
}
