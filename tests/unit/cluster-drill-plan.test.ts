// The cluster drill's plan check on views built from real captures (tests/support/cluster-fixtures.ts).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { keySlot, tagForSlot } from "@/lib/cluster/slot";
import { buildClusterView, type ClusterNodeReading } from "@/lib/cluster/model";
import { checkClusterDrill, type PlanContext } from "@/lib/drills/cluster/plan";
import { buildClusterReport, clusterReportMarkdown, coversSlots, promotedNode, slotOwner } from "@/lib/drills/cluster/report";
import type { ClusterDrillRequest } from "@/lib/drills/cluster/types";
import { A, A_REPLICA, B, B_REPLICA, C, C_REPLICA, readings } from "../support/cluster-fixtures";

const view = (name: string) => {
  const [seed, ...others] = readings(name) as [ClusterNodeReading, ...ClusterNodeReading[]];
  return buildClusterView(seed, others);
};
const loopback: PlanContext = { allow: (h) => h === "127.0.0.1" };
const check = (name: string, req: ClusterDrillRequest, ctx: PlanContext = loopback) => checkClusterDrill(view(name), req, ctx);
const refused = (name: string, req: ClusterDrillRequest, pattern: RegExp, ctx?: PlanContext) => {
  const c = check(name, req, ctx);
  assert.equal(c.plan, null, `refused: ${JSON.stringify(req)}`);
  assert.ok(c.refusals.some((r) => pattern.test(r)), `a refusal matching ${pattern} in ${JSON.stringify(c.refusals)}`);
};

