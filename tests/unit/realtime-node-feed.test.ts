// The node channel's pure parts: the server's delta between two builds of a node page, and the
// browser's reducer that folds deltas into the snapshot (idempotent on repeats, bounded).
import assert from "node:assert/strict";
import { test } from "node:test";
import type { HistoryJson } from "../../lib/monitor/history";
import { SERIES } from "../../lib/monitor/history";
import type { NodeView } from "../../lib/monitor/types";
import type { TimelineEvent } from "../../lib/timeline/types";
import type { NodeDetail } from "../../lib/realtime/events";
import { memoOf, nodeDelta, pointsAfter } from "../../lib/realtime/node-detail";
import { applyNodeDelta, appendPoints, CHART_WINDOW_MS, MAX_NODE_EVENTS } from "../../lib/realtime/node-state";

const T0 = 1_795_564_572_000;

function history(ts: number[], ops = 5): HistoryJson {
  const h = { t: ts } as HistoryJson;
  for (const s of SERIES) h[s] = ts.map(() => (s === "opsPerSec" ? ops : null));
  return h;
}

function event(id: number, node = "127.0.0.1:6380"): TimelineEvent {
  return { id, at: T0 + id, topology: "t", node, kind: "node:promoted", severity: "info", text: `e${id}` } as unknown as TimelineEvent;
}

function detail(over: Partial<NodeDetail> = {}, view: Partial<NodeView> = {}): NodeDetail {
  return {
    topology: "t",
    node: { id: "127.0.0.1:6380", role: "replica", status: "up", replOffset: 100, opsPerSec: 1 , ...view } as NodeView,
    info: { server: { uptime_in_seconds: "1" } } as unknown as NodeDetail["info"],
    lastOkAt: T0,
    pollLatencyMs: 1,
    backlog: null,
    replicas: [],
    replicaViews: [],
    history: history([T0, T0 + 1000]),
    events: [event(1)],
    ...over,
  };
}

test("nodeDelta: nothing changed gives no delta; changed fields, new points and new events do", () => {
  const base = detail();
  const memo = memoOf(base, T0);
  assert.equal(nodeDelta(memo, { ...base, history: pointsAfter(base.history, memo.lastPointAt) ?? null }, "k", T0 + 100, 5000).delta, null);

  const next = detail({ history: history([T0, T0 + 1000, T0 + 2000], 9), events: [event(1), event(2)], pollLatencyMs: 3 }, { role: "master", replOffset: 200 });
  const { delta, memo: after } = nodeDelta(memo, next, "k", T0 + 2000, 5000);
  assert.ok(delta);
  assert.deepEqual(delta.node, { id: "127.0.0.1:6380", role: "master", replOffset: 200 });
  assert.deepEqual(delta.points?.t, [T0 + 2000], "only the new point");
  assert.deepEqual(delta.points?.opsPerSec, [9]);
  assert.deepEqual(delta.events?.map((e) => e.id), [2]);
  assert.equal(delta.pollLatencyMs, 3);
  assert.equal(delta.replicas, undefined, "unchanged whole fields are left out");
  assert.equal(delta.info, undefined, "INFO waits for its interval");
  assert.equal(after.lastPointAt, T0 + 2000);
  assert.equal(after.lastEventId, 2);

  const later = nodeDelta(after, detail({ info: { server: { uptime_in_seconds: "9" } } as unknown as NodeDetail["info"] }, { role: "master", replOffset: 200 }), "k", T0 + 6000, 5000);
  assert.deepEqual(later.delta?.info, { server: { uptime_in_seconds: "9" } });
});

test("applyNodeDelta: fields replace, points and events append only when newer (a repeat is harmless)", () => {
  const snap = detail();
  const delta = { at: T0 + 2000, key: "k", node: { id: "127.0.0.1:6380", role: "master" as const }, points: history([T0 + 1000, T0 + 2000], 7), events: [event(1), event(2)] };
  const once = applyNodeDelta(snap, delta);
  assert.equal(once.node.role, "master");
  assert.equal(once.node.replOffset, 100, "fields not in the patch stay");
  assert.deepEqual(once.history?.t, [T0, T0 + 1000, T0 + 2000]);
  assert.deepEqual(once.history?.opsPerSec, [5, 5, 7]);
  assert.deepEqual(once.events.map((e) => e.id), [1, 2]);
  const twice = applyNodeDelta(once, delta);
  assert.deepEqual(twice.history?.t, once.history?.t, "a repeated delta adds nothing");
  assert.deepEqual(twice.events.map((e) => e.id), [1, 2]);
});

test("the browser's copy stays bounded: the chart window and the event count", () => {
  const ts = Array.from({ length: 1000 }, (_, i) => T0 + i * 1000);
  const h = appendPoints(history(ts.slice(0, 500)), history(ts.slice(500)));
  assert.ok((h.t.at(-1) ?? 0) - (h.t[0] ?? 0) <= CHART_WINDOW_MS, "older points fall off");
  assert.equal(h.t.length, h.opsPerSec.length, "columns stay aligned");
  let d = detail({ events: [] });
  for (let i = 1; i <= 250; i++) d = applyNodeDelta(d, { at: T0, key: "k", events: [event(i)] });
  assert.equal(d.events.length, MAX_NODE_EVENTS);
  assert.equal(d.events.at(-1)?.id, 250);
});

test("replica views go out as patches: changed fields, new replicas whole, gone ones by id", () => {
  const r1 = { id: "127.0.0.1:1", role: "replica", status: "up", replOffset: 10, masterId: "127.0.0.1:6380" } as NodeView;
  const r2 = { id: "127.0.0.1:2", role: "replica", status: "up", replOffset: 10, masterId: "127.0.0.1:6380" } as NodeView;
  const r3 = { id: "127.0.0.1:3", role: "replica", status: "up", replOffset: 5, masterId: "127.0.0.1:6380" } as NodeView;
  const base = detail({ replicaViews: [r1, r2] });
  const next = detail({ replicaViews: [{ ...r1, replOffset: 20 }, r3] });
  const { delta } = nodeDelta(memoOf(base, T0), next, "k", T0 + 1000, 5000);
  assert.deepEqual(delta?.replicaViews, { upserts: [{ id: r1.id, replOffset: 20 }, r3], removed: [r2.id] });
  const applied = applyNodeDelta(base, delta!);
  assert.deepEqual(applied.replicaViews, next.replicaViews, "the browser ends with the server's list");
});

test("persistence goes out with INFO's pace when it changed, and the browser's copy takes it", () => {
  const report = (kind: "current" | "last-seen") => ({
    topology: "t", node: "127.0.0.1:6380", role: "master" as const, status: "up" as const,
    freshness: kind === "current" ? { kind } : { kind, reason: "not answering" },
    sampledAt: T0, freshForMs: 10_000, noSaveSeconds: 86_400, view: null, hazards: [],
  });
  const base = detail({ persistence: report("current") });
  const memo = memoOf(base, T0);
  const next = { ...base, persistence: report("last-seen") };
  assert.equal(nodeDelta(memo, next, "k", T0 + 1000, 5000).delta?.persistence, undefined, "not before INFO's pace");
  const { delta } = nodeDelta(memo, next, "k", T0 + 5000, 5000);
  assert.deepEqual(delta?.persistence?.freshness, { kind: "last-seen", reason: "not answering" });
  assert.equal(applyNodeDelta(base, delta!).persistence?.freshness.kind, "last-seen");
  assert.equal(nodeDelta(memoOf(next, T0), next, "k", T0 + 5000, 5000).delta?.persistence, undefined, "unchanged: not resent");
});
