// The keyspace engine's loop on synthetic SCAN steps: batching, the in-flight window, order of
// writes, names handed back, back-pressure on the source, cancellation and the rate limit's charge.
import { test } from "node:test";
import assert from "node:assert/strict";
import { EngineCancelled, runEngine } from "../../lib/keyspace/engine";
import { RateLimiter } from "../../lib/keyspace/rate-limit";
import type { ScanStep } from "../../lib/keyspace/scan-source";

const names = (from: number, n: number) => Array.from({ length: n }, (_, i) => Buffer.from(`k${from + i}`));

/** Steps of `per` names each; records how many steps were pulled. */
function source(steps: number, per: number, pulled: { n: number }): AsyncIterable<ScanStep> {
  return {
    async *[Symbol.asyncIterator]() {
      for (let s = 0; s < steps; s++) {
        pulled.n++;
        yield { cursor: s === steps - 1 ? "0" : String(s + 1), keys: names(s * per, per), examined: per };
      }
    },
  };
}

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

test("every name is read once, in SCAN order, in batches of batchKeys", async () => {
  const written: string[] = [];
  const sizes: number[] = [];
  const p = await runEngine({
    source: source(7, 30, { n: 0 }),
    batchKeys: 50,
    window: 3,
    read: async (keys) => keys.map((k) => k.toString()),
    write: (keys, r) => {
      sizes.push(keys.length);
      written.push(...r);
    },
  });
  assert.deepEqual(written, names(0, 210).map(String));
  assert.ok(sizes.every((s) => s <= 50));
  assert.deepEqual(p, { examined: 210, keys: 210, batches: sizes.length });
});

test("at most `window` reads run at once, and the source is not pulled far ahead of them", async () => {
  const pulled = { n: 0 };
  const gates: { resolve: (v: null) => void }[] = [];
  let running = 0;
  let maxRunning = 0;
  const done = runEngine({
    source: source(100, 10, pulled),
    batchKeys: 10,
    window: 2,
    read: async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      const d = deferred<null>();
      gates.push(d);
      await d.promise;
      running--;
      return null;
    },
    write: () => undefined,
  });
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  // Two reads blocked: the engine holds at most batchKeys × window names, so few steps were pulled.
  assert.equal(gates.length, 2);
  assert.ok(pulled.n <= 4, `pulled ${pulled.n} steps while two reads were blocked`);
  while (gates.length > 0 || running > 0) {
    gates.shift()?.resolve(null);
    await new Promise((r) => setImmediate(r));
  }
  await done;
  assert.equal(maxRunning, 2);
  assert.equal(pulled.n, 100);
});

test("names handed back by write are read again first and counted once", async () => {
  const reads: string[][] = [];
  let first = true;
  const p = await runEngine({
    source: source(1, 6, { n: 0 }),
    batchKeys: 4,
    window: 1,
    read: async (keys) => {
      reads.push(keys.map(String));
      return keys;
    },
    write: (keys) => {
      if (!first) return;
      first = false;
      return keys.slice(2); // a reply budget that covered only two names
    },
  });
  assert.deepEqual(reads, [["k0", "k1", "k2", "k3"], ["k2", "k3", "k4", "k5"]]);
  assert.equal(p.keys, 6);
});

test("a failed read rejects the run after the other reads settle; an abort rejects with EngineCancelled", async () => {
  await assert.rejects(
    runEngine({ source: source(5, 10, { n: 0 }), batchKeys: 10, window: 3, read: async (k) => { if (k[0]?.toString() === "k20") throw new Error("NOPERM"); return null; }, write: () => undefined }),
    /NOPERM/,
  );
  const ac = new AbortController();
  await assert.rejects(
    runEngine({ source: source(50, 10, { n: 0 }), batchKeys: 10, window: 1, signal: ac.signal, read: async () => null, write: (keys) => { if (keys[0]?.toString() === "k100") ac.abort(); } }),
    EngineCancelled,
  );
});

test("the rate limit is charged once per name read (not again for names handed back)", async () => {
  const charged: number[] = [];
  const limiter = new RateLimiter(1_000_000);
  const take = limiter.take.bind(limiter);
  limiter.take = (n: number, s?: AbortSignal) => {
    charged.push(n);
    return take(n, s);
  };
  let back = true;
  await runEngine({
    source: source(2, 5, { n: 0 }),
    batchKeys: 5,
    window: 1,
    limiter,
    read: async (k) => k,
    write: (keys) => {
      if (!back) return;
      back = false;
      return keys.slice(3);
    },
  });
  assert.equal(charged.reduce((a, b) => a + b, 0), 10);
});
