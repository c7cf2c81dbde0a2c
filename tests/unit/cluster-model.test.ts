import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { diffCluster, type ClusterEvent } from "@/lib/cluster/diff";
import { dialPlan } from "@/lib/cluster/discover";
import { buildClusterView, formatRanges, type ClusterNodeReading } from "@/lib/cluster/model";
import { createAllowList, parseAllowEntry, type AllowEntry } from "@/lib/redis/allow-list";
import { A, A_REPLICA, B, B_REPLICA, C, C_REPLICA, readings, seedOf } from "../support/cluster-fixtures";

// Views built from the real captures described in tests/support/cluster-fixtures.ts.
const view = (name: string) => {
  const [seed, ...others] = readings(name) as [ClusterNodeReading, ...ClusterNodeReading[]];
  return buildClusterView(seed, others);
};
/** A capture with CLUSTER NODES lines edited (to show what no capture can: unclaimed slots, a forgotten node). */
const edited = (name: string, edit: (nodes: string) => string): ClusterNodeReading => {
  const r = seedOf(name);
  return { ...r, nodes: edit(r.nodes), shards: undefined };
};
const kinds = (e: ClusterEvent[]) => e.map((x) => x.kind);
const one = (events: ClusterEvent[], kind: ClusterEvent["kind"]) => {
  const found = events.filter((e) => e.kind === kind);
  assert.equal(found.length, 1, `one ${kind} in ${kinds(events).join(", ")}`);
  return found[0]!;
};

describe("ClusterView", () => {
  it("groups masters and replicas into shards with compact slot ranges", () => {
    const v = view("healthy-master");
    assert.equal(v.seed, "127.0.0.1:27691");
    assert.equal(v.seedNodeId, A);
    assert.equal(v.state, "ok");
    assert.equal(v.currentEpoch, 6);
    assert.deepEqual(
      v.shards.map((s) => [s.masterId, s.masterAddress, s.replicaIds, s.slots, s.slotCount]),
      [
        [A, "127.0.0.1:27691", [A_REPLICA], [[0, 5460]], 5461],
        [B, "127.0.0.1:21261", [B_REPLICA], [[5461, 10922]], 5462],
        [C, "127.0.0.1:30387", [C_REPLICA], [[10923, 16383]], 5461],
      ],
    );
    assert.deepEqual(v.coverage, { covered: [[0, 16383]], coveredCount: 16384, uncovered: [], pfail: [], fail: [] });
    assert.deepEqual(v.migrations, []);
    assert.equal(v.nodes.length, 6);
    assert.deepEqual(v.nodes.map((n) => n.id), [...v.nodes.map((n) => n.id)].sort());
    const replica = v.nodes.find((n) => n.id === A_REPLICA)!;
    assert.deepEqual([replica.health, replica.replicationOffset], ["loading", 0], "SHARDS fields joined by id");
  });

  it("is the same cluster seen from a replica", () => {
    const fromMaster = view("healthy-master");
    const fromReplica = view("healthy-replica");
    assert.equal(fromReplica.seedNodeId, A_REPLICA);
    assert.deepEqual(fromReplica.shards, fromMaster.shards);
    assert.deepEqual(fromReplica.coverage, fromMaster.coverage);
    assert.deepEqual(diffCluster(fromMaster, fromReplica), []);
  });

  it("shows a migration from both sides, or from the side that was read", () => {
    assert.deepEqual(view("migrating").migrations, [{ slot: 100, from: A, to: B, seenBy: ["source", "target"] }]);
    assert.deepEqual(buildClusterView(seedOf("migrating")).migrations, [{ slot: 100, from: A, to: B, seenBy: ["source"] }]);
    assert.deepEqual(buildClusterView(readings("migrating")[1]!).migrations, [{ slot: 100, from: A, to: B, seenBy: ["target"] }]);
    // Slot 100 still belongs to the source until SETSLOT NODE.
    assert.deepEqual(view("migrating").shards[0]!.slots, [[0, 5460]]);
  });

  it("marks the slots of a PFAIL / FAIL master, and keeps the dead master as a shard of no slots", () => {
    assert.deepEqual(view("killed-pfail").coverage.pfail, [[100, 100], [5461, 11022]]);
    assert.deepEqual(view("killed-pfail").coverage.fail, []);
    const fail = view("killed-fail-seen");
    assert.deepEqual(fail.coverage.fail, [[100, 100], [5461, 11022]]);
    assert.equal(fail.coverage.coveredCount, 16384, "a FAIL master's slots are still claimed");
    assert.equal(fail.nodes.find((n) => n.id === B)!.failure, "fail");
    const after = view("failed-over");
    assert.deepEqual(after.coverage.fail, []);
    assert.deepEqual(after.shards.map((s) => [s.masterId, s.slotCount, s.replicaIds]), [
      [A, 5460, [A_REPLICA]],
      [B_REPLICA, 5563, []],
      [C, 5361, [C_REPLICA]],
      [B, 0, []],
    ]);
  });

  it("finds unclaimed slots", () => {
    const v = buildClusterView(edited("healthy-master", (t) => t.replace(" 10923-16383", " 10923-12000 12100-16383")));
    assert.deepEqual(v.coverage.uncovered, [[12001, 12099]]);
    assert.equal(v.coverage.coveredCount, 16384 - 99);
  });

  it("formats ranges for texts", () => {
    assert.equal(formatRanges([[0, 99], [101, 101]]), "0-99, 101");
    assert.equal(formatRanges([[1, 1], [3, 3], [5, 5]], 2), "1, 3 … (+1 more)");
  });

  it("says which announced nodes may be dialled", () => {
    const allow = (...e: string[]) => createAllowList(e.map((s) => parseAllowEntry(s) as AllowEntry));
    const v = view("healthy-master");
    assert.equal(dialPlan(v, allow("127.0.0.0/8")).dial.length, 6);
    const plan = dialPlan(v, allow("127.0.0.2"));
    assert.deepEqual(plan.dial, []);
    assert.equal(plan.refused.length, 6);
    const addressless = buildClusterView(edited("healthy-master", (t) => t.replace("127.0.0.1:21349@31349", ":0@0")));
    const p2 = dialPlan(addressless, allow("127.0.0.1"));
    assert.deepEqual(p2.refused, [{ id: C_REPLICA, address: null, reason: "no announced address" }]);
    assert.equal(p2.dial.find((d) => d.id === A)?.port, 27691);
  });
});

