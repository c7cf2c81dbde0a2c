// Which running job rows an instance may mark interrupted (lib/fleet/jobs.ts isOrphaned), and who
// the interrupted text names.
import { test } from "node:test";
import assert from "node:assert/strict";
import { isOrphaned, scheduleClaim, whoStopped, type SweepScope } from "../../lib/fleet/jobs";

const live = new Set(["A", "B"]);

test("alone: every running row at open, none later", () => {
  assert.equal(isOrphaned(null, { self: null, live: null, atOpen: true }), true);
  assert.equal(isOrphaned("A", { self: null, live: null, atOpen: true }), true);
  assert.equal(isOrphaned("A", { self: null, live: null, atOpen: false }), false);
});

test("in a fleet: own and instance-less rows at open only; other instances' rows once they are not live", () => {
  const open: SweepScope = { self: "B", live, atOpen: true };
  const sweep: SweepScope = { self: "B", live, atOpen: false };
  const cases: [string | null, SweepScope, boolean][] = [
    ["B", open, true],
    [null, open, true],
    ["A", open, false],
    ["Z", open, true],
    ["B", sweep, false],
    [null, sweep, false],
    ["A", sweep, false],
    ["Z", sweep, true],
  ];
  for (const [owner, scope, want] of cases) assert.equal(isOrphaned(owner, scope), want, `${owner} ${scope.atOpen ? "at open" : "in a sweep"}`);
});

test("liveness unknown (coordination Redis down): no other instance's row", () => {
  assert.equal(isOrphaned("Z", { self: "B", live: null, atOpen: true }), false);
  assert.equal(isOrphaned("Z", { self: "B", live: null, atOpen: false }), false);
  assert.equal(isOrphaned("B", { self: "B", live: null, atOpen: true }), true);
});

test("texts and claim names", () => {
  assert.equal(whoStopped("A", "B"), "the instance A that ran it stopped");
  assert.equal(whoStopped("B", "B"), "replscope stopped");
  assert.equal(whoStopped(null, "B"), "replscope stopped");
  assert.equal(whoStopped(undefined, null), "replscope stopped");
  assert.equal(scheduleClaim("0123456789abcdef", 1_764_000_000_000), "schedule:0123456789abcdef:1764000000000");
});
