import { test } from "node:test";
import assert from "node:assert/strict";
import { install, ownerLost, receive, entryView, type PublishedView, type ViewMessage } from "../../lib/fleet/mirror";
import type { NodeView } from "../../lib/monitor/types";
import type { TopologyDelta } from "../../lib/realtime/events";

const node = (id: string, over: Partial<NodeView> = {}): NodeView => ({ id, host: "127.0.0.1", port: Number(id.split(":")[1]), role: "master", status: "up", stale: false, lastSeenAt: 1000, downSince: null, ...over }) as NodeView;

function published(token: number, seq: number, nodes: NodeView[], events: PublishedView["events"] = []): PublishedView {
  return { topology: "shop", owner: `o${token}`, token, seq, at: 5000 + seq, view: { name: "shop", drills: false, nodes, lagHistory: {}, alerts: [], sentinels: [] }, events };
}

function msg(token: number, seq: number, delta: Partial<TopologyDelta["topologies"][number]>, events: TopologyDelta["events"] = []): ViewMessage {
  return { topology: "shop", owner: `o${token}`, token, seq, delta: { at: 6000 + seq, topologies: [{ name: "shop", upserts: [], removed: [], ...delta }], events, droppedEvents: 0 } };
}

const ev = (id: number) => ({ id, at: id, topology: "shop", kind: "node:role-changed" as const, node: "127.0.0.1:1", severity: "warning" as const, text: "x" });

test("nothing mirrored yet: any message asks for the published view", () => {
  assert.equal(receive(undefined, msg(1, 5, {})).kind, "need-view");
});

test("a view then the messages that follow it apply in order; old ones are ignored, a gap asks again", () => {
  const { entry } = install(undefined, published(1, 3, [node("127.0.0.1:1")]));
  assert.equal(receive(entry, msg(1, 3, {})).kind, "ignored");
  assert.equal(receive(entry, msg(1, 2, {})).kind, "ignored");
  const r = receive(entry, msg(1, 4, { upserts: [{ id: "127.0.0.1:1", role: "replica" }] }, [ev(7)]));
  assert.equal(r.kind, "applied");
  if (r.kind !== "applied") return;
  assert.equal(r.entry.topology.nodes["127.0.0.1:1"]?.role, "replica");
  assert.equal(r.entry.seq, 4);
  assert.deepEqual(r.entry.events.map((e) => e.id), [7]);
  assert.equal(receive(r.entry, msg(1, 6, {})).kind, "need-view");
  // A new owner (higher token) always starts from its published view.
  assert.equal(receive(r.entry, msg(2, 1, {})).kind, "need-view");
  assert.equal(receive(r.entry, msg(0, 99, {})).kind, "ignored");
});

test("installing the same owner's newer view removes nodes it no longer has and sends only new events", () => {
  const first = install(undefined, published(1, 1, [node("127.0.0.1:1"), node("127.0.0.1:2")], [ev(1)]));
  const next = install(first.entry, published(1, 9, [node("127.0.0.1:1")], [ev(1), ev(2)]));
  assert.deepEqual(next.delta.topologies[0]?.removed, ["127.0.0.1:2"]);
  assert.deepEqual(next.delta.events.map((e) => e.id), [2]);
  assert.deepEqual(next.entry.events.map((e) => e.id), [1, 2]);
});

test("a new owner's view keeps nodes it has not polled yet, as last-seen", () => {
  const old = install(undefined, published(1, 4, [node("127.0.0.1:1"), node("127.0.0.1:2")]));
  const next = install(old.entry, published(2, 1, [node("127.0.0.1:1")]));
  assert.deepEqual(next.delta.topologies[0]?.removed, []);
  assert.equal(next.entry.topology.nodes["127.0.0.1:2"]?.stale, true);
  assert.equal(next.entry.topology.nodes["127.0.0.1:1"]?.stale, false);
});

test("an owner that went silent turns every figure into last-seen, once", () => {
  const { entry } = install(undefined, published(1, 1, [node("127.0.0.1:1", { lastSeenAt: 4242 })]));
  const lost = ownerLost(entry, 9000);
  assert.ok(lost);
  assert.deepEqual(lost.delta.topologies[0]?.upserts, [{ id: "127.0.0.1:1", stale: true, lastSeenAt: 4242 }]);
  assert.equal(entryView(lost.entry).nodes[0]?.stale, true);
  assert.equal(ownerLost(lost.entry, 9500), null);
});

test("after a silence, the owner's next message asks for its whole view (the figures become current again)", () => {
  const { entry } = install(undefined, published(1, 1, [node("127.0.0.1:1")]));
  const lost = ownerLost(entry, 9000);
  assert.ok(lost);
  assert.equal(receive(lost.entry, msg(1, 2, {})).kind, "need-view");
  const back = install(lost.entry, published(1, 2, [node("127.0.0.1:1")]));
  assert.equal(back.entry.topology.nodes["127.0.0.1:1"]?.stale, false);
  assert.equal(back.entry.ownerLost, false);
});
