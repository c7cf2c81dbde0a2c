import { test } from "node:test";
import assert from "node:assert/strict";
import { compareRecords, groupByTag, parseHashKey, parseJsonRecord, recordColumns, recordFromHash, recordRate, timeOfRecord, type FluentRecord } from "../../lib/fluentd/parse";

test("fluent-plugin-redis key names: <tag>.<unix time>.<index>", () => {
  assert.deepEqual(parseHashKey("app.access.1717171717.0"), { tag: "app.access", time: 1717171717, index: 0 });
  assert.deepEqual(parseHashKey("web.1717171717.12"), { tag: "web", time: 1717171717, index: 12 });
  assert.equal(parseHashKey("order.12.3"), null, "an id that only looks alike");
  assert.equal(parseHashKey("1717171717.0"), null, "no tag");
  assert.equal(parseHashKey("app.access.1717171717"), null, "no index");
  assert.equal(parseHashKey("user:1:name"), null);
});

test("hash fields become a record; JSON records must be objects", () => {
  assert.deepEqual(recordFromHash(["status", "200", "path", "/"]), { status: "200", path: "/" });
  assert.deepEqual(recordFromHash(["__proto__", "x"]), { ["__proto__"]: "x" });
  assert.deepEqual(parseJsonRecord(' {"a":1}'), { a: 1 });
  assert.equal(parseJsonRecord("[1,2]"), null);
  assert.equal(parseJsonRecord("player-1"), null);
  assert.equal(parseJsonRecord("{broken"), null);
});

test("record time from seconds, milliseconds or ISO dates", () => {
  assert.equal(timeOfRecord({ time: 1717171717 }), 1717171717);
  assert.equal(timeOfRecord({ timestamp: 1717171717500 }), 1717171717.5);
  assert.equal(timeOfRecord({ time: "1717171717" }), 1717171717);
  assert.equal(timeOfRecord({ "@timestamp": "2024-05-31T16:08:37Z" }), 1717171717);
  assert.equal(timeOfRecord({ msg: "no time" }), null);
});

const rec = (tag: string, time: number | null, index: number, extra: Record<string, string> = {}): FluentRecord => ({
  tag, time, index, key: `${tag}.${time}.${index}`, source: "hash", record: { n: String(index), ...extra },
});

test("records sort numerically by time, then index (not as strings)", () => {
  const list = [rec("t", 1000000000, 10), rec("t", 999999999, 0), rec("t", 1000000000, 9), rec("t", null, 0)];
  assert.deepEqual(list.sort(compareRecords).map((r) => `${r.time}.${r.index}`), ["999999999.0", "1000000000.9", "1000000000.10", "null.0"]);
});

test("grouping by tag, time range filter and record rate", () => {
  const records = [rec("b", 100, 0), rec("a", 110, 0), rec("a", 100, 0), rec("a", 105, 1), rec("a", null, 2)];
  const all = groupByTag(records);
  assert.deepEqual(all.map((g) => [g.tag, g.records.length]), [["a", 4], ["b", 1]]);
  assert.equal(all[0]?.first, 100);
  assert.equal(all[0]?.last, 110);
  assert.equal(all[0]?.ratePerSec, 3 / 10);
  const ranged = groupByTag(records, 101, 110);
  assert.deepEqual(ranged.map((g) => [g.tag, g.records.map((r) => r.time)]), [["a", [105, 110]]]);
  assert.equal(recordRate([]), null);
  assert.equal(recordRate([5]), null, "one record has no rate");
  assert.equal(recordRate([5, 5.5]), 2, "under a second: the count");
});

test("columns: most frequent fields first", () => {
  const cols = recordColumns([rec("a", 1, 0, { path: "/" }), rec("a", 2, 1, { path: "/x", code: "1" })]);
  assert.deepEqual(cols, ["n", "path", "code"]);
});
