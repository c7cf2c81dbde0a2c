import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { pollResultOf } from "../../lib/monitor/poll-result";
import { applyPoll, initialState, type PollResult } from "../../lib/monitor/reduce";
import type { NodeState, NodeView } from "../../lib/monitor/types";
import { buildViews } from "../../lib/monitor/view";
import { diffView } from "../../lib/realtime/view-diff";
import { raw, setField } from "../support/info-fixtures";


const M = "127.0.0.1:45347";
const R = "127.0.0.1:45827";
const R2 = "127.0.0.1:37069";
const C = "127.0.0.1:37639";
const T0 = 1_795_564_572_000;


const ok = (text: string, at = T0): PollResult => pollResultOf({ info: text, at, latencyMs: 1 });

function node(id: string, ...polls: PollResult[]): NodeState {
  const i = id.lastIndexOf(":");
  let s = initialState(id, id.slice(0, i), Number(id.slice(i + 1)));
  for (const p of polls) s = applyPoll(s, p);
  return s;
}

/** master.txt where replica R has acked only 1500 of 1968 bytes and is 3 s behind. */
const masterText = (): string =>
  raw("master.txt").replace(
    "slave0:ip=127.0.0.1,port=45827,state=online,offset=1968,lag=0",
    "slave0:ip=127.0.0.1,port=45827,state=online,offset=1500,lag=3",
  );
/** replica.txt where its chained replica C has acked 1900 of 1968 bytes. */
const replicaText = (): string =>
  raw("replica.txt").replace(
    "slave0:ip=127.0.0.1,port=37639,state=online,offset=1968,lag=1",
    "slave0:ip=127.0.0.1,port=37639,state=online,offset=1900,lag=1",
  );

/**
 * Each replica is polled just before and just after its master (the poll loops interleave), so
 * both ordered pairs exist: replica-then-master for the PSYNC replay, master-then-replica for lag.
 */
function topology(): NodeState[] {
  return [
    node(C, ok(raw("chained-replica.txt"), T0 - 200), ok(raw("chained-replica.txt"), T0 + 200)),
    node(R, ok(replicaText(), T0 - 100), ok(replicaText(), T0 + 100)),
    node(R2, ok(raw("replica-2.txt"), T0 - 100), ok(raw("replica-2.txt"), T0 + 100)),
    node(M, ok(masterText())),
  ];
}

const byId = (views: NodeView[], id: string): NodeView => {
  const v = views.find((x) => x.id === id);
  assert.ok(v, `no view for ${id}`);
  return v;
};

