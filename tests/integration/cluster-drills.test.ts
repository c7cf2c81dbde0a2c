// Cluster drills against a real 6-node Redis Cluster (3 masters × 1 replica, node-timeout 1000 ms):
// a default CLUSTER FAILOVER and a frozen master (DEBUG SLEEP) whose reports' lost writes are
// checked against an independent writer and against our own read of the canary key; a CLIENT PAUSE
// outage the cluster does not fail over; refused and stale plans that send nothing.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { randomUUID } from "node:crypto";
import Redis from "ioredis";
import { tagForSlot } from "@/lib/cluster/slot";
import { discoverCluster } from "@/lib/cluster/discover";
import type { ClusterView } from "@/lib/cluster/model";
import { checkClusterDrill } from "@/lib/drills/cluster/plan";
import { runClusterDrill, sendCommand, type SendCommand } from "@/lib/drills/cluster/runner";
import type { ClusterDrillPlan, ClusterDrillRequest, ClusterDrillResult } from "@/lib/drills/cluster/types";
import type { LocalRedis } from "@/lib/redis/local-server";
import { startCluster, type Cluster } from "../support/cluster";
import { startClusterWriter } from "../support/cluster-writer";
import { waitFor } from "../support/wait";

const allow = (host: string) => host === "127.0.0.1";