describe("checkClusterDrill", () => {
  it("plans a default CLUSTER FAILOVER: shard, slots, the command to the replica, an observer outside the shard", () => {
    const c = check("healthy-master", { replicaId: A_REPLICA, mode: "failover" });
    assert.deepEqual(c.refusals, []);
    const p = c.plan!;
    assert.equal(p.master.id, A);
    assert.equal(p.replica.address, "127.0.0.1:28136");
    assert.deepEqual(p.slots, [[0, 5460]]);
    assert.equal(p.slotsText, "0-5460");
    assert.equal(p.canarySlot, 0);
    assert.deepEqual(p.command, { node: p.replica, args: ["CLUSTER", "FAILOVER"] });
    // The seed (:27691) is A itself, in the affected shard: the drill watches from another master.
    assert.notEqual(p.observer.id, A);
    assert.ok([B, C].includes(p.observer.id));
    assert.deepEqual(p.touches.map((t) => t.id), [A, A_REPLICA, p.observer.id]);
    assert.equal(p.currentEpoch, 6);
    assert.deepEqual(p.warnings, []);
  });

  it("FORCE and TAKEOVER name their option; an outage targets the master with CLIENT PAUSE or DEBUG SLEEP", () => {
    assert.deepEqual(check("healthy-master", { replicaId: C_REPLICA, mode: "force" }).plan?.command.args, ["CLUSTER", "FAILOVER", "FORCE"]);
    assert.deepEqual(check("healthy-master", { replicaId: C_REPLICA, mode: "takeover" }).plan?.command.args, ["CLUSTER", "FAILOVER", "TAKEOVER"]);
    const pause = check("healthy-master", { replicaId: B_REPLICA, mode: "outage", outageMs: 5000 }).plan!;
    assert.equal(pause.command.node.id, B);
    assert.deepEqual(pause.command.args, ["CLIENT", "PAUSE", 5000, "ALL"]);
    assert.match(pause.warnings.join(" "), /cluster bus/);
    assert.equal(pause.observer.id, A, "the seed is outside shard B: it is the observer");
    const sleep = check("healthy-master", { replicaId: B_REPLICA, mode: "outage", outageMethod: "sleep", outageMs: 4000 }, { ...loopback, nodeTimeoutMs: 2000 }).plan!;
    assert.deepEqual(sleep.command.args, ["DEBUG", "SLEEP", 4]);
    assert.match(sleep.warnings.join(" "), /short against cluster-node-timeout 2000/);
    refused("healthy-master", { replicaId: B_REPLICA, mode: "outage", outageMs: 500 }, /outageMs must be/);
  });

  it("refuses a master, an unknown node, and a replica of another shard", () => {
    refused("healthy-master", { replicaId: A, mode: "failover" }, /is a master, not a replica/);
    refused("healthy-master", { replicaId: "f".repeat(40), mode: "failover" }, /not in the cluster/);
    refused("healthy-master", { replicaId: B_REPLICA, shardMasterId: A, mode: "failover" }, /replica of another shard/);
    assert.ok(check("healthy-master", { replicaId: B_REPLICA, shardMasterId: B, mode: "failover" }).plan);
  });

  it("refuses the default mode when the master's link is down; FORCE runs with a warning; an outage has nothing to take down", () => {
    // killed-pfail: B is flagged fail? and its link is disconnected in the seed's view.
    refused("killed-pfail", { replicaId: B_REPLICA, mode: "failover" }, /flagged PFAIL: a default CLUSTER FAILOVER needs the master/);
    const force = check("killed-pfail", { replicaId: B_REPLICA, mode: "force" });
    assert.deepEqual(force.refusals, []);
    assert.match(force.plan!.warnings.join(" "), /flagged PFAIL/);
    refused("killed-pfail", { replicaId: B_REPLICA, mode: "outage" }, /nothing left to take down/);
    // The replica's own replication link, when read, counts too.
    refused("healthy-master", { replicaId: C_REPLICA, mode: "failover" }, /replication link .* is down/, { ...loopback, replicaLinkUp: false });
    // Another shard in trouble is worth a warning, not a refusal.
    assert.match(check("killed-pfail", { replicaId: C_REPLICA, mode: "failover" }).plan!.warnings.join(" "), /other node\(s\) flagged/);
  });

  it("refuses while cluster_state is fail, and a shard with a slot migration in progress", () => {
    refused("killed-fail-seen", { replicaId: C_REPLICA, mode: "takeover" }, /cluster_state is fail/);
    refused("migrating", { replicaId: A_REPLICA, mode: "failover" }, /slot migration involves this shard \(slot 100\)/);
    refused("migrating", { replicaId: B_REPLICA, mode: "force" }, /slot migration/);
    assert.ok(check("migrating", { replicaId: C_REPLICA, mode: "failover" }).plan, "another shard is fine");
  });

  it("never plans to dial an address discovery.allow refuses (the seed excepted)", () => {
    const none: PlanContext = { allow: () => false };
    refused("healthy-master", { replicaId: B_REPLICA, mode: "failover" }, /127\.0\.0\.1:26139 .* is not in discovery\.allow/, none);
    refused("healthy-master", { replicaId: A_REPLICA, mode: "failover" }, /no node outside this shard may be dialled/, none);
  });

  it("a replica whose master serves no slots is in no shard; a multi-range shard canaries in its first slot", () => {
    // failed-over: B is a failed master with no slots; B's old replica serves 100 and 5461-11022.
    refused("failed-over", { replicaId: B, mode: "failover" }, /is a master/);
    const p = check("migrated", { replicaId: B_REPLICA, mode: "failover" }).plan!;
    assert.equal(p.slotsText, "100, 5461-10922");
    assert.equal(p.canarySlot, 100);
    assert.equal(keySlot(`replscope:drill:x:canary:${tagForSlot(p.canarySlot)}`), 100);
  });

  it("promotion is the replica owning every slot of the shard with a config epoch above the one before", () => {
    const plan = check("reshard-after", { replicaId: B_REPLICA, mode: "force" }).plan!;
    const after = view("failed-over");
    assert.equal(promotedNode(after, plan, 7), B_REPLICA);
    assert.equal(promotedNode(after, plan, 8), null, "no epoch bump, no promotion");
    assert.equal(promotedNode(view("reshard-after"), plan, 7), null);
    assert.equal(slotOwner(after, 100), B_REPLICA);
    assert.equal(slotOwner(after, 5460), A);
    assert.ok(coversSlots([[0, 99], [100, 200]], [[50, 150]]));
    assert.ok(!coversSlots([[0, 99], [101, 200]], [[50, 150]]));
  });

  it("the report counts acknowledged writes missing on the final master; its Markdown escapes what Redis said", () => {
    const plan = check("reshard-after", { replicaId: B_REPLICA, mode: "force" }).plan!;
    const w = (seq: number, ack: boolean, failed = false) => ({ seq, node: B, sentAt: 1000 + seq * 10, ackAt: ack ? 1000 + seq * 10 + 5 : null, failedAt: failed ? 1000 + seq * 10 + 1 : null, error: null });
    const writes = [w(1, true), w(2, true, true), w(3, false, true), w(4, true), w(5, true)];
    const r = buildClusterReport({ plan, canaryKey: "k", startedAt: 900, actionAt: 1015, promotedAt: 1400, endedAt: 2000, newMaster: B_REPLICA, epochBefore: 7, finalView: view("failed-over"), writes, present: new Set([1, 4, 5]) });
    assert.equal(r.lostWrites, 1, "seq 2 was acknowledged late and is gone; seq 3 was never acknowledged");
    const unread = buildClusterReport({ plan, canaryKey: "k", startedAt: 900, actionAt: 1015, promotedAt: null, endedAt: 2000, newMaster: null, epochBefore: 7, finalView: null, writes, present: null });
    assert.equal(unread.lostWrites, null, "writes never read back: unknown, not 0");
    assert.match(clusterReportMarkdown({ id: "d0", topology: "c", status: "failed", user: "u", steps: [] }, unread), /unknown \(not read back\)/);
    assert.deepEqual(r.canary.lostSeqs, [2]);
    assert.deepEqual([r.canary.sent, r.canary.acked, r.canary.failed], [5, 4, 1]);
    assert.equal(r.promoted, true);
    assert.equal(r.promoteMs, 385);
    assert.deepEqual([r.epochBefore, r.epochAfter, r.newMasterConfigEpoch], [7, 8, 8]);
    assert.deepEqual(r.oldMasterNow, { role: "master", masterId: null, failure: "fail" });
    const md = clusterReportMarkdown({ id: "d1", topology: "c", status: "done", user: "u", steps: [{ at: 0, name: "x", status: "info", detail: "[a](http://e) <b>" }] }, r);
    assert.match(md, /\| lost writes \(acknowledged, then gone\) \| 1 \|/);
    assert.match(md, /\\\[a\\\]\\\(http:\/\/e\\\) &lt;b&gt;/);
  });
});
