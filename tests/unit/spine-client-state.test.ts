import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { LagPoint, TopologyDelta, TopologySnapshot } from "../../lib/realtime/events";
import {
  applyDelta,
  buildTree,
  emptyState,
  fromSnapshot,
  MAX_EVENTS,
  MAX_LAG_POINTS,
  sampleLag,
  type LiveState,
  type TreeNode,
} from "../../lib/realtime/client-state";
import { parseInfo, parseReplication, parseServerFacts } from "../../lib/redis/info";
import { applyPoll, initialState } from "../../lib/monitor/reduce";
import type { NodeView } from "../../lib/monitor/types";
import type { TimelineEvent } from "../../lib/timeline/types";
import { buildViews } from "../../lib/monitor/view";
import { raw } from "../support/info-fixtures";


const M = "127.0.0.1:45347";
const R = "127.0.0.1:45827";
const R2 = "127.0.0.1:37069";
const C = "127.0.0.1:37639";
const T0 = 1_795_564_572_000;

/**
 * Node views as the server would send them, built from the real INFO fixtures. Each replica is
 * polled before and after the node it replicates from, as the interleaved poll loops do, so its
 * applied lag and PSYNC replay come from ordered samples.
 */
function fixtureViews(): NodeView[] {
  const polls: [string, string, number[]][] = [
    [M, "master.txt", [T0]],
    [R, "replica.txt", [T0 - 100, T0 + 100]],
    [R2, "replica-2.txt", [T0 - 100, T0 + 100]],
    [C, "chained-replica.txt", [T0 - 200, T0 + 200]],
  ];
  return buildViews(
    polls.map(([id, file, times]) => {
      const info = parseInfo(raw(file));
      const [host, port] = id.split(":") as [string, string];
      return times.reduce(
        (s, at) => applyPoll(s, { ok: true, at, latencyMs: 1, repl: parseReplication(info.replication ?? {}), facts: parseServerFacts(info), info }),
        initialState(id, host, Number(port)),
      );
    }),
  );
}

/** A minimal view for tree shapes the fixtures do not cover. */
function view(id: string, role: NodeView["role"], masterId: string | null): NodeView {
  const i = id.lastIndexOf(":");
  return {
    id,
    host: id.slice(0, i),
    port: Number(id.slice(i + 1)),
    role,
    status: "up",
    masterId,
    linkStatus: role === "replica" ? "up" : null,
    replOffset: 0,
    lagBytes: role === "replica" ? 0 : null,
    lagUnknown: null,
    lagSeconds: null,
    ackLagBytes: null,
    masterLastIoSeconds: null,
    replTimeout: null,
    masterAnswering: null,
    stale: false,
    lastSeenAt: null,
    replid: null,
    syncInProgress: false,
    readOnly: null,
    runId: null,
    priority: null,
    replicaState: null,
    linkDownSince: null,
    downSince: null,
    lastError: null,
    connectedReplicas: 0,
    opsPerSec: null,
    usedMemory: null,
    keys: null,
    writeRate: null,
    version: null,
    failoverState: null,
    linkState: null,
    syncReadBytes: null,
    syncTotalBytes: null,
    syncLastIoSecondsAgo: null,
    disklessSyncDelay: null,
    snapshotStartsInSeconds: null,
    canPartialResync: null,
    backlogHeadroomBytes: null,
    backlogHeadroomSeconds: null,
    backlogTtlRemainingSeconds: null,
    backlogTtlKnownStart: null,
    minReplicasToWrite: null,
    goodReplicas: null,
    writesRefused: null,
    backlogSize: null,
    resyncing: false,
    lastResyncKind: null,
    lastResyncReason: null,
    lastResyncSource: null,
    lastResyncAt: null,
    lastResyncKeysLoaded: null,
    syncStartOffset: null,
    syncStartKind: null,
    peerNote: null,
  };
}

function event(id: number, kind: TimelineEvent["kind"] = "node:down"): TimelineEvent {
  return { id, at: T0 + id, topology: "main", kind, node: M, severity: "info", text: `event ${id}` };
}

function snapshot(over: Partial<TopologySnapshot> = {}): TopologySnapshot {
  return {
    at: T0,
    topologies: [{ name: "main", drills: false, nodes: fixtureViews(), lagHistory: { [R]: [[T0 - 1000, 5]] }, alerts: [], sentinels: [] }],
    events: [event(1, "node:discovered")],
    ...over,
  };
}

