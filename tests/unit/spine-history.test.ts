import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { NodeHistory, SERIES, type Sample } from "../../lib/monitor/history";

const T0 = 1_795_564_560_000; // a whole minute
const sample = (lagBytes: number | null, extra: Partial<Sample> = {}): Sample => ({
  replOffset: null,
  lagBytes,
  lagSeconds: null,
  opsPerSec: null,
  usedMemory: null,
  writeRate: null,
  ...extra,
});

describe("NodeHistory", () => {
  test("T0 is aligned to a minute (so the bucket maths below holds)", () => {
    assert.equal(T0 % 60_000, 0);
  });

  test("empty history → empty columns and lastTime -Infinity", () => {
    const h = new NodeHistory();
    const j = h.toJson(0);
    assert.deepEqual(j.t, []);
    for (const name of SERIES) assert.deepEqual(j[name], []);
    assert.equal(h.lastTime(), -Infinity);
  });

  test("every series has a column of the same length as t, null where unknown", () => {
    const h = new NodeHistory();
    h.record(T0, sample(5, { replOffset: 1968, usedMemory: 1160536 }));
    h.record(T0 + 1000, sample(null, { replOffset: 2000 }));
    const j = h.toJson(0);
    assert.deepEqual(j.t, [T0, T0 + 1000]);
    assert.deepEqual(j.lagBytes, [5, null]);
    assert.deepEqual(j.replOffset, [1968, 2000]);
    assert.deepEqual(j.usedMemory, [1160536, null]);
    for (const name of SERIES) assert.equal(j[name].length, 2, name);
    assert.equal(h.lastTime(), T0 + 1000);
  });

  test("the fine ring is bounded: after more pushes than capacity only the last N remain, in order", () => {
    const h = new NodeHistory(5, 10);
    for (let i = 0; i < 13; i++) h.record(T0 + i * 1000, sample(i));
    const j = h.toJson(0);
    assert.deepEqual(j.t, [8, 9, 10, 11, 12].map((i) => T0 + i * 1000));
    assert.deepEqual(j.lagBytes, [8, 9, 10, 11, 12]);
    assert.equal(h.lastTime(), T0 + 12_000);
  });

  test("minute buckets are averaged (ignoring unknown values) and shown before the fine window", () => {
    const h = new NodeHistory(3, 10);
    // minute 0: lag 10, 20 and an unknown; ops only once
    h.record(T0, sample(10, { opsPerSec: 7 }));
    h.record(T0 + 20_000, sample(20));
    h.record(T0 + 40_000, sample(null));
    // minute 1
    h.record(T0 + 60_000, sample(100));
    h.record(T0 + 80_000, sample(200));
    h.record(T0 + 100_000, sample(300));
    // minute 2 starts: minute 1 is flushed
    h.record(T0 + 120_000, sample(400));
    const j = h.toJson(0);
    // fine ring holds the last 3; minute 1 overlaps the fine window and is left out
    assert.deepEqual(j.t, [T0, T0 + 80_000, T0 + 100_000, T0 + 120_000]);
    assert.deepEqual(j.lagBytes, [15, 200, 300, 400]);
    assert.deepEqual(j.opsPerSec, [7, null, null, null]);
  });

  test("a minute with no known value of a series averages to null", () => {
    const h = new NodeHistory(1, 10);
    h.record(T0, sample(null));
    h.record(T0 + 60_000, sample(1));
    const j = h.toJson(0);
    assert.deepEqual(j.t, [T0, T0 + 60_000]);
    assert.deepEqual(j.lagBytes, [null, 1]);
  });

  test("the coarse ring is bounded too", () => {
    const h = new NodeHistory(1, 2);
    for (let m = 0; m < 6; m++) h.record(T0 + m * 60_000, sample(m));
    const j = h.toJson(0);
    // minutes 3 and 4 remain in the coarse ring; minute 5 is the fine point
    assert.deepEqual(j.t, [T0 + 180_000, T0 + 240_000, T0 + 300_000]);
    assert.deepEqual(j.lagBytes, [3, 4, 5]);
  });

  test("toJson(since) leaves out older fine points and older minutes", () => {
    const h = new NodeHistory(3, 10);
    for (let m = 0; m < 4; m++) h.record(T0 + m * 60_000, sample(m));
    h.record(T0 + 181_000, sample(31));
    h.record(T0 + 182_000, sample(32));
    // fine: 180000, 181000, 182000; coarse: minutes 0, 1, 2
    assert.deepEqual(h.toJson(0).t, [T0, T0 + 60_000, T0 + 120_000, T0 + 180_000, T0 + 181_000, T0 + 182_000]);
    const since = h.toJson(T0 + 60_000);
    assert.deepEqual(since.t, [T0 + 60_000, T0 + 120_000, T0 + 180_000, T0 + 181_000, T0 + 182_000]);
    assert.deepEqual(since.lagBytes, [1, 2, 3, 31, 32]);
    const recent = h.toJson(T0 + 181_000);
    assert.deepEqual(recent.t, [T0 + 181_000, T0 + 182_000]);
    assert.deepEqual(recent.lagBytes, [31, 32]);
    assert.deepEqual(h.toJson(T0 + 999_999).t, []);
  });
});
