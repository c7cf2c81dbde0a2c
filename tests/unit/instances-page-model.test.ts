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