function delta(over: Partial<TopologyDelta>): TopologyDelta {
  return { at: T0 + 1000, topologies: [], events: [], droppedEvents: 0, ...over };
}

const topo = (s: LiveState, name = "main") => {
  const t = s.topologies.find((x) => x.name === name);
  assert.ok(t, `no topology ${name}`);
  return t;
};

/** The tree as nested ids, for compact assertions. */
type Shape = [string, Shape[]];
const shape = (t: TreeNode): Shape => [t.node.id, t.children.map(shape)];

describe("fromSnapshot", () => {
  test("indexes nodes by id and keeps lag history and events", () => {
    const s = fromSnapshot(snapshot());
    assert.equal(s.updatedAt, T0);
    const t = topo(s);
    assert.deepEqual(Object.keys(t.nodes).sort(), [C, R2, M, R].sort());
    assert.equal(t.nodes[R]?.masterId, M);
    assert.equal(t.nodes[C]?.masterId, R);
    assert.deepEqual(t.lag[R], [[T0 - 1000, 5]]);
    assert.deepEqual(s.events.map((e) => e.id), [1]);
  });

  test("caps lag points and events", () => {
    const pts: LagPoint[] = Array.from({ length: MAX_LAG_POINTS + 20 }, (_, i) => [T0 + i, i]);
    const events = Array.from({ length: MAX_EVENTS + 7 }, (_, i) => event(i));
    const s = fromSnapshot(snapshot({ events, topologies: [{ name: "main", drills: true, nodes: [], lagHistory: { [R]: pts }, alerts: [], sentinels: [] }] }));
    assert.equal(topo(s).lag[R]?.length, MAX_LAG_POINTS);
    assert.deepEqual(topo(s).lag[R]?.[0], [T0 + 20, 20]);
    assert.equal(s.events.length, MAX_EVENTS);
    assert.equal(s.events[0]?.id, 7);
    assert.equal(s.events.at(-1)?.id, MAX_EVENTS + 6);
    assert.equal(topo(s).drills, true);
  });
});

describe("applyDelta", () => {
  test("a patch merges into the existing view; other fields and nodes are untouched", () => {
    const before = fromSnapshot(snapshot());
    const after = applyDelta(before, delta({ topologies: [{ name: "main", upserts: [{ id: R, lagBytes: 4096, lagSeconds: 2 }], removed: [] }] }));
    const r = topo(after).nodes[R];
    assert.equal(r?.lagBytes, 4096);
    assert.equal(r?.lagSeconds, 2);
    assert.equal(r?.masterId, M);
    assert.equal(r?.runId, "c1d4c76859cb7a77f948655a616715f6381974af");
    assert.equal(topo(after).nodes[M], topo(before).nodes[M]);
    assert.equal(after.updatedAt, T0 + 1000);
    // the previous state is not mutated
    assert.equal(topo(before).nodes[R]?.lagBytes, 0);
  });

  test("a patch to null is applied", () => {
    const after = applyDelta(fromSnapshot(snapshot()), delta({ topologies: [{ name: "main", upserts: [{ id: R, lagBytes: null, status: "down" }], removed: [] }] }));
    assert.equal(topo(after).nodes[R]?.lagBytes, null);
    assert.equal(topo(after).nodes[R]?.status, "down");
  });

  test("a new node arrives as a whole view; a removed node disappears", () => {
    const newcomer = view("127.0.0.1:40000", "replica", M);
    const after = applyDelta(fromSnapshot(snapshot()), delta({ topologies: [{ name: "main", upserts: [newcomer], removed: [R2] }] }));
    assert.deepEqual(topo(after).nodes["127.0.0.1:40000"], newcomer);
    assert.equal(topo(after).nodes[R2], undefined);
    assert.equal(Object.keys(topo(after).nodes).length, 4);
  });

  test("events are appended and capped at MAX_EVENTS, keeping the newest", () => {
    const start = fromSnapshot(snapshot({ events: Array.from({ length: MAX_EVENTS - 2 }, (_, i) => event(i)) }));
    const added = [event(1000), event(1001), event(1002), event(1003), event(1004)];
    const after = applyDelta(start, delta({ events: added }));
    assert.equal(after.events.length, MAX_EVENTS);
    assert.deepEqual(after.events.slice(-5).map((e) => e.id), [1000, 1001, 1002, 1003, 1004]);
    assert.equal(after.events[0]?.id, 3);
  });

  test("a delta without events keeps the same events array", () => {
    const s = fromSnapshot(snapshot());
    assert.equal(applyDelta(s, delta({})).events, s.events);
  });

  test("a delta for another topology leaves this one alone", () => {
    const s = fromSnapshot(snapshot());
    const after = applyDelta(s, delta({ topologies: [{ name: "other", upserts: [{ id: R, lagBytes: 1 }], removed: [M] }] }));
    assert.equal(topo(after), topo(s));
  });
});

