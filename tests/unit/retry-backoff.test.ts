import { test } from "node:test";
import assert from "node:assert/strict";
import { equalJitterBackoff, exponentialBackoff } from "../../lib/retry/backoff";

test("exponential backoff doubles from the base and stops at the cap", () => {
  const policy = { baseMs: 250, capMs: 1000 };
  assert.deepEqual([0, 1, 2, 3, 4, 50].map((n) => exponentialBackoff(n, policy)), [250, 500, 1000, 1000, 1000, 1000]);
  // Below zero is the first attempt (a counter reset to 0 before subtracting one).
  assert.equal(exponentialBackoff(-1, policy), 250);
  assert.equal(exponentialBackoff(1e9, { baseMs: 1000, capMs: 15 * 60_000 }), 15 * 60_000);
  // Huge attempt counts never give Infinity or NaN, even with a zero base.
  assert.equal(exponentialBackoff(5000, { baseMs: 0, capMs: 10 }), 0);
  assert.equal(exponentialBackoff(5000, { baseMs: 1, capMs: Number.MAX_SAFE_INTEGER }), 2 ** 30);
});

test("equal jitter stays within [half, full] of the step, and is capped", () => {
  const policy = { baseMs: 500, capMs: 30_000 };
  assert.deepEqual([0, 1, 2, 3].map((n) => equalJitterBackoff(n, policy, () => 1)), [500, 1000, 2000, 4000]);
  assert.deepEqual([0, 1, 2, 3].map((n) => equalJitterBackoff(n, policy, () => 0)), [250, 500, 1000, 2000]);
  assert.equal(equalJitterBackoff(20, policy, () => 1), 30_000);
  assert.equal(equalJitterBackoff(2000, policy, () => 0.5), 22_500); // 2 ** 2000 is Infinity: still capped
  for (let i = 0; i < 100; i++) {
    const d = equalJitterBackoff(3, policy);
    assert.ok(d >= 2000 && d <= 4000, `${d} within [2000, 4000]`);
  }
});
