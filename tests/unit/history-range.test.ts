// The node page's history ranges: gaps in stored history break the chart's line, the ranges ask
// the store for the tier they are labelled with, and the mirrored tier table matches the store's.
import assert from "node:assert/strict";
import { test } from "node:test";
import { SERIES, type HistoryJson } from "../../lib/monitor/history";
import { ROLLUP, TIER_SPECS, tierFor } from "../../lib/store/metrics";
import { RANGE_SPAN_MS, RANGES, ROLLUP_OF, TIERS, resolutionLabel, sinceFor, tierOf, withGaps, type StoredRange } from "../../components/node/history-range";

const T0 = 1_795_564_560_000;

function hist(ts: number[]): HistoryJson {
  const h = { t: ts } as HistoryJson;
  for (const name of SERIES) h[name] = ts.map((_, i) => i + 1);
  return h;
}

test("a hole longer than two steps gets one all-null point one step after its start", () => {
  const m = 60_000;
  const h = withGaps(hist([T0, T0 + m, T0 + 2 * m, T0 + 10 * m, T0 + 11 * m]), m);
  assert.deepEqual(h.t, [T0, T0 + m, T0 + 2 * m, T0 + 3 * m, T0 + 10 * m, T0 + 11 * m]);
  for (const name of SERIES) assert.deepEqual(h[name], [1, 2, 3, null, 4, 5], name);
});

test("steps up to two apart (a skipped sample) stay joined; regular data is unchanged", () => {
  const s = 1000;
  const ts = [T0, T0 + s, T0 + 3 * s, T0 + 4 * s];
  assert.deepEqual(withGaps(hist(ts), s), hist(ts));
  assert.deepEqual(withGaps(hist([]), s).t, []);
  assert.deepEqual(withGaps(hist([T0]), s).t, [T0]);
});

test("several holes each break, and nulls already stored (node down) are kept", () => {
  const s = 1000;
  const h = hist([T0, T0 + 5 * s, T0 + 6 * s, T0 + 20 * s]);
  h.opsPerSec[2] = null;
  const g = withGaps(h, s);
  assert.deepEqual(g.t, [T0, T0 + s, T0 + 5 * s, T0 + 6 * s, T0 + 7 * s, T0 + 20 * s]);
  assert.deepEqual(g.opsPerSec, [1, null, 2, null, null, 4]);
  assert.deepEqual(g.usedMemory, [1, null, 2, 3, null, 4]);
});

test("the page's tiers and rollups are the store's own (one table, lib/store/tiers.ts)", () => {
  assert.equal(TIERS, TIER_SPECS);
  assert.equal(ROLLUP_OF, ROLLUP);
});

test("each range's since lands in the tier its label names, even asked a few seconds late", () => {
  const now = T0 + 12_345;
  for (const range of RANGES.filter((r): r is StoredRange => r !== "live")) {
    const since = sinceFor(range, now);
    const span = RANGE_SPAN_MS[range];
    assert.ok(span - (now - since) <= 120_000, `${range}: covers nearly the whole span (${now - since})`);
    for (const late of [0, 5000]) {
      const table = tierFor(now + late - since);
      assert.equal(TIER_SPECS.find((t) => t.table === table)?.stepMs, tierOf(span).stepMs, `${range} +${late}ms`);
    }
  }
  assert.equal(resolutionLabel("1h", "lagBytes"), "1-second samples");
  assert.equal(resolutionLabel("24h", "lagBytes"), "1-minute max");
  assert.equal(resolutionLabel("7d", "opsPerSec"), "1-minute averages");
  assert.equal(resolutionLabel("30d", "replOffset"), "1-hour last value");
});