describe("sampleLag", () => {
  test("one point per replica; masters get none; a down replica samples null", () => {
    let s = fromSnapshot(snapshot());
    s = applyDelta(s, delta({ topologies: [{ name: "main", upserts: [{ id: R2, status: "down" }, { id: C, lagBytes: 68 }], removed: [] }] }));
    s = sampleLag(s, T0 + 2000);
    const lag = topo(s).lag;
    assert.deepEqual(Object.keys(lag).sort(), [C, R2, R].sort());
    assert.deepEqual(lag[R], [[T0 - 1000, 5], [T0 + 2000, 0]]);
    assert.deepEqual(lag[C], [[T0 + 2000, 68]]);
    assert.deepEqual(lag[R2], [[T0 + 2000, null]]);
    assert.equal(lag[M], undefined);
  });

  test("bounded at MAX_LAG_POINTS, dropping the oldest", () => {
    let s = fromSnapshot(snapshot());
    for (let i = 0; i < MAX_LAG_POINTS + 10; i++) s = sampleLag(s, T0 + i * 1000);
    const pts = topo(s).lag[R] ?? [];
    assert.equal(pts.length, MAX_LAG_POINTS);
    assert.deepEqual(pts[0], [T0 + 10_000, 0]);
    assert.deepEqual(pts.at(-1), [T0 + (MAX_LAG_POINTS + 9) * 1000, 0]);
  });

  test("lag of a node that left is dropped", () => {
    let s = fromSnapshot(snapshot());
    s = applyDelta(s, delta({ topologies: [{ name: "main", upserts: [], removed: [R] }] }));
    s = sampleLag(s, T0 + 1000);
    assert.equal(topo(s).lag[R], undefined);
  });

  test("the empty state stays empty", () => {
    assert.deepEqual(sampleLag(emptyState, T0), emptyState);
  });
});

describe("buildTree", () => {
  test("master → replicas → chained replica, from the real fixtures", () => {
    const trees = buildTree(fixtureViews());
    assert.deepEqual(trees.map(shape), [[M, [[R2, []], [R, [[C, []]]]]]]);
  });

  test("a replica whose master is unknown becomes a root, after the masters", () => {
    const views = fixtureViews().filter((v) => v.id !== M);
    const trees = buildTree(views);
    // R2 and R replicate from M, which is not in the list
    assert.deepEqual(trees.map(shape), [[R2, []], [R, [[C, []]]]]);
  });

  test("roots: masters first, then replicas, then unknown-role nodes, each by address", () => {
    const trees = buildTree([
      view("10.0.0.9:1", "unknown", null),
      view("10.0.0.5:6380", "replica", "gone:1"),
      view("10.0.0.7:6379", "master", null),
      view("10.0.0.1:6379", "master", null),
      view("10.0.0.1:6380", "replica", "10.0.0.1:6379"),
    ]);
    assert.deepEqual(trees.map(shape), [
      ["10.0.0.1:6379", [["10.0.0.1:6380", []]]],
      ["10.0.0.7:6379", []],
      ["10.0.0.5:6380", []],
      ["10.0.0.9:1", []],
    ]);
  });

  test("a replication loop A→B→A still shows both nodes exactly once", () => {
    const a = view("10.0.0.1:6379", "replica", "10.0.0.2:6379");
    const b = view("10.0.0.2:6379", "replica", "10.0.0.1:6379");
    const m = view("10.0.0.3:6379", "master", null);
    const trees = buildTree([a, b, m]);
    const ids: string[] = [];
    const walk = (t: TreeNode) => {
      ids.push(t.node.id);
      t.children.forEach(walk);
    };
    trees.forEach(walk);
    assert.deepEqual(ids.sort(), [a.id, b.id, m.id].sort());
    assert.equal(trees[0]?.node.id, m.id);
    assert.equal(trees.length, 2);
  });

  test("a node naming itself as master is a root", () => {
    const self = view("10.0.0.1:6379", "replica", "10.0.0.1:6379");
    assert.deepEqual(buildTree([self]).map(shape), [["10.0.0.1:6379", []]]);
  });

  test("no nodes → no trees", () => {
    assert.deepEqual(buildTree([]), []);
  });
});
