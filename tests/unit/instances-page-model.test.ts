// The instances page's pure state: refresh results, the data's age and staleness, and lease
// countdowns from the moment an answer arrived.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ageText, formatSpan, freshness, INITIAL, instancesReducer, leaseTone, leftNow, STALE_MS } from "../../components/instances/model";
import type { InstancesAnswer } from "../../lib/fleet/instances";

const single: InstancesAnswer = { mode: "single", at: 1000, instance: { id: null, startedAt: 0, topologies: ["a"] } };

describe("instances page state", () => {
  test("loading, then current, then stale by age; a failure keeps the last answer and marks it stale", () => {
    assert.deepEqual(freshness(INITIAL, 0), { kind: "loading" });
    const failedFirst = instancesReducer(INITIAL, { type: "failed", error: "HTTP 500" });
    assert.deepEqual(freshness(failedFirst, 0), { kind: "failed", error: "HTTP 500" });
    const loaded = instancesReducer(failedFirst, { type: "loaded", data: single, at: 10_000 });
    assert.equal(loaded.failures, 0);
    assert.deepEqual(freshness(loaded, 11_500), { kind: "current", ageMs: 1500 });
    assert.deepEqual(freshness(loaded, 10_000 + STALE_MS + 1), { kind: "stale", ageMs: STALE_MS + 1, error: null });
    const failed = instancesReducer(loaded, { type: "failed", error: "no answer within 5 s" });
    assert.equal(failed.data, single, "the last answer stays");
    assert.equal(failed.failures, 1);
    assert.deepEqual(freshness(failed, 10_500), { kind: "stale", ageMs: 500, error: "no answer within 5 s" });
    assert.equal(instancesReducer(failed, { type: "failed", error: "x" }).failures, 2);
  });

  test("a clock that went back never shows a negative age", () => {
    const loaded = instancesReducer(INITIAL, { type: "loaded", data: single, at: 10_000 });
    assert.deepEqual(freshness(loaded, 9_000), { kind: "current", ageMs: 0 });
  });

  test("lease countdowns and wording", () => {
    assert.equal(leftNow(4800, 1300), 3500);
    assert.equal(leftNow(800, 1300), 0);
    assert.equal(leftNow(null, 1300), null);
    assert.equal(leaseTone(3500), "ok");
    assert.equal(leaseTone(999), "expiring");
    assert.equal(leaseTone(null), "unknown");
    assert.equal(formatSpan(3456), "3.5 s");
    assert.equal(formatSpan(42_000), "42 s");
    assert.equal(formatSpan(185_000), "3m 5s");
    assert.equal(formatSpan(3 * 3600_000 + 600_000), "3h 10m");
    assert.equal(formatSpan(null), "—");
    assert.equal(formatSpan(-5), "0.0 s");
    assert.equal(ageText({ kind: "current", ageMs: 400 }), "updated just now");
    assert.equal(ageText({ kind: "stale", ageMs: 12_000, error: null }), "updated 12 s ago");
    assert.equal(ageText({ kind: "loading" }), "loading…");
  });
});

describe("who held what, as the page saw it", () => {
  const fleet = (owners: Record<string, [string, number] | null>, overviewError: string | null = null): InstancesAnswer => {
    const ids = [...new Set(Object.values(owners).flatMap((o) => (o ? [o[0]] : [])))];
    return {
      mode: "fleet",
      at: 0,
      answeredBy: "a",
      members: ids,
      rebalances: { acquisitions: 0, losses: { released: 0, expired: 0, taken: 0, stopped: 0 } },
      coordination: { target: "h:1", reachable: overviewError === null, lastError: null },
      overviewError,
      instances: ids.map((id) => ({
        id,
        address: id,
        startedAt: 0,
        self: id === "a",
        live: true,
        leases: Object.entries(owners).flatMap(([topology, o]) => (o && o[0] === id ? [{ topology, token: o[1], ttlMs: 4000, heldForMs: null, remainingMs: null }] : [])),
      })),
      unowned: Object.entries(owners).flatMap(([t, o]) => (o ? [] : [t])),
    };
  };

  test("what was so when the page opened has no known moment; a new owner, token or unowned spell does", () => {
    let s = instancesReducer(INITIAL, { type: "loaded", data: fleet({ orders: ["b", 10], cache: ["a", 20] }), at: 1000 });
    assert.deepEqual(s.holdings.orders, { owner: "b", token: 10, since: 1000, changed: false });
    s = instancesReducer(s, { type: "loaded", data: fleet({ orders: null, cache: ["a", 20] }), at: 3000 });
    assert.deepEqual(s.holdings.orders, { owner: "", token: null, since: 3000, changed: true });
    assert.deepEqual(s.holdings.cache, { owner: "a", token: 20, since: 1000, changed: false }, "unchanged keeps its moment");
    s = instancesReducer(s, { type: "loaded", data: fleet({ orders: ["c", 11], cache: ["a", 20] }), at: 5000 });
    assert.deepEqual(s.holdings.orders, { owner: "c", token: 11, since: 5000, changed: true });
    s = instancesReducer(s, { type: "loaded", data: fleet({ orders: ["c", 12], cache: ["a", 20] }), at: 7000 });
    assert.equal(s.holdings.orders?.since, 7000, "re-acquired by the same owner: a new token is a new lease");
  });

  test("an answer without the fleet keeps what was seen; topologies no longer listed are dropped", () => {
    let s = instancesReducer(INITIAL, { type: "loaded", data: fleet({ orders: ["b", 10], old: ["b", 3] }), at: 1000 });
    const kept = instancesReducer(s, { type: "loaded", data: fleet({}, "the coordination Redis could not be read: x"), at: 2000 });
    assert.equal(kept.holdings, s.holdings);
    s = instancesReducer(s, { type: "loaded", data: fleet({ orders: ["b", 10] }), at: 3000 });
    assert.deepEqual(Object.keys(s.holdings), ["orders"]);
    assert.deepEqual(instancesReducer(INITIAL, { type: "loaded", data: single, at: 1 }).holdings, {});
  });
});