describe("diffCluster on captured views", () => {
  it("a manual migration starts, then ends with the slot moved and the target's epoch bumped", () => {
    assert.deepEqual(kinds(diffCluster(view("healthy-master"), view("migrating"))), ["cluster:migration-started"]);
    const events = diffCluster(view("migrating"), view("migrated"));
    assert.deepEqual(kinds(events).sort(), ["cluster:epoch-bumped", "cluster:migration-finished", "cluster:slots-moved"]);
    assert.match(one(events, "cluster:migration-finished").text, /slot 100 migration from 127\.0\.0\.1:27691 to 127\.0\.0\.1:21261 ended: now served by the target/);
    assert.deepEqual(one(events, "cluster:slots-moved").data, { from: A, to: B, count: 1, slots: "100" });
    assert.deepEqual(one(events, "cluster:epoch-bumped").data, { from: 6, to: 7 });
  });

  it("a reshard is one slots-moved event with its ranges (no epoch bump: the target already had the highest)", () => {
    const events = diffCluster(view("reshard-before"), view("reshard-after"));
    assert.deepEqual(kinds(events), ["cluster:slots-moved"]);
    assert.deepEqual(events[0]!.data, { from: C, to: B, count: 100, slots: "10923-11022" });
    assert.equal(events[0]!.node, "127.0.0.1:21261");
  });

  it("a SIGKILLed master: PFAIL, then FAIL with cluster_state fail, then its replica promoted", () => {
    const pfail = diffCluster(view("reshard-after"), view("killed-pfail"));
    assert.deepEqual(kinds(pfail), ["cluster:node-pfail"]);
    assert.equal(pfail[0]!.node, "127.0.0.1:21261");

    const fail = diffCluster(view("killed-pfail"), view("killed-fail-seen"));
    assert.deepEqual(kinds(fail), ["cluster:node-fail", "cluster:state-changed"]);
    assert.equal(fail[1]!.severity, "critical");
    assert.match(fail[1]!.text, /cluster_state ok → fail \(5563 slots FAIL, 0 unclaimed\)/);

    const over = diffCluster(view("killed-fail-seen"), view("failed-over"));
    assert.deepEqual(kinds(over), ["cluster:failover", "cluster:epoch-bumped", "cluster:state-changed"]);
    assert.deepEqual(over[0]!.data, { from: B, to: B_REPLICA, fromAddress: "127.0.0.1:21261", toAddress: "127.0.0.1:26139", slots: "100, 5461-11022" });
    assert.match(over[0]!.text, /127\.0\.0\.1:26139 replaced 127\.0\.0\.1:21261 as master of slots 100, 5461-11022 \(old master FAIL\)/);
    assert.deepEqual(over[1]!.data, { from: 7, to: 8 });

    // Across the whole episode at once.
    const all = diffCluster(view("reshard-after"), view("failed-over"));
    assert.deepEqual(kinds(all), ["cluster:node-fail", "cluster:failover", "cluster:epoch-bumped"]);
  });

  it("a failover is named even when the seed had not yet seen the promoted node as a replica", () => {
    // Right after CLUSTER FAILOVER others briefly list the old master as a slotless "master" (seen live
    // in cluster-core.test.ts); here the promoted node is shown that way before the kill.
    const stale = buildClusterView(edited("reshard-after", (t) => t.replace(`${B_REPLICA} 127.0.0.1:26139@36139 slave ${B} `, `${B_REPLICA} 127.0.0.1:26139@36139 master - `)));
    assert.equal(stale.nodes.find((n) => n.id === B_REPLICA)!.role, "master");
    const events = diffCluster(stale, view("failed-over"));
    assert.deepEqual(one(events, "cluster:failover").data, { from: B, to: B_REPLICA, fromAddress: "127.0.0.1:21261", toAddress: "127.0.0.1:26139", slots: "100, 5461-11022" });
    assert.equal(events.filter((e) => e.kind === "cluster:slots-moved").length, 0);
    // Slots given to an empty master while their owner stays a healthy master are a move, not a failover.
    const emptied = buildClusterView(edited("reshard-after", (t) => t.replace(" 100 5461-11022", "").replace(`${B_REPLICA} 127.0.0.1:26139@36139 slave ${B} 0 1796014715072 7 connected`, `${B_REPLICA} 127.0.0.1:26139@36139 master - 0 1796014715072 9 connected 100 5461-11022`)));
    assert.deepEqual(kinds(diffCluster(stale, emptied)), ["cluster:slots-moved"]);
  });

  it("a node reachable again is recovered", () => {
    const events = diffCluster(view("killed-pfail"), view("reshard-after"));
    assert.deepEqual(kinds(events), ["cluster:node-recovered"]);
    assert.match(events[0]!.text, /was PFAIL/);
  });

  it("nodes added and removed; slots unclaimed and claimed again", () => {
    const healthy = view("healthy-master");
    const forgotten = buildClusterView(edited("healthy-master", (t) => t.split("\n").filter((l) => !l.startsWith(C_REPLICA)).join("\n")));
    assert.deepEqual(kinds(diffCluster(healthy, forgotten)), ["cluster:node-removed"]);
    assert.deepEqual(kinds(diffCluster(forgotten, healthy)), ["cluster:node-added"]);

    const holed = buildClusterView(edited("healthy-master", (t) => t.replace(" 10923-16383", " 10923-12000 12100-16383")));
    const lost = diffCluster(healthy, holed);
    assert.deepEqual(kinds(lost), ["cluster:slots-uncovered"]);
    assert.deepEqual(lost[0]!.data, { count: 99, slots: "12001-12099", totalUncovered: 99 });
    const back = diffCluster(holed, healthy);
    assert.deepEqual(kinds(back), ["cluster:slots-covered"]);
    assert.match(back[0]!.text, /all 16384 covered/);
  });
});
