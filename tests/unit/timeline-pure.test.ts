import { test } from "node:test";
import assert from "node:assert/strict";
import type { TimelineEvent } from "../../lib/timeline/types";
import { LineScanner } from "../../lib/timeline/lines";
import { EventRing, queryEvents } from "../../lib/timeline/ring";
import { parseEventLine } from "../../lib/timeline/schema";
import { segmentName, segmentSeq, segmentsToDrop } from "../../lib/timeline/segments";

const ev = (id: number, over: Partial<TimelineEvent> = {}): TimelineEvent => ({
  id,
  at: 1_700_000_000_000 + id * 1000,
  topology: "main",
  kind: "replica:link-down",
  node: "10.0.0.2:6380",
  severity: "critical",
  text: `link down #${id}`,
  ...over,
});

test("line scanner: lines split across chunks keep exact byte offsets, multibyte included", () => {
  const text = '{"a":"é"}\n{"b":2}\n{"c":3';
  const bytes = Buffer.from(text, "utf8");
  const s = new LineScanner();
  // Feed one byte at a time: the worst case for the 2-byte "é" and for offsets.
  const lines = [];
  for (let i = 0; i < bytes.length; i++) lines.push(...s.feed(bytes.subarray(i, i + 1)));
  assert.deepEqual(
    lines.map((l) => [l.text, l.start, l.end]),
    [
      ['{"a":"é"}', 0, 11],
      ['{"b":2}', 11, 19],
    ],
  );
  assert.deepEqual(s.tail(), { start: 19, bytes: 6 }); // the torn `{"c":3`
});

test("line scanner: an over-long line comes back as null instead of growing memory", () => {
  const s = new LineScanner(8);
  const lines = [...s.feed(Buffer.from("0123456789ab")), ...s.feed(Buffer.from("cd\nok\n"))];
  assert.deepEqual(
    lines.map((l) => [l.text, l.start, l.end]),
    [
      [null, 0, 15],
      ["ok", 15, 18],
    ],
  );
  assert.deepEqual(s.tail(), { start: 18, bytes: 0 });
});

test("segment names sort numerically and foreign files are ignored", () => {
  assert.equal(segmentName(7), "events-000007.jsonl");
  assert.equal(segmentSeq(segmentName(1234567)), 1234567);
  assert.equal(segmentSeq("events-000000.jsonl"), null);
  assert.equal(segmentSeq("events-000001.jsonl.tmp"), null);
  assert.equal(segmentSeq("events.lock"), null);
});

test("retention keeps at least maxEvents and fewer than maxEvents + one segment", () => {
  assert.equal(segmentsToDrop([10, 10, 10, 3], 20), 1); // 23 left
  assert.equal(segmentsToDrop([10, 10, 10, 10], 20), 2); // exactly 20 left
  assert.equal(segmentsToDrop([10, 10, 10, 0], 20), 1); // a fresh empty segment doesn't count
  assert.equal(segmentsToDrop([5], 1), 0); // never the active segment
  assert.equal(segmentsToDrop([], 5), 0);
  for (let max = 1; max <= 40; max++) {
    const counts = [10, 10, 10, 10, 10, 4];
    const drop = segmentsToDrop(counts, max);
    const left = counts.slice(drop).reduce((a, b) => a + b, 0);
    assert.ok(left >= Math.min(max, 54) && left < max + 10, `max=${max} left=${left}`);
  }
});

test("ring keeps only the newest events", () => {
  const r = new EventRing(3);
  for (let i = 1; i <= 5; i++) r.push(ev(i));
  assert.equal(r.size, 3);
  assert.deepEqual([...r.newestFirst()].map((e) => e.id), [5, 4, 3]);
  assert.throws(() => new EventRing(0), RangeError);
});

test("query: filters combine, results oldest -> newest, last `limit` matches, paging by beforeId", () => {
  const r = new EventRing(100);
  for (let i = 1; i <= 30; i++) {
    r.push(ev(i, { node: i % 2 ? "a:1" : "b:2", kind: i % 3 ? "node:up" : "node:down", topology: i > 25 ? "other" : "main" }));
  }
  const q = (x: Parameters<typeof queryEvents>[1]) => queryEvents(r.newestFirst(), x).map((e) => e.id);
  assert.deepEqual(q({ node: "a:1", kinds: ["node:down"] }), [3, 9, 15, 21, 27]);
  assert.deepEqual(q({ topology: "main", limit: 3 }), [23, 24, 25]);
  assert.deepEqual(q({ topology: "main", limit: 3, beforeId: 23 }), [20, 21, 22]);
  assert.deepEqual(q({ since: ev(28).at, until: ev(29).at }), [28, 29]);
  assert.deepEqual(q({ limit: 0 }), []);
  assert.equal(q({}).length, 30);
  assert.equal(q({ limit: 1e9 }).length, 30); // clamped, not an error
});

test("query limit is clamped to 5000", () => {
  const r = new EventRing(6000);
  for (let i = 1; i <= 6000; i++) r.push(ev(i));
  const out = queryEvents(r.newestFirst(), { limit: 10_000 });
  assert.equal(out.length, 5000);
  assert.equal(out[0]?.id, 1001);
  assert.equal(queryEvents(r.newestFirst(), {}).length, 200);
});

test("event lines from disk are validated: bad JSON, bad shapes and unknown kinds are rejected", () => {
  const good = ev(1, { data: { master: "10.0.0.1:6379", offset: 5, ok: true, none: null } });
  assert.deepEqual(parseEventLine(JSON.stringify(good)), good);
  assert.equal(parseEventLine(JSON.stringify({ ...good, kind: "log:oom" }))?.kind, "log:oom");
  assert.equal(parseEventLine(JSON.stringify({ ...good, kind: "sync:full-resync" }))?.kind, "sync:full-resync");
  assert.equal(parseEventLine('{"id":1,"at":'), null);
  assert.equal(parseEventLine("null"), null);
  assert.equal(parseEventLine(JSON.stringify({ ...good, kind: "made:up" })), null);
  assert.equal(parseEventLine(JSON.stringify({ ...good, id: "1" })), null);
  assert.equal(parseEventLine(JSON.stringify({ ...good, id: 0 })), null);
  assert.equal(parseEventLine(JSON.stringify({ ...good, severity: "fatal" })), null);
  assert.equal(parseEventLine(JSON.stringify({ ...good, data: { nested: { x: 1 } } })), null);
  // Extra keys (a newer writer) are dropped, the event is kept.
  assert.deepEqual(parseEventLine(JSON.stringify({ ...good, extra: "x" })), good);
  assert.equal(parseEventLine("\u0000\u0000\u0000"), null);
});