describe("cluster drills on a real Redis Cluster", { timeout: 240_000 }, () => {
  let cluster: Cluster | undefined;
  const clients: Redis[] = [];
  const seedOf = () => cluster!.nodes[0]!;
  const seedConn = () => ({ host: seedOf().host, port: seedOf().port, timeoutMs: 2000 });
  const view = () => discoverCluster(seedConn());
  const node = (address: string): LocalRedis => {
    const n = cluster!.nodes.find((x) => x.id === address);
    assert.ok(n, `${address} is one of ours`);
    return n;
  };
  const client = (n: LocalRedis) => {
    const r = new Redis({ host: n.host, port: n.port, maxRetriesPerRequest: 0, commandTimeout: 5000 });
    r.on("error", () => undefined);
    clients.push(r);
    return r;
  };
  const hkeys = async (n: LocalRedis, key: string) => new Set(((await client(n).hkeys(key)) as string[]).map(Number));
  /** Every node agrees on the roles (gossip settles a moment after a failover). */
  const settled = () =>
    waitFor(
      "every node agrees and cluster_state is ok",
      () => Promise.all(cluster!.nodes.map((n) => discoverCluster({ host: n.host, port: n.port, timeoutMs: 2000 }))),
      (vs) => vs.every((v) => v.state === "ok" && JSON.stringify(v.shards) === JSON.stringify(vs[0]!.shards)) && vs.every((v) => v.nodes.every((x) => x.failure === "ok" || x.role !== "master" || x.slotCount === 0)),
      30_000,
      200,
    );
  const plan = (v: ClusterView, req: ClusterDrillRequest): ClusterDrillPlan => {
    const c = checkClusterDrill(v, req, { allow, nodeTimeoutMs: cluster!.nodeTimeoutMs });
    assert.deepEqual(c.refusals, []);
    return c.plan!;
  };
  const explain = (r: ClusterDrillResult) => `${r.error}\n${r.steps.map((s) => `${s.name} [${s.status}] ${s.detail}`).join("\n")}`;
  /** Our own recount of the drill's canary: its acknowledged writes missing on the shard's final master. */
  const recount = async (r: ClusterDrillResult, finalMaster: LocalRedis) => {
    const present = await hkeys(finalMaster, r.report.canaryKey);
    return r.writes.filter((w) => w.ackAt !== null && !present.has(w.seq)).length;
  };

  before(async () => {
    cluster = await startCluster({ masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 1000, args: ["--enable-debug-command", "local"] });
    await settled();
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await cluster?.stop();
  });

  it("refuses a replica of another shard; a plan the cluster outran is refused at run time with nothing sent", async () => {
    const v = await view();
    const [s0, s1] = v.shards as [ClusterView["shards"][0], ClusterView["shards"][0]];
    const wrong = checkClusterDrill(v, { replicaId: s1.replicaIds[0]!, shardMasterId: s0.masterId, mode: "failover" }, { allow });
    assert.equal(wrong.plan, null);
    assert.match(wrong.refusals.join(), /replica of another shard/);
    const linkDown = checkClusterDrill(v, { replicaId: s0.replicaIds[0]!, mode: "failover" }, { allow, replicaLinkUp: false });
    assert.match(linkDown.refusals.join(), /link .* is down: a default CLUSTER FAILOVER needs the master/);

    // Planned, then the cluster fails over by itself before the drill runs.
    const stale = plan(v, { replicaId: s1.replicaIds[0]!, mode: "failover" });
    await client(node(stale.replica.address)).call("CLUSTER", "FAILOVER");
    await waitFor("the replica promoted", () => view(), (x) => x.nodes.find((n) => n.id === stale.replica.id)?.role === "master", 15_000, 100);
    await settled();
    const sent: string[] = [];
    const send: SendCommand = (conn, args, ms) => {
      sent.push(args.join(" "));
      return sendCommand(conn, args, ms);
    };
    const r = await runClusterDrill({ id: randomUUID(), plan: stale, signal: new AbortController().signal }, { seed: seedConn(), allow, send });
    assert.equal(r.status, "failed");
    assert.match(r.error ?? "", /the cluster changed since the plan/);
    assert.deepEqual(sent, [], "no command was sent");
    assert.equal(r.writes.length, 0, "the canary never started");
    for (const n of cluster!.nodes) assert.equal(await client(n).call("CLUSTER", "COUNTKEYSINSLOT", String(stale.canarySlot)), 0, `no key in slot ${stale.canarySlot} on ${n.id}`);
  });

  it("a default CLUSTER FAILOVER drill: promoted, epoch bumped, lost writes 0 — as the independent writer finds", async (t) => {
    const v = await view();
    const shard = v.shards[0]!;
    const p = plan(v, { replicaId: shard.replicaIds[0]!, shardMasterId: shard.masterId, mode: "failover" });
    const lastSlot = shard.slots[shard.slots.length - 1]![1];
    const writer = startClusterWriter(cluster!.nodes, node(p.observer.address), `test:writer:${tagForSlot(lastSlot)}`);
    await waitFor("the test writer's writes acknowledged", () => writer.writes.filter((w) => w.ok === true).length, (n) => n >= 20, 10_000);
    const sent: string[] = [];
    const send: SendCommand = (conn, args, ms) => {
      sent.push(`${args.join(" ")} → ${conn.host}:${conn.port}`);
      return sendCommand(conn, args, ms);
    };
    const r = await runClusterDrill({ id: randomUUID(), plan: p, signal: new AbortController().signal }, { seed: seedConn(), allow, send });
    await writer.stop();
    assert.equal(r.status, "done", explain(r));
    const rep = r.report;
    assert.equal(rep.promoted, true);
    assert.equal(rep.newMaster, p.replica.id);
    assert.equal(rep.oldMaster, shard.masterId);
    assert.deepEqual(sent.filter((s) => !s.startsWith("HKEYS")), [`CLUSTER FAILOVER → ${p.replica.address}`], "one command, to the replica");
    assert.ok(rep.epochBefore !== null && rep.epochAfter !== null && rep.epochAfter > rep.epochBefore, `epoch ${rep.epochBefore} → ${rep.epochAfter}`);
    assert.ok(rep.newMasterConfigEpoch !== null && rep.newMasterConfigEpoch > rep.epochBefore!);
    assert.deepEqual(rep.oldMasterNow, { role: "replica", masterId: p.replica.id, failure: "ok" });
    assert.ok(rep.promoteMs !== null && rep.promoteMs >= 0);
    assert.ok(rep.canary.acked > 20, `the canary wrote: ${JSON.stringify(rep.canary)}`);
    const newMaster = node(p.replica.address);
    const ours = writer.lost(await hkeys(newMaster, writer.key));
    t.diagnostic(`promote ${rep.promoteMs} ms, write outage ${rep.writeOutageMs} ms, lost: report ${rep.lostWrites}, independent ${ours.length} of ${writer.writes.filter((w) => w.ok).length} acked`);
    assert.equal(rep.lostWrites, ours.length, `report ${rep.lostWrites} vs independent ${ours.length}`);
    assert.equal(rep.lostWrites, 0, "a default CLUSTER FAILOVER waits for the replica to catch up");
    assert.equal(await recount(r, newMaster), rep.lostWrites);
    assert.ok(r.steps.some((s) => s.name === "failover" && s.status === "ok" && s.command));
    assert.ok(r.steps.some((s) => s.name === "old master" && s.status === "ok"));
    await settled();
  });

  for (const mode of ["force", "takeover"] as const) {
    it(`a CLUSTER FAILOVER ${mode.toUpperCase()} drill: promoted with a bumped epoch; the report's lost writes are what the new master is missing`, async (t) => {
      const v = await view();
      const shard = v.shards.find((s) => s.replicaIds.length === 1)!;
      const p = plan(v, { replicaId: shard.replicaIds[0]!, mode });
      const sent: string[] = [];
      const send: SendCommand = (conn, args, ms) => {
        sent.push(`${args.join(" ")} → ${conn.host}:${conn.port}`);
        return sendCommand(conn, args, ms);
      };
      const r = await runClusterDrill({ id: randomUUID(), plan: p, signal: new AbortController().signal }, { seed: seedConn(), allow, send });
      assert.equal(r.status, "done", explain(r));
      const rep = r.report;
      t.diagnostic(`promote ${rep.promoteMs} ms, write outage ${rep.writeOutageMs} ms, lost ${rep.lostWrites}, epoch ${rep.epochBefore} → ${rep.epochAfter}`);
      assert.deepEqual(sent.filter((s) => !s.startsWith("HKEYS")), [`CLUSTER FAILOVER ${mode.toUpperCase()} → ${p.replica.address}`]);
      assert.equal(rep.promoted, true);
      assert.equal(rep.newMaster, p.replica.id);
      assert.ok(rep.epochAfter! > rep.epochBefore!);
      assert.equal(await recount(r, node(p.replica.address)), rep.lostWrites);
      await settled();
    });
  }

  it("a frozen master (DEBUG SLEEP past node-timeout): the cluster promotes its replica; lost writes as the independent writer finds", async (t) => {
    const v = await view();
    // A shard whose master has not been touched by the tests above.
    const shard = v.shards.find((s) => s.masterId !== v.shards[0]!.masterId && s.replicaIds.length === 1 && s.masterAddress !== seedOf().id)!;
    const p = plan(v, { replicaId: shard.replicaIds[0]!, mode: "outage", outageMethod: "sleep", outageMs: 5000 });
    const writer = startClusterWriter(cluster!.nodes, node(p.observer.address), `test:writer:${tagForSlot(shard.slots[0]![1])}`);
    await waitFor("the test writer's writes acknowledged", () => writer.writes.filter((w) => w.ok === true).length, (n) => n >= 20, 10_000);
    const r = await runClusterDrill({ id: randomUUID(), plan: p, signal: new AbortController().signal }, { seed: seedConn(), allow });
    await writer.stop();
    assert.equal(r.status, "done", explain(r));
    const rep = r.report;
    assert.equal(rep.promoted, true, explain(r));
    assert.equal(rep.newMaster, p.replica.id);
    assert.ok(rep.epochAfter! > rep.epochBefore!);
    assert.ok(rep.writeOutageMs !== null, "the canary saw the outage");
    const newMaster = node(p.replica.address);
    const ours = writer.lost(await hkeys(newMaster, writer.key));
    t.diagnostic(`promote ${rep.promoteMs} ms, write outage ${rep.writeOutageMs} ms, lost: report ${rep.lostWrites} (seqs ${rep.canary.lostSeqs.slice(0, 20).join(",")}), independent ${ours.length} (${ours.slice(0, 20).join(",")}); old master now ${JSON.stringify(rep.oldMasterNow)}`);
    assert.equal(await recount(r, newMaster), rep.lostWrites, "the report's count is what the new master is missing");
    // Two writers at different cadences cannot lose the same NUMBER of writes; they must lose the
    // same thing: what each sent to the frozen master between the command and the moment it could
    // know of the promotion (the canary follows the observer's view; our writer re-reads it every
    // 100 ms, hence the second of slack), and which the master acknowledged when it woke.
    assert.ok(rep.lostWrites !== null, "the outage's writes were read back");
    assert.equal(rep.lostWrites > 0, ours.length > 0, `report ${rep.lostWrites} vs independent ${ours.length}`);
    const inWindow = (sentAt: number) => sentAt >= rep.actionAt! - 60 && sentAt <= rep.promotedAt! + 1000;
    const reportLost = new Set(rep.canary.lostSeqs);
    assert.deepEqual(r.writes.filter((w) => reportLost.has(w.seq) && !inWindow(w.sentAt)).map((w) => w.seq), [], "the canary lost only writes sent to the frozen master");
    const oursLost = new Set(ours);
    assert.deepEqual(writer.writes.filter((w) => oursLost.has(w.seq) && !inWindow(w.sentAt)).map((w) => w.seq), [], "so did the independent writer");
    assert.ok(r.writes.filter((w) => reportLost.has(w.seq)).every((w) => w.node === p.master.id));
    await settled();
  });

  it("CLIENT PAUSE on a master: clients see the outage, the cluster keeps the master (its bus still answers), nothing lost", async (t) => {
    const v = await view();
    const shard = v.shards.find((s) => s.replicaIds.length === 1 && s.masterAddress !== seedOf().id)!;
    const p = plan(v, { replicaId: shard.replicaIds[0]!, mode: "outage", outageMethod: "pause", outageMs: 3000 });
    const r = await runClusterDrill({ id: randomUUID(), plan: p, signal: new AbortController().signal }, { seed: seedConn(), allow });
    assert.equal(r.status, "done", explain(r));
    const rep = r.report;
    t.diagnostic(`write outage ${rep.writeOutageMs} ms, lost ${rep.lostWrites}, epoch ${rep.epochBefore} → ${rep.epochAfter}`);
    assert.equal(rep.promoted, false);
    assert.equal(rep.newMaster, p.master.id);
    assert.equal(rep.epochAfter, rep.epochBefore, "no failover, no epoch bump");
    assert.ok(rep.writeOutageMs !== null, "the canary saw the pause");
    assert.equal(rep.lostWrites, 0);
    assert.equal(await recount(r, node(p.master.address)), 0);
    assert.ok(r.steps.some((s) => s.name === "not promoted"));
  });

  it("an abort during a CLIENT PAUSE outage ends the drill and says how long the master stays paused", async () => {
    const v = await view();
    const shard = v.shards.find((s) => s.replicaIds.length === 1 && s.masterAddress !== seedOf().id)!;
    const p = plan(v, { replicaId: shard.replicaIds[0]!, mode: "outage", outageMethod: "pause", outageMs: 60_000 });
    const abort = new AbortController();
    const running = runClusterDrill({ id: randomUUID(), plan: p, signal: abort.signal }, { seed: seedConn(), allow });
    const master = client(node(p.master.address));
    await waitFor("the master paused", async () => (await client(node(p.observer.address)).call("PING")) === "PONG" && (await Promise.race([master.call("PING").then(() => "answers"), new Promise((r) => setTimeout(() => r("paused"), 300))])), (s) => s === "paused", 15_000, 100);
    abort.abort();
    const r = await running;
    assert.equal(r.status, "aborted");
    assert.ok(r.steps.some((s) => s.name === "outage" && /stays paused until/.test(s.detail)), explain(r));
    assert.ok(r.steps.some((s) => s.name === "read back" && /skipped: .* is still paused/.test(s.detail)), explain(r));
    assert.ok(!r.steps.some((s) => s.command && s.name !== "outage"), "nothing else was sent");
  });
});
