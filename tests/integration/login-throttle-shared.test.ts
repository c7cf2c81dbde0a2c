// The failed-login throttle shared through a real coordination redis-server: two limiters (two
// instances, each on its own connection) count into the same keys, so failures made on A lock the
// same client on B; every key expires; names are hashed; and with the Redis gone each instance
// still limits on its own counts.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type Redis from "ioredis";
import { createCoordinationRedis } from "../../lib/fleet/coordination";
import { startRedis, type LocalRedis } from "../../lib/redis/local-server";
import { LoginLimiter, type Verdict } from "../../lib/auth/rate-limit";
import { SharedLoginLimiter, throttleKeys } from "../../lib/auth/shared-rate-limit";
import { waitFor } from "../support/wait";

/** What the login route does: ask first, count a failure only when the attempt was allowed. */
async function attempt(l: SharedLoginLimiter, client: string, user: string): Promise<Verdict> {
  const v = await l.check(client, user, Date.now());
  if (v.allowed) await l.fail(client, user, Date.now());
  return v;
}

describe("shared login throttle (coordination Redis)", () => {
  let coord: LocalRedis;
  let ra: Redis;
  let rb: Redis;
  let admin: Redis;
  let a: SharedLoginLimiter;
  let b: SharedLoginLimiter;
  const logs: string[] = [];
  let n = 0;
  /** A fresh prefix per test: tests do not see each other's counts. */
  const limiters = () => {
    const prefix = `t${++n}:login:`;
    const opts = { prefix, log: (m: string) => logs.push(m) };
    a = new SharedLoginLimiter(ra, new LoginLimiter(), opts);
    b = new SharedLoginLimiter(rb, new LoginLimiter(), opts);
    return prefix;
  };

  before(async () => {
    coord = await startRedis();
    const url = `redis://127.0.0.1:${coord.port}`;
    ra = createCoordinationRedis(url, { commandTimeoutMs: 300 });
    rb = createCoordinationRedis(url, { commandTimeoutMs: 300 });
    admin = createCoordinationRedis(url);
    await waitFor("clients ready", () => [ra.status, rb.status, admin.status], (s) => s.every((x) => x === "ready"));
  });
  after(async () => {
    ra?.disconnect();
    rb?.disconnect();
    admin?.disconnect();
    await coord?.stop();
  });

  test("five failures for a name on A lock that name from that client on B; another client and name are free", async () => {
    limiters();
    for (let i = 0; i < 5; i++) assert.deepEqual(await attempt(a, "10.0.0.1", "otto"), { allowed: true }, `failure ${i + 1} is allowed`);
    const onB = await b.check("10.0.0.1", "otto", Date.now());
    assert.equal(onB.allowed, false, "B refuses: the count is shared");
    assert.ok(!onB.allowed && onB.scope === "user" && onB.retryAfterMs > 0 && onB.retryAfterMs <= 1000, JSON.stringify(onB));
    assert.ok(!onB.allowed && onB.firstRefusal, "the first refusal of this lock, wherever it happens, is reported");
    const again = await a.check("10.0.0.1", "otto", Date.now());
    assert.ok(!again.allowed && !again.firstRefusal, "the second refusal (on A) is not reported again");
    assert.deepEqual(await b.check("10.0.0.2", "otto", Date.now()), { allowed: true });
    assert.deepEqual(await b.check("10.0.0.1", "vera", Date.now()), { allowed: true });
    assert.equal(a.mode(), "shared");
  });

  test("failures spread over A and B add up to the client limit (20), whatever names are tried", async () => {
    limiters();
    for (let i = 0; i < 20; i++) {
      const v = await attempt(i % 2 ? a : b, "10.0.0.9", `name-${i}`);
      assert.equal(v.allowed, true, `failure ${i + 1}`);
    }
    const v = await a.check("10.0.0.9", "never-tried", Date.now());
    assert.ok(!v.allowed && v.scope === "client", JSON.stringify(v));
    // Alone, each instance would have seen 10 failures and let a 21st attempt through.
    assert.deepEqual(a.local.check("10.0.0.9", "never-tried", Date.now()), { allowed: true });
  });

  test("the wait doubles with each failure past the free ones, counted on either instance", async () => {
    limiters();
    for (let i = 0; i < 5; i++) await attempt(i % 2 ? a : b, "10.0.0.3", "otto");
    // Past the lock (1 s), the next attempt (counted as it is allowed) locks for 2 s once it fails.
    await waitFor("the 1 s lock to end", () => a.check("10.0.0.3", "otto", Date.now()), (v) => v.allowed, 3000);
    await a.fail("10.0.0.3", "otto", Date.now());
    const v = await a.check("10.0.0.3", "otto", Date.now());
    assert.ok(!v.allowed && v.retryAfterMs > 1000 && v.retryAfterMs <= 2000, JSON.stringify(v));
  });

  test("a successful login on B clears that name's lock for A; the client keeps its real failures", async () => {
    const prefix = limiters();
    for (let i = 0; i < 5; i++) await attempt(a, "10.0.0.4", "otto");
    assert.equal((await a.check("10.0.0.4", "otto", Date.now())).allowed, false);
    // The 1 s lock ends; the right password on B.
    await waitFor("B lets otto try", () => b.check("10.0.0.4", "otto", Date.now()), (v) => v.allowed, 3000);
    await b.succeed("10.0.0.4", "otto");
    const k = throttleKeys("10.0.0.4", "otto", prefix);
    assert.equal(await admin.get(k.clientCount), "5", "the successful attempt is taken back, the 5 failures stay");
    assert.equal(await admin.exists(k.userCount, k.userLock), 0);
    assert.deepEqual(await a.check("10.0.0.4", "otto", Date.now()), { allowed: true });
  });

  test("a burst of parallel attempts on both instances gets no more tries than one at a time", async () => {
    limiters();
    const burst = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? a : b).check("10.0.0.7", "otto", Date.now())));
    assert.equal(burst.filter((v) => v.allowed).length, 5, "the 5 free failures for the name, no more");
    const names = await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? a : b).check("10.0.0.8", `name-${i}`, Date.now())));
    assert.equal(names.filter((v) => v.allowed).length, 20, "the 20 free failures for the client, whatever the names");
    assert.equal(names.filter((v) => !v.allowed && v.firstRefusal).length, 1, "one refusal reported for the lock");
  });

  test("a successful login that was the client's 20th attempt leaves no client lock behind", async () => {
    const prefix = limiters();
    for (let i = 0; i < 19; i++) await attempt(i % 2 ? a : b, "10.0.0.10", `name-${i}`);
    assert.equal((await a.check("10.0.0.10", "otto", Date.now())).allowed, true);
    await a.succeed("10.0.0.10", "otto");
    const k = throttleKeys("10.0.0.10", "otto", prefix);
    assert.equal(await admin.get(k.clientCount), "19");
    assert.equal(await admin.exists(k.clientLock), 0);
    assert.equal((await b.check("10.0.0.10", "vera", Date.now())).allowed, true, "the next attempt is the 20th failure, still allowed");
    assert.equal((await b.check("10.0.0.10", "vera", Date.now())).allowed, false, "and now the client waits");
  });

  test("every key expires, and none holds the user name or the address", async () => {
    const prefix = limiters();
    for (let i = 0; i < 6; i++) await attempt(a, "192.168.7.7", "secret-user");
    const keys: string[] = [];
    let cursor = "0";
    do {
      const [next, batch] = await admin.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 100);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== "0");
    assert.equal(keys.length, 3, `client count, user count, user lock: ${keys.join(" ")}`);
    for (const key of keys) {
      assert.doesNotMatch(key, /secret-user|192\.168/);
      const ttl = await admin.pttl(key);
      assert.ok(ttl > 0 && ttl <= 60 * 60_000, `${key} expires (pttl ${ttl})`);
    }
  });

  test("without the coordination Redis, each instance still limits on its own failures, and says so", async () => {
    limiters();
    await attempt(a, "10.0.0.5", "otto"); // counted in Redis and locally
    await coord.stop();
    try {
      for (let i = 0; i < 4; i++) assert.equal((await attempt(a, "10.0.0.5", "otto")).allowed, true, `failure ${i + 2} while Redis is away`);
      assert.equal(a.mode(), "local");
      const v = await a.check("10.0.0.5", "otto", Date.now());
      assert.ok(!v.allowed && v.scope === "user", `A's own five failures lock it: ${JSON.stringify(v)}`);
      assert.deepEqual(await b.check("10.0.0.5", "otto", Date.now()), { allowed: true }, "B saw none of them (the degraded mode's known cost)");
      assert.ok(logs.some((m) => /unreachable.*this instance only/.test(m)), logs.join("\n"));
    } finally {
      await coord.restart();
    }
    await waitFor("A back on the shared counts", () => a.check("10.0.0.6", "otto", Date.now()).then(() => a.mode()), (m) => m === "shared", 10_000, 100);
    assert.ok(logs.some((m) => /reachable again/.test(m)));
  });
});