describe("buildViews on a topology built from real INFO", () => {
  test("fixture edits took effect", () => {
    assert.notEqual(masterText(), raw("master.txt"));
    assert.notEqual(replicaText(), raw("replica.txt"));
  });

  test("ackLagBytes = master's master_repl_offset − the acked offset from its slave line; lagBytes = what the replica has applied", () => {
    const views = buildViews(topology(), undefined, undefined, undefined, T0 + 150);
    const r = byId(views, R);
    assert.equal(r.ackLagBytes, 1968 - 1500);
    // The replica itself (read after the master) had applied all 1968 bytes: no applied lag.
    assert.equal(r.lagBytes, 0);
    assert.equal(r.lagUnknown, null);
    assert.equal(r.lagSeconds, 3);
    assert.equal(r.replicaState, "online");
    assert.equal(byId(views, R2).lagBytes, 0);
    assert.equal(byId(views, R2).lagSeconds, 0);
  });

  test("a chained replica's lag is measured against the replica it replicates from", () => {
    const c = byId(buildViews(topology()), C);
    assert.equal(c.masterId, R);
    assert.equal(c.ackLagBytes, 68);
    assert.equal(c.lagBytes, 0);
    assert.equal(c.lagSeconds, 1);
  });

  test("a replica sample newer than its master's is never compared with it: no lag, no false 'out of backlog'", () => {
    // Only a replica poll after the master (and a much higher offset, as under heavy writes):
    const ahead = replicaText().replace(/master_repl_offset:1968/, "master_repl_offset:9000000").replace(/slave_repl_offset:1968/, "slave_repl_offset:9000000");
    const states = [node(R, ok(ahead, T0 + 100)), node(M, ok(masterText()))];
    const r = byId(buildViews(states), R);
    // master-then-replica exists: applied lag 0 (the replica is past the master's sample)
    assert.equal(r.lagBytes, 0);
    // but no replica-then-master pair: the PSYNC replay is not guessed
    assert.equal(r.canPartialResync, null);
  });

  test("a replica read before its master never looks past the backlog end", () => {
    const states = [node(R, ok(replicaText(), T0 - 100)), node(M, ok(masterText()))];
    const r = byId(buildViews(states), R);
    assert.equal(r.canPartialResync, true);
    assert.equal(r.lagBytes, null);
    assert.match(r.lagUnknown ?? "", /no ordered samples/);
  });

  test("the full view of a replica and of the master", () => {
    const views = buildViews(topology());
    assert.deepEqual(byId(views, R), {
      id: R,
      host: "127.0.0.1",
      port: 45827,
      role: "replica",
      status: "up",
      masterId: M,
      linkStatus: "up",
      replOffset: 1968,
      lagBytes: 0,
      lagUnknown: null,
      lagSeconds: 3,
      ackLagBytes: 468,
      masterLastIoSeconds: 1,
      replTimeout: null,
      masterAnswering: true,
      stale: false,
      lastSeenAt: T0 + 100,
      replid: "23ab9a1324da2c40134c1ea1836e6e9d22f46b93",
      syncInProgress: false,
      readOnly: true,
      runId: "c1d4c76859cb7a77f948655a616715f6381974af",
      priority: 100,
      replicaState: "online",
      linkDownSince: null,
      downSince: null,
      lastError: null,
      connectedReplicas: 1,
      opsPerSec: 33,
      usedMemory: 1140224,
      keys: 251,
      // two polls at the same offset: the replica's stream stood still
      writeRate: 0,
      version: "7.0.15",
      failoverState: "no-failover",
      linkState: "connected",
      syncReadBytes: null,
      syncTotalBytes: null,
      syncLastIoSecondsAgo: null,
      disklessSyncDelay: null,
      snapshotStartsInSeconds: null,
      // Same replication ID, offset inside the backlog: a dropped link would resync partially, for
      // up to repl_backlog_size more bytes (replica offset + size - master offset).
      canPartialResync: true,
      backlogHeadroomBytes: 1048576,
      backlogHeadroomSeconds: null,
      backlogTtlRemainingSeconds: null,
      backlogTtlKnownStart: null,
      minReplicasToWrite: null,
      goodReplicas: null,
      writesRefused: null,
      backlogSize: 1048576,
      resyncing: false,
      lastResyncKind: null,
      lastResyncReason: null,
      lastResyncSource: null,
      lastResyncAt: null,
      lastResyncKeysLoaded: null,
      syncStartOffset: null,
      syncStartKind: null,
      peerNote: null,
      // No CONFIG read in these fixtures: save points unknown, nothing worth a badge.
      persistenceBadges: [],
    } satisfies NodeView);
    const m = byId(views, M);
    assert.equal(m.role, "master");
    assert.equal(m.masterId, null);
    assert.equal(m.linkStatus, null);
    assert.equal(m.lagBytes, null);
    assert.equal(m.lagSeconds, null);
    assert.equal(m.readOnly, null);
    assert.equal(m.priority, null);
    assert.equal(m.replicaState, null);
    assert.equal(m.connectedReplicas, 2);
    assert.equal(m.keys, 251);
    assert.equal(m.usedMemory, 1160536);
  });

  test("a replica whose master is down: lag unknown (with why), no replica state, no PSYNC guess", () => {
    const states = topology();
    const mi = states.findIndex((s) => s.id === M);
    states[mi] = applyPoll(states[mi]!, { ok: false, at: T0 + 1000, error: "connect ECONNREFUSED" });
    const views = buildViews(states);
    const r = byId(views, R);
    assert.equal(r.lagBytes, null);
    assert.equal(r.lagUnknown, "its master is not answering");
    assert.equal(r.masterAnswering, false);
    assert.equal(r.ackLagBytes, null);
    assert.equal(r.lagSeconds, null);
    assert.equal(r.replicaState, null);
    assert.equal(r.canPartialResync, null);
    // the replica itself still answers, with its own (still "up") view of the link
    assert.equal(r.stale, false);
    assert.equal(r.linkStatus, "up");
    assert.equal(r.masterLastIoSeconds, 1);
    const m = byId(views, M);
    assert.equal(m.status, "down");
    // last-seen values of a node that does not answer, marked as such; no rates
    assert.equal(m.stale, true);
    assert.equal(m.lastSeenAt, T0);
    assert.equal(m.connectedReplicas, 2);
    assert.equal(m.opsPerSec, null);
    assert.equal(m.writeRate, null);
    assert.equal(m.lastError, "connect ECONNREFUSED");
    assert.equal(m.downSince, T0 + 1000);
    // the chained replica's master (R) is still up: its lag is still known
    const c = byId(views, C);
    assert.equal(c.masterAnswering, true);
    assert.equal(c.lagBytes, 0);
    assert.equal(c.ackLagBytes, 68);
  });

  test("a replica whose master is not watched has no lagBytes but keeps its masterId", () => {
    const views = buildViews([node(R, ok(replicaText(), T0 - 100), ok(replicaText(), T0 + 100))]);
    const r = byId(views, R);
    assert.equal(r.masterId, M);
    assert.equal(r.lagBytes, null);
    assert.equal(r.lagUnknown, "its master is not known to replscope");
    assert.equal(r.canPartialResync, null);
    // lagSeconds is only the master's ACK age: no fallback to the replica's own last I/O
    assert.equal(r.lagSeconds, null);
    assert.equal(r.ackLagBytes, null);
    assert.equal(r.masterLastIoSeconds, 1);
    // Not "master not answering": we simply do not watch it.
    assert.equal(r.masterAnswering, null);
  });

  test("a connecting replica: negative master_last_io_seconds_ago is not a lag", () => {
    const v = byId(buildViews([node("127.0.0.1:40000", ok(raw("replica-connecting.txt")))]), "127.0.0.1:40000");
    assert.equal(v.linkStatus, "down");
    assert.equal(v.lagSeconds, null);
    assert.equal(v.lagBytes, null);
    assert.equal(v.linkDownSince, T0 - 1000);
    assert.equal(v.masterId, "127.0.0.1:1");
  });

  test("a down replica reports no applied lag; its master's account of it (ACK age, unacked bytes) stays", () => {
    const states = topology();
    const ri = states.findIndex((s) => s.id === R);
    states[ri] = applyPoll(states[ri]!, { ok: false, at: T0 + 1000, error: "timeout" });
    const views = buildViews(states);
    const r = byId(views, R);
    assert.equal(r.status, "down");
    assert.equal(r.lagBytes, null);
    assert.equal(r.lagUnknown, "this replica is not answering");
    assert.equal(r.canPartialResync, null);
    // a frozen replica: what the master sees is current, and is what the operator needs
    assert.equal(r.lagSeconds, 3);
    assert.equal(r.ackLagBytes, 468);
    // its own numbers are last-seen, without rates
    assert.equal(r.stale, true);
    assert.equal(r.lastSeenAt, T0 + 100);
    assert.equal(r.connectedReplicas, 1);
    assert.equal(r.opsPerSec, null);
    assert.equal(r.writeRate, null);
    assert.equal(r.masterLastIoSeconds, null);
    // its own replica C now has a master that does not answer
    const c = byId(views, C);
    assert.equal(c.masterAnswering, false);
    assert.equal(c.lagBytes, null);
    assert.equal(c.lagUnknown, "its master is not answering");
  });

  test("aliases: the resolve function maps the addresses Redis reports onto node ids", () => {
    const alias: Record<string, string> = { [M]: "zz-master.local:45347", [R]: "aa-replica.local:45827" };
    const resolve = (a: string) => alias[a] ?? a;
    const states = [
      node("aa-replica.local:45827", ok(replicaText(), T0 - 100), ok(replicaText(), T0 + 100)),
      node("zz-master.local:45347", ok(masterText())),
    ];
    const resolved = buildViews(states, resolve);
    const r = byId(resolved, "aa-replica.local:45827");
    assert.equal(r.masterId, "zz-master.local:45347");
    assert.equal(r.ackLagBytes, 468);
    assert.equal(r.lagBytes, 0);
    assert.equal(r.canPartialResync, true);
    assert.equal(r.replicaState, "online");
    // masters first even when their host sorts later
    assert.deepEqual(resolved.map((v) => v.id), ["zz-master.local:45347", "aa-replica.local:45827"]);

    const unresolved = byId(buildViews(states), "aa-replica.local:45827");
    assert.equal(unresolved.masterId, M);
    assert.equal(unresolved.lagBytes, null);
    assert.equal(unresolved.ackLagBytes, null);
  });

  test("sorted masters first, then replicas by host and port, then nodes of unknown role", () => {
    const unknown = initialState("127.0.0.1:1000", "127.0.0.1", 1000);
    const views = buildViews([unknown, ...topology()]);
    assert.deepEqual(views.map((v) => v.id), [M, R2, C, R, "127.0.0.1:1000"]);
    assert.equal(views[4]?.role, "unknown");
    assert.equal(views[4]?.keys, null);
  });

  test("a node id seen twice is one view (the last state wins)", () => {
    const first = node(M, ok(raw("master.txt")));
    const second = node(M, ok(raw("master-one-replica-gone.txt")));
    const views = buildViews([first, second]);
    assert.equal(views.length, 1);
    assert.equal(views[0]?.connectedReplicas, 1);
  });

  test("writeRate is rounded to whole bytes per second", () => {
    const m = node(M, ok(raw("master.txt"), T0), ok(setField(raw("master.txt"), "master_repl_offset", "2301"), T0 + 3000));
    assert.equal(m.writeRate, 111);
    const m2 = node(M, ok(raw("master.txt"), T0), ok(setField(raw("master.txt"), "master_repl_offset", "2302"), T0 + 3000));
    assert.equal(byId(buildViews([m2]), M).writeRate, 111); // 111.33 → 111
    const m3 = node(M, ok(raw("master.txt"), T0), ok(setField(raw("master.txt"), "master_repl_offset", "1970"), T0 + 4000));
    assert.equal(byId(buildViews([m3]), M).writeRate, 1); // 0.5 → 1
  });
});

