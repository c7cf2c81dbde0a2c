// The optional step of a restore drill: the sandbox (the data as it was at backup time) against
// the live master, to say what changed since. SCAN both sides in bounded batches and compare with
// the compare engine's fingerprints (lib/redis/fingerprint.ts); reads on the live master go
// through the bounded readers and a keys-per-second limit, and stop after `maxKeys` per side
// (then the counts are lower bounds and the result says so). Nothing is held but counts and a
// few samples.
import type Redis from "ioredis";
import { displayKey } from "../keys/codec";
import { RateLimiter } from "../keyspace/rate-limit";
import { compareFingerprints } from "../redis/fingerprint";
import { parseInfo, parseKeyspace } from "../redis/info";
import { readFingerprints } from "../redis/read-fingerprint";
import { unwrapResults } from "../redis/reply";
import { scanWalk } from "../keyspace/scan-source";
import type { LiveComparison } from "./restore-types";

export interface LiveCompareOptions {
  node: string;
  maxKeys?: number;
  batch?: number;
  /** Keys per second read from the live master. */
  maxKeysPerSec?: number;
  samples?: number;
  signal: AbortSignal;
}

export async function compareWithLive(sandbox: Redis, live: Redis, o: LiveCompareOptions): Promise<LiveComparison> {
  const maxKeys = o.maxKeys ?? 100_000;
  const batch = o.batch ?? 500;
  const limiter = new RateLimiter(o.maxKeysPerSec ?? 20_000);
  const r: LiveComparison = { node: o.node, added: 0, removed: 0, changed: 0, unchanged: 0, samples: [], truncated: null, error: null };
  const sample = (kind: LiveComparison["samples"][number]["kind"], key: Buffer, detail: string) => {
    if (r.samples.filter((s) => s.kind === kind).length < (o.samples ?? 10)) r.samples.push({ kind, key: displayKey(key), detail });
  };
  const dbsOf = async (redis: Redis) => parseKeyspace(parseInfo(await redis.info("keyspace")).keyspace).map((d) => d.db);
  const dbs = [...new Set([...(await dbsOf(sandbox)), ...(await dbsOf(live))])].sort((a, b) => a - b);
  let seenSandbox = 0;
  let seenLive = 0;
  try {
    for (const db of dbs) {
      // The backup's keys: removed, changed or unchanged on the live master.
      seenSandbox = await scanDb(sandbox, db, batch, maxKeys - seenSandbox, o.signal, async (keys) => {
        await limiter.take(keys.length, o.signal);
        const [mine, theirs] = await Promise.all([readFingerprints(sandbox, keys, { db }), readFingerprints(live, keys, { db })]);
        keys.forEach((key, i) => {
          const before = mine[i] ?? null;
          if (!before) return; // expired in the sandbox meanwhile
          const diff = compareFingerprints(before, theirs[i] ?? null, 0);
          if (!diff) r.unchanged++;
          else if (diff.kind === "missing-on-replica") {
            r.removed++;
            sample("removed", key, `${before.type} in the backup, gone from the live master`);
          } else {
            r.changed++;
            sample("changed", key, diff.detail.replace(/ on master/g, " in the backup").replace(/ on replica/g, " on the live master").replace(/replica /g, "live master "));
          }
        });
      }, seenSandbox);
      // The live master's keys the backup does not have: added since.
      seenLive = await scanDb(live, db, batch, maxKeys - seenLive, o.signal, async (keys) => {
        await limiter.take(keys.length, o.signal);
        const pipe = sandbox.pipeline();
        for (const k of keys) pipe.exists(k);
        const exists = unwrapResults(await pipe.exec(), "EXISTS");
        keys.forEach((key, i) => {
          if (exists[i] === 0) {
            r.added++;
            sample("added", key, "on the live master, not in the backup");
          }
        });
      }, seenLive);
    }
    await sandbox.select(0);
    if (seenSandbox >= maxKeys || seenLive >= maxKeys) r.truncated = `stopped after ${maxKeys.toLocaleString("en-US")} keys per side: the counts are lower bounds`;
  } catch (err) {
    r.error = err instanceof Error ? err.message.slice(0, 300) : String(err);
  }
  return r;
}

/** SCAN `db` on `redis` (SELECTing it), handing batches to `each` until `budget` keys; returns keys seen so far. */
async function scanDb(redis: Redis, db: number, count: number, budget: number, signal: AbortSignal, each: (keys: Buffer[]) => Promise<void>, seen: number): Promise<number> {
  if (budget <= 0) return seen;
  await redis.select(db);
  let left = budget;
  for await (const page of scanWalk(redis, { count, signal })) {
    const keys = page.keys.slice(0, left);
    if (keys.length) await each(keys);
    left -= keys.length;
    seen += keys.length;
    if (left <= 0) break;
  }
  if (signal.aborted) throw new Error("the restore drill was stopped");
  return seen;
}
