// The login throttle's two layers and its bounded, lock-preserving eviction (finding 3 of issue 9:
// 10,050 failed logins with unique names used to evict admin's lock from a 10,000-entry FIFO table).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { clientKey, LoginLimiter, type Verdict } from "../../lib/auth/rate-limit";

const T0 = 1_800_000_000_000;

/** What the login route does: ask first, count a failure only when the attempt was allowed. */
function attempt(l: LoginLimiter, client: string, user: string, now: number): Verdict {
  const v = l.check(client, user, now);
  if (v.allowed) l.fail(client, user, now);
  return v;
}

function lockAdmin(l: LoginLimiter, client: string): void {
  for (let i = 0; i < 6; i++) attempt(l, client, "admin", T0);
  const v = l.check(client, "admin", T0);
  assert.equal(v.allowed, false, "admin is locked after 5 failures");
}

describe("login throttle", () => {
  test("per (client, user): 5 free failures, then waits that double; another name is not affected", () => {
    const l = new LoginLimiter();
    for (let i = 0; i < 5; i++) assert.deepEqual(attempt(l, "10.0.0.1", "otto", T0), { allowed: true });
    const v = l.check("10.0.0.1", "otto", T0);
    assert.equal(v.allowed, false);
    assert.equal(!v.allowed && v.scope, "user");
    assert.equal(!v.allowed && v.retryAfterMs, 1000);
    l.fail("10.0.0.1", "otto", T0 + 1000);
    const again = l.check("10.0.0.1", "otto", T0 + 1000);
    assert.equal(!again.allowed && again.retryAfterMs, 2000, "the wait doubles");
    assert.deepEqual(l.check("10.0.0.1", "vera", T0), { allowed: true });
    assert.deepEqual(l.check("10.0.0.2", "otto", T0), { allowed: true }, "another client is not locked by otto's failures");
  });

  test("per client: past 20 failures with any names the client waits, whatever name it tries next", () => {
    const l = new LoginLimiter();
    for (let i = 0; i < 20; i++) assert.equal(attempt(l, "10.0.0.1", `name-${i}`, T0).allowed, true);
    const v = l.check("10.0.0.1", "never-tried", T0);
    assert.equal(v.allowed, false);
    assert.equal(!v.allowed && v.scope, "client");
    assert.deepEqual(l.check("10.0.0.2", "never-tried", T0), { allowed: true });
  });

  test("a successful login clears the name's failures but not the client's count", () => {
    const l = new LoginLimiter({ freeFailuresPerClient: 6 });
    for (let i = 0; i < 4; i++) attempt(l, "c", "otto", T0);
    l.succeed("c", "otto");
    assert.equal(l.sizes().users, 0);
    for (let i = 0; i < 3; i++) attempt(l, "c", "vera", T0);
    assert.equal(l.check("c", "anyone", T0).allowed, false, "7 failures from the client in all");
  });

  test("regression: admin stays locked through 10,050 failed logins with unique names from the same client", () => {
    const l = new LoginLimiter();
    lockAdmin(l, "127.0.0.1");
    const outcomes = { allowed: 0, refused: 0 };
    for (let i = 0; i < 10_050; i++) outcomes[attempt(l, "127.0.0.1", `u${i}`, T0).allowed ? "allowed" : "refused"]++;
    assert.deepEqual(outcomes, { allowed: 15, refused: 10_035 }, "the flood itself is throttled per client");
    assert.equal(l.check("127.0.0.1", "admin", T0).allowed, false);
  });

  /** After the flood, admin's lock has run out; one more failure must lock again (the count was kept). */
  function assertAdminCountKept(l: LoginLimiter, client: string, now: number): void {
    assert.deepEqual(l.check(client, "admin", now), { allowed: true }, "the 1 s lock has run out");
    l.fail(client, "admin", now);
    const v = l.check(client, "admin", now);
    assert.equal(v.allowed, false, "one more failure locks again: admin's count survived the flood");
    assert.equal(!v.allowed && v.scope, "user");
    assert.equal(!v.allowed && v.retryAfterMs, 2000, "and for longer");
  }

  test("regression: with the client layer out of the way, the name layer alone keeps admin's count through 10,050 unique names", () => {
    const l = new LoginLimiter({ freeFailuresPerClient: Number.MAX_SAFE_INTEGER });
    lockAdmin(l, "127.0.0.1");
    const later = T0 + 18_000;
    for (let i = 0; i < 10_050; i++) attempt(l, "127.0.0.1", `u${i}`, later);
    assert.ok(l.sizes().users <= 100, `one client holds at most 100 names, has ${l.sizes().users}`);
    assertAdminCountKept(l, "127.0.0.1", later);
  });

  test("regression: 10,050 unique names spread over 1,005 clients cannot reset admin's count either", () => {
    const l = new LoginLimiter();
    lockAdmin(l, "127.0.0.1");
    const later = T0 + 18_000;
    for (let i = 0; i < 10_050; i++) attempt(l, `10.0.${Math.floor(i / 10) >> 8}.${Math.floor(i / 10) & 255}`, `u${i}`, later);
    assert.ok(l.sizes().users <= 10_000, `bounded: ${l.sizes().users}`);
    assertAdminCountKept(l, "127.0.0.1", later);
  });

  test("memory stays bounded even when every entry is locked: the oldest lock goes last", () => {
    const l = new LoginLimiter({ freeFailures: 0, freeFailuresPerClient: 0, maxUsers: 3, usersPerClient: 3, maxClients: 3 });
    for (const name of ["a", "b", "c", "d"]) l.fail("c1", name, T0);
    assert.equal(l.sizes().users, 3);
    const l2 = new LoginLimiter({ freeFailures: 0, freeFailuresPerClient: Number.MAX_SAFE_INTEGER, maxUsers: 3, usersPerClient: 3 });
    for (const name of ["a", "b", "c", "d"]) l2.fail("c1", name, T0);
    assert.deepEqual(l2.check("c1", "a", T0), { allowed: true }, "the oldest lock was evicted");
    assert.equal(l2.check("c1", "d", T0).allowed, false);
    for (const c of ["c1", "c2", "c3", "c4", "c5"]) l.fail(c, "x", T0);
    assert.equal(l.sizes().clients, 3);
  });

  test("client table: unlocked clients are evicted before a locked one", () => {
    const l = new LoginLimiter({ maxClients: 3, freeFailuresPerClient: 2 });
    for (let i = 0; i < 3; i++) l.fail("locked", `n${i}`, T0);
    assert.equal(l.check("locked", "new", T0).allowed, false);
    for (let i = 0; i < 50; i++) l.fail(`c${i}`, "x", T0);
    assert.equal(l.sizes().clients, 3);
    const v = l.check("locked", "new", T0);
    assert.equal(v.allowed, false);
    assert.equal(!v.allowed && v.scope, "client");
  });

  test("failures older than forgetAfterMs are forgotten and their entries dropped", () => {
    const l = new LoginLimiter({ forgetAfterMs: 60_000 });
    for (let i = 0; i < 6; i++) l.fail("c", "otto", T0);
    assert.equal(l.check("c", "otto", T0).allowed, false);
    assert.deepEqual(l.check("c", "otto", T0 + 60_001), { allowed: true });
    assert.deepEqual(l.sizes(), { clients: 0, users: 0 });
  });

  test("firstRefusal is true once per lock (one audit line per lock, not per attempt)", () => {
    const l = new LoginLimiter();
    for (let i = 0; i < 5; i++) l.fail("c", "otto", T0);
    const first = l.check("c", "otto", T0);
    const second = l.check("c", "otto", T0);
    assert.equal(!first.allowed && first.firstRefusal, true);
    assert.equal(!second.allowed && second.firstRefusal, false);
    l.fail("c", "otto", T0 + 2000);
    const renewed = l.check("c", "otto", T0 + 2000);
    assert.equal(!renewed.allowed && renewed.firstRefusal, true);
  });

  test("clientKey: IPv4 as is, IPv4-mapped IPv6 as IPv4, IPv6 by its /64", () => {
    assert.equal(clientKey("127.0.0.1"), "127.0.0.1");
    assert.equal(clientKey("::ffff:127.0.0.1"), "127.0.0.1");
    assert.equal(clientKey("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
    assert.equal(clientKey("2001:DB8:1:2::9"), "2001:db8:1:2::/64");
    assert.equal(clientKey("2001:db8:0001:0002:ffff::1"), "2001:db8:1:2::/64");
    assert.notEqual(clientKey("2001:db8:1:3::1"), clientKey("2001:db8:1:2::1"));
    assert.equal(clientKey("fe80::1%eth0"), "fe80:0:0:0::/64");
    assert.equal(clientKey("::1"), "0:0:0:0::/64");
  });
});