describe("diffView", () => {
  test("equal views → undefined", () => {
    const a = buildViews(topology());
    const b = buildViews(topology());
    for (const v of a) assert.equal(diffView(v, byId(b, v.id)), undefined, v.id);
  });

  test("returns only the changed fields plus id", () => {
    const before = byId(buildViews(topology()), R);
    const states = topology();
    const mi = states.findIndex((s) => s.id === M);
    states[mi] = node(M, ok(masterText().replace("offset=1500,lag=3", "offset=1968,lag=0")));
    const after = byId(buildViews(states), R);
    // the ACK caught up; the applied lag was 0 all along
    assert.deepEqual(diffView(before, after), { id: R, ackLagBytes: 0, lagSeconds: 0 });
  });

  test("a change to null is a change", () => {
    const before = byId(buildViews(topology()), R);
    const states = topology();
    const mi = states.findIndex((s) => s.id === M);
    states[mi] = applyPoll(states[mi]!, { ok: false, at: T0 + 1, error: "x" });
    const after = byId(buildViews(states), R);
    // With the master down its slave line is gone (no ACK age, no acked bytes), the applied lag
    // becomes unknown with a reason, and nothing can be said about backlog coverage.
    assert.deepEqual(diffView(before, after), {
      id: R,
      lagBytes: null,
      lagUnknown: "its master is not answering",
      lagSeconds: null,
      ackLagBytes: null,
      masterAnswering: false,
      replicaState: null,
      canPartialResync: null,
      backlogHeadroomBytes: null,
    });
  });

  test("no previous view → the whole view", () => {
    const v = byId(buildViews(topology()), M);
    assert.deepEqual(diffView(undefined, v), v);
  });
});
