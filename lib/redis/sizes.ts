// Sizes first: the length of each value, then MEMORY USAGE and OBJECT ENCODING for collections, in
// two pipelined round trips. The second stage waits for the first because MEMORY USAGE ... SAMPLES 0
// is only cheap on short collections (see lib/redis/budget.ts).
import type Redis from "ioredis";
import { memorySamples, type ValueSize } from "./budget";
import { asNumber, asText } from "./reply";

// A Map, not an object literal: module type names like "__proto__" must not hit the prototype.
export const LENGTH_COMMAND = new Map([
  ["string", "STRLEN"], ["list", "LLEN"], ["hash", "HLEN"], ["set", "SCARD"], ["zset", "ZCARD"], ["stream", "XLEN"],
]);

/**
 * One size per item, in order. Module types get length 0. A per-key failure (the key vanished or
 * changed type meanwhile, ACL refused MEMORY) leaves that size unknown rather than failing the batch:
 * the length then reads 0 and memory null, and readers fall back to their blind window.
 */
export async function probeSizes(redis: Redis, items: readonly { key: Buffer; type: string }[]): Promise<ValueSize[]> {
  const sizes: ValueSize[] = items.map(({ type }) => ({ type, length: 0, memory: null, encoding: null }));
  const known = items.flatMap((it, i) => (LENGTH_COMMAND.has(it.type) ? [i] : []));
  if (known.length === 0) return sizes;
  const lengths = redis.pipeline();
  for (const i of known) {
    const it = items[i] as { key: Buffer; type: string };
    lengths.call(LENGTH_COMMAND.get(it.type) ?? "STRLEN", it.key);
  }
  const lengthReplies = (await lengths.exec()) ?? [];
  const measured = new Set<number>();
  known.forEach((i, j) => {
    const [err, v] = lengthReplies[j] ?? [new Error("no reply"), 0];
    if (err) return;
    (sizes[i] as ValueSize).length = asNumber(v, "length");
    measured.add(i);
  });

  // Only where the length is known: SAMPLES 0 on a key that just became a huge collection would walk it.
  const collections = known.filter((i) => items[i]?.type !== "string" && measured.has(i));
  if (collections.length === 0) return sizes;
  const memory = redis.pipeline();
  for (const i of collections) {
    const key = (items[i] as { key: Buffer }).key;
    memory.call("MEMORY", "USAGE", key, "SAMPLES", String(memorySamples((sizes[i] as ValueSize).length))).call("OBJECT", "ENCODING", key);
  }
  const memoryReplies = (await memory.exec()) ?? [];
  collections.forEach((i, j) => {
    const size = sizes[i] as ValueSize;
    const [memErr, mem] = memoryReplies[2 * j] ?? [null, null];
    const [encErr, enc] = memoryReplies[2 * j + 1] ?? [null, null];
    if (!memErr && mem !== null && mem !== undefined) size.memory = asNumber(mem, "MEMORY USAGE");
    if (!encErr && enc !== null && enc !== undefined) size.encoding = asText(enc, "OBJECT ENCODING");
  });
  return sizes;
}
