// Replication offsets for lag-aware comparisons. On a master, master_repl_offset is what it has
// produced; on a replica, slave_repl_offset is what it has applied. A replica read reflects the
// master's state at master offset O only once the replica's applied offset is >= O.
import type Redis from "ioredis";
import { parseInfo } from "./info";

export async function readReplOffset(redis: Redis): Promise<number | null> {
  const info = parseInfo(await redis.info("replication")).replication ?? {};
  const raw = info.role === "slave" ? (info.slave_repl_offset ?? info.master_repl_offset) : info.master_repl_offset;
  const n = Number(raw);
  return raw !== undefined && Number.isFinite(n) ? n : null;
}

/** Polls the replica until it has applied `target` or `timeoutMs` passed; returns its last offset. */
export async function waitForOffset(replica: Redis, target: number, timeoutMs: number, signal?: AbortSignal): Promise<number | null> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 2; ; delay = Math.min(delay * 2, 100)) {
    const offset = await readReplOffset(replica);
    if (offset === null || offset >= target || Date.now() >= deadline || signal?.aborted) return offset;
    await new Promise((r) => setTimeout(r, delay));
  }
}
