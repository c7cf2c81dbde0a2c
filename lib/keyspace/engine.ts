// The keyspace engine: one streaming loop that browse, compare and export share. Names come from a
// SCAN walk (./scan-source), are cut into batches of `batchKeys`, and each batch goes through
// `read` (typically one read-only script per node) with at most `window` batches in flight, so the
// server always has the next call queued, yet another client's PING never waits behind more than
// `window` short calls. `write` consumes results in SCAN order and may hand names back (a script
// that stopped at its reply budget); those go to the front of the queue. The walk is pulled only
// while fewer than batchKeys × window names wait, which bounds memory whatever the keyspace size.
// An optional token bucket (./rate-limit) is charged before each batch is read.
import type { RateLimiter } from "./rate-limit";
import type { ScanStep } from "./scan-source";

export interface EngineProgress {
  /** Keys examined by SCAN (see ScanStep.examined). */
  examined: number;
  /** Names handed to `read` (a name handed back and read again counts once). */
  keys: number;
  batches: number;
}

export interface EngineOptions<R> {
  source: AsyncIterable<ScanStep>;
  batchKeys: number;
  window: number;
  read: (keys: Buffer[]) => Promise<R>;
  /** Called in order; returns names to read again (they go first), or nothing. */
  write: (keys: Buffer[], result: R) => Promise<Buffer[] | void> | Buffer[] | void;
  limiter?: RateLimiter;
  signal?: AbortSignal;
  /** After each SCAN step, with the running totals (progress reports). */
  onStep?: (step: ScanStep, progress: EngineProgress) => void;
}

export class EngineCancelled extends Error {
  constructor() {
    super("cancelled");
  }
}

export async function runEngine<R>(o: EngineOptions<R>): Promise<EngineProgress> {
  if (!Number.isInteger(o.batchKeys) || o.batchKeys < 1) throw new RangeError("batchKeys must be a positive integer");
  if (!Number.isInteger(o.window) || o.window < 1) throw new RangeError("window must be a positive integer");
  const progress: EngineProgress = { examined: 0, keys: 0, batches: 0 };
  const source = o.source[Symbol.asyncIterator]();
  const inflight: { keys: Buffer[]; result: Promise<R>; retried: number }[] = [];
  let queue: Buffer[] = [];
  let retried = 0; // how many names at the queue's front were handed back (not counted again)
  let sourceDone = false;
  try {
    for (;;) {
      if (o.signal?.aborted) throw new EngineCancelled();
      while (!sourceDone && queue.length < o.batchKeys * o.window) {
        const next = await source.next();
        if (next.done) sourceDone = true;
        else {
          progress.examined += next.value.examined;
          if (next.value.keys.length > 0) queue = queue.concat(next.value.keys);
          o.onStep?.(next.value, progress);
        }
        if (o.signal?.aborted) throw new EngineCancelled();
      }
      while (inflight.length < o.window && queue.length > 0) {
        const keys = queue.slice(0, o.batchKeys);
        queue = queue.slice(o.batchKeys);
        const again = Math.min(retried, keys.length);
        retried -= again;
        if (o.limiter) await o.limiter.take(keys.length - again, o.signal);
        if (o.signal?.aborted) throw new EngineCancelled();
        const result = o.read(keys);
        result.catch(() => undefined); // awaited in order below
        inflight.push({ keys, result, retried: again });
        progress.keys += keys.length - again;
        progress.batches++;
      }
      const head = inflight.shift();
      if (!head) {
        if (sourceDone) return progress;
        continue;
      }
      const back = await o.write(head.keys, await head.result);
      if (back && back.length > 0) {
        queue = back.concat(queue);
        retried += back.length;
      }
    }
  } finally {
    // Settle what is still running so no reply arrives after the caller moved on.
    await Promise.all(inflight.map((b) => b.result.catch(() => undefined)));
    if (!sourceDone) await source.return?.(undefined);
  }
}
