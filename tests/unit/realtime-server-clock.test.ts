// The browser's "now" for durations is the server's clock, estimated from stamped messages.
import { test } from "node:test";
import assert from "node:assert/strict";
import { addSample, clockOffset, CLOCK_SAMPLES, httpDateSample, socketSample, type ClockBound } from "../../lib/realtime/server-clock";

test("no samples: no offset", () => {
  assert.equal(clockOffset([]), 0);
});

test("socket stamps: the offset is the largest stamp-minus-receipt (the least delayed message)", () => {
  // Server clock 60 s ahead of the browser; messages took 40, 3 and 120 ms to arrive.
  const ahead = 60_000;
  let samples: ClockBound[] = [];
  for (const [sentBrowser, delay] of [[1_000, 40], [2_000, 3], [3_000, 120]] as const) {
    samples = addSample(samples, socketSample(sentBrowser + ahead, sentBrowser + delay));
  }
  assert.equal(clockOffset(samples), ahead - 3);
});

test("a browser clock 2 minutes behind: 'link down since' 12 s ago on the server reads 12 s", () => {
  const serverNow = 1_800_000_000_000;
  const browserNow = serverNow - 120_000;
  const samples = addSample([], socketSample(serverNow - 5, browserNow - 5 + 2));
  const linkDownSince = serverNow - 12_000;
  const shown = browserNow + clockOffset(samples) - linkDownSince;
  assert.ok(Math.abs(shown - 12_000) <= 5, `shown ${shown} ms`);
});

test("HTTP Date headers bound the offset from both sides and narrow with each answer", () => {
  // True offset: server = browser + 4_321 ms. Date has whole seconds.
  const offset = 4_321;
  const dateAt = (browserMs: number) => new Date(Math.floor((browserMs + offset) / 1000) * 1000).toUTCString();
  let samples: ClockBound[] = [];
  for (const sent of [10_000, 12_130, 14_370, 16_610, 18_850, 21_090]) {
    const served = sent + 10;
    samples = addSample(samples, httpDateSample(dateAt(served), sent, sent + 20));
  }
  const error = Math.abs(clockOffset(samples) - offset);
  const firstError = Math.abs(clockOffset(samples.slice(0, 1)) - offset);
  assert.ok(error <= 100, `estimate off by ${error} ms`);
  assert.ok(error < firstError, `six answers (${error} ms off) beat one (${firstError} ms off)`);
});

test("an unreadable Date header is no sample", () => {
  assert.equal(httpDateSample(null, 0, 10), null);
  assert.equal(httpDateSample("yesterday-ish", 0, 10), null);
  assert.deepEqual(addSample([], null), []);
});

test("bounds that contradict each other (the browser clock jumped) keep only the newest sample", () => {
  const before = addSample([], { lo: 1_000, hi: 2_000 });
  const jumped = addSample(before, { lo: -50_000, hi: -49_000 });
  assert.equal(clockOffset(jumped), -49_500);
});

test("only the latest samples count", () => {
  let samples: ClockBound[] = [];
  for (let i = 0; i < CLOCK_SAMPLES + 10; i++) samples = addSample(samples, socketSample(i === 0 ? 1_000_000 : 10, 0));
  assert.equal(samples.length, CLOCK_SAMPLES);
  assert.equal(clockOffset(samples), 10, "the stale outlier has left the window");
});
