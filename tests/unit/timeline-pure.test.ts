import { test } from "node:test";
import assert from "node:assert/strict";
import type { TimelineEvent } from "../../lib/timeline/types";
import { clampLimit } from "../../lib/store/events";
import { parseEventLine } from "../../lib/timeline/schema";

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

test("query limit: default 200, clamped to 0..5000, never an error", () => {
  assert.equal(clampLimit(undefined), 200);
  assert.equal(clampLimit(Number.NaN), 200);
  assert.equal(clampLimit(10_000), 5000);
  assert.equal(clampLimit(-3), 0);
  assert.equal(clampLimit(7.9), 7);
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
