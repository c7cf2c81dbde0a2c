import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { formatBytes, formatDuration, formatNumber, formatRate } from "../../lib/format";

describe("formatBytes", () => {
  test("unknown values are a dash", () => {
    for (const v of [null, undefined, Number.NaN, Infinity, -Infinity]) assert.equal(formatBytes(v), "—", String(v));
  });

  test("below 1 KiB: whole bytes", () => {
    assert.equal(formatBytes(0), "0 B");
    assert.equal(formatBytes(1), "1 B");
    assert.equal(formatBytes(1023), "1023 B");
  });

  test("one decimal below 10 of a unit, none above", () => {
    assert.equal(formatBytes(1024), "1.0 KB");
    assert.equal(formatBytes(1536), "1.5 KB");
    assert.equal(formatBytes(10 * 1024), "10 KB");
    assert.equal(formatBytes(1160536), "1.1 MB"); // used_memory of master.txt
    assert.equal(formatBytes(1048576), "1.0 MB"); // repl_backlog_size
    assert.equal(formatBytes(5 * 1024 ** 3), "5.0 GB");
    assert.equal(formatBytes(1024 ** 4), "1.0 TB");
  });

  test("TB is the largest unit", () => {
    assert.equal(formatBytes(1024 ** 5), "1024 TB");
  });

  test("negative values keep their sign", () => {
    assert.equal(formatBytes(-5), "-5 B");
    assert.equal(formatBytes(-2048), "-2.0 KB");
  });

  test("a value just under a unit boundary rounds into the next unit, not to '1024 KB'", () => {
    // 1048575 B is 1023.999 KiB: toFixed(0) makes it "1024 KB" today
    assert.equal(formatBytes(1048575), "1.0 MB");
    assert.equal(formatBytes(1024 ** 3 - 1), "1.0 GB");
  });
});

describe("formatRate and formatNumber", () => {
  test("rates are rounded bytes per second", () => {
    assert.equal(formatRate(null), "—");
    assert.equal(formatRate(undefined), "—");
    assert.equal(formatRate(0), "0 B/s");
    assert.equal(formatRate(511.6), "512 B/s");
    assert.equal(formatRate(2048), "2.0 KB/s");
  });

  test("numbers get thousands separators", () => {
    assert.equal(formatNumber(1160536), "1,160,536");
    assert.equal(formatNumber(0), "0");
    assert.equal(formatNumber(null), "—");
    assert.equal(formatNumber(Number.NaN), "—");
  });
});

describe("formatDuration", () => {
  test("unknown values are a dash", () => {
    for (const v of [null, undefined, Number.NaN, Infinity]) assert.equal(formatDuration(v), "—", String(v));
  });

  test("seconds, rounded; negatives clamp to 0s", () => {
    assert.equal(formatDuration(0), "0s");
    assert.equal(formatDuration(499), "0s");
    assert.equal(formatDuration(500), "1s");
    assert.equal(formatDuration(59_499), "59s");
    assert.equal(formatDuration(-5000), "0s");
  });

  test("rounding to 60 s becomes a minute, not '60s'", () => {
    assert.equal(formatDuration(59_500), "1m 0s");
  });

  test("minutes and seconds, hours and minutes", () => {
    assert.equal(formatDuration(61_000), "1m 1s");
    assert.equal(formatDuration(3_599_000), "59m 59s");
    assert.equal(formatDuration(3_600_000), "1h 0m");
    assert.equal(formatDuration(2 * 3_600_000 + 5 * 60_000 + 59_000), "2h 5m");
  });

  test("hours up to 47, then days and hours", () => {
    assert.equal(formatDuration(47 * 3_600_000 + 59 * 60_000), "47h 59m");
    assert.equal(formatDuration(48 * 3_600_000), "2d 0h");
    assert.equal(formatDuration(3 * 86_400_000 + 5 * 3_600_000 + 59 * 60_000), "3d 5h");
  });
});
