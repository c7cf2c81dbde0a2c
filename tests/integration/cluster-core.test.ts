// lib/cluster against a real 6-node Redis Cluster (3 masters × 1 replica, node-timeout 2000): the same
// view from any node, a manual slot migration caught in progress, a `redis-cli --cluster reshard`,
// and a master SIGKILLed until its replica is promoted.
// REPLSCOPE_CAPTURE_FIXTURES=1 also saves the raw readings to tests/fixtures/cluster/ (unit-test input).
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import Redis from "ioredis";
import { diffCluster, type ClusterEvent } from "@/lib/cluster/diff";
import { ClusterReadError, dialPlan, discoverCluster, readClusterNode } from "@/lib/cluster/discover";
import { buildClusterView, type ClusterNodeReading, type ClusterView } from "@/lib/cluster/model";
import { createAllowList, parseAllowEntry, type AllowEntry } from "@/lib/redis/allow-list";
import { freePort, startRedis, type LocalRedis } from "@/lib/redis/local-server";
import { keySlot, redisCli, startCluster, tagForSlot, type Cluster } from "../support/cluster";
import { waitFor } from "../support/wait";

const CAPTURE = process.env.REPLSCOPE_CAPTURE_FIXTURES === "1";
const FIXTURES = path.join(__dirname, "..", "fixtures", "cluster");

function capture(name: string, readings: ClusterNodeReading[]): void {
  if (!CAPTURE) return;
  mkdirSync(FIXTURES, { recursive: true });
  writeFileSync(path.join(FIXTURES, `${name}.json`), `${JSON.stringify(readings, null, 1)}\n`);
}

const conn = (n: LocalRedis) => ({ host: n.host, port: n.port, timeoutMs: 2000 });
const read = (n: LocalRedis) => readClusterNode(conn(n));
const view = (n: LocalRedis) => discoverCluster(conn(n));

/** What every node must agree on (not ping times, link states or who is "myself"). */
const topologyOf = (v: ClusterView) => ({
  shards: v.shards.map((s) => ({ master: s.masterId, replicas: s.replicaIds, slots: s.slots })),
  coverage: v.coverage,
  nodes: v.nodes.map((n) => ({ id: n.id, address: n.address, role: n.role, masterId: n.masterId, failure: n.failure })),
});

function rawConnection(n: LocalRedis): Redis {
  const r = new Redis({ host: n.host, port: n.port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on("error", () => undefined);
  return r;
}

const kinds = (events: ClusterEvent[]) => events.map((e) => e.kind);

describe("lib/cluster on a real Redis Cluster", { timeout: 150_000 }, () => {
  let cluster: Cluster | undefined;
  const clients: Redis[] = [];
  const client = (n: LocalRedis) => {
    const r = rawConnection(n);
    clients.push(r);
    return r;
  };
  /** The node (LocalRedis) behind a node id of a view. */
  const byId = (v: ClusterView, id: string) => {
    const address = v.nodes.find((n) => n.id === id)?.address;
    const node = cluster!.nodes.find((n) => n.id === address);
    assert.ok(node, `node ${id} (${address}) is one of ours`);
    return node;
  };

  before(async () => {
    cluster = await startCluster({ masters: 3, replicasPerMaster: 1 });
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await cluster?.stop();
  });

  it("every node, master or replica, gives the same shards, slots and roles", async () => {
    const nodes = cluster!.nodes;
    // Gossip spreads the final config epochs a moment after cluster_state:ok.
    const views = await waitFor(
      "all six nodes agree",
      () => Promise.all(nodes.map(view)),
      (vs) => vs.every((v) => JSON.stringify(topologyOf(v)) === JSON.stringify(topologyOf(vs[0]!)) && v.currentEpoch === vs[0]!.currentEpoch),
      15_000,
      200,
    );
    const v = views[0]!;
    assert.equal(v.state, "ok");
    assert.equal(v.shards.length, 3);
    assert.deepEqual(v.coverage.uncovered, []);
    assert.equal(v.coverage.coveredCount, 16384);
    for (const s of v.shards) assert.equal(s.replicaIds.length, 1, `shard ${s.masterId} has one replica`);
    assert.deepEqual(v.shards.map((s) => s.slots), [[[0, 5460]], [[5461, 10922]], [[10923, 16383]]]);
    assert.deepEqual(new Set(v.nodes.map((n) => n.address)), new Set(nodes.map((n) => n.id)));
    // SHARDS health: masters "online" (replicas say "loading" on 7.0.15 until their offset moves past 0).
    assert.deepEqual(v.nodes.filter((n) => n.role === "master").map((n) => n.health), ["online", "online", "online"]);
    assert.ok(views.every((x, i) => x.seed === nodes[i]!.id && x.seedNodeId !== null));

    // The announced addresses are data: dialled only when allowed.
    const allow = (...e: string[]) => createAllowList(e.map((s) => parseAllowEntry(s) as AllowEntry));
    assert.equal(dialPlan(v, allow("127.0.0.1")).dial.length, 6);
    const refused = dialPlan(v, allow("10.0.0.0/8", "localhost"));
    assert.equal(refused.dial.length, 0);
    assert.equal(refused.refused.length, 6);
    assert.match(refused.refused[0]!.reason, /not in discovery\.allow/);

    const master = nodes.find((n) => n.id === v.shards[0]!.masterAddress)!;
    const replica = nodes.find((n) => n.id === v.nodes.find((x) => x.id === v.shards[0]!.replicaIds[0])!.address)!;
    capture("healthy-master", [await read(master)]);
    capture("healthy-replica", [await read(replica)]);
  });

  it("a slot migration is seen in progress (keys left on both sides), then finished", async () => {
    const v0 = await view(cluster!.nodes[0]!);
    const [a, b] = v0.shards as [(typeof v0.shards)[0], (typeof v0.shards)[0]];
    const source = byId(v0, a.masterId);
    const target = byId(v0, b.masterId);
    const slot = 100; // in shard 0 (0-5460)
    const tag = tagForSlot(slot);
    const src = client(source);
    const dst = client(target);
    assert.equal(await src.call("CLUSTER", "KEYSLOT", `${tag}:k`), slot, "keySlot agrees with CLUSTER KEYSLOT");
    const keys = Array.from({ length: 20 }, (_, i) => `${tag}:k${i}`);
    for (const k of keys) await src.set(k, "v");
    assert.equal(await src.call("CLUSTER", "COUNTKEYSINSLOT", String(slot)), 20);

    // The documented order: the target imports first, then the source migrates.
    await dst.call("CLUSTER", "SETSLOT", String(slot), "IMPORTING", a.masterId);
    await src.call("CLUSTER", "SETSLOT", String(slot), "MIGRATING", b.masterId);
    await src.call("MIGRATE", target.host, String(target.port), "", "0", "5000", "KEYS", ...keys.slice(0, 8));
    assert.equal(await src.call("CLUSTER", "COUNTKEYSINSLOT", String(slot)), 12);
    assert.equal(await dst.call("CLUSTER", "COUNTKEYSINSLOT", String(slot)), 8);

    const [rs, rt] = await Promise.all([read(source), read(target)]);
    capture("migrating", [rs, rt]);
    const migrating = buildClusterView(rs, [rt]);
    assert.deepEqual(migrating.migrations, [{ slot, from: a.masterId, to: b.masterId, seenBy: ["source", "target"] }]);
    // From the source alone the import side is unseen; from a third node nothing is.
    assert.deepEqual(buildClusterView(rs).migrations[0]?.seenBy, ["source"]);
    assert.deepEqual((await view(byId(v0, v0.shards[2]!.masterId))).migrations, []);
    assert.deepEqual(kinds(diffCluster(buildClusterView(await read(source)), migrating).filter((e) => e.kind.startsWith("cluster:migration"))), []);
    assert.deepEqual(kinds(diffCluster(v0, migrating)), ["cluster:migration-started"]);

    await src.call("MIGRATE", target.host, String(target.port), "", "0", "5000", "KEYS", ...keys.slice(8));
    for (const n of [target, source]) await client(n).call("CLUSTER", "SETSLOT", String(slot), "NODE", b.masterId);
    const done = await waitFor(
      `slot ${slot} owned by the target, seen from the source`,
      async () => buildClusterView(await read(source), [await read(target)]),
      (v) => v.migrations.length === 0 && v.shards.find((s) => s.masterId === b.masterId)!.slots.some(([x, y]) => x <= slot && slot <= y),
      10_000,
      100,
    );
    capture("migrated", [await read(source), await read(target)]);
    assert.equal(await dst.call("CLUSTER", "COUNTKEYSINSLOT", String(slot)), 20);
    const events = diffCluster(migrating, done);
    const finished = events.find((e) => e.kind === "cluster:migration-finished");
    assert.match(finished?.text ?? "", /slot 100 migration .* ended: now served by the target/);
    const moved = events.filter((e) => e.kind === "cluster:slots-moved");
    assert.equal(moved.length, 1);
    assert.equal(moved[0]!.data.count, 1);
    assert.equal(moved[0]!.data.slots, "100");
    assert.deepEqual(done.shards.find((s) => s.masterId === a.masterId)!.slots, [[0, 99], [101, 5460]]);
  });

  it("redis-cli --cluster reshard moves 100 slots with their keys; the diff names them", async () => {
    const seed = cluster!.nodes[0]!;
    const before = await view(seed);
    const from = before.shards[2]!; // 10923-16383: its first 100 slots go
    const to = before.shards[1]!;
    const source = byId(before, from.masterId);
    const src = client(source);
    const slots = Array.from({ length: 100 }, (_, i) => from.slots[0]![0] + i);
    for (const s of slots.filter((_, i) => i % 10 === 0)) await src.set(`${tagForSlot(s)}:x`, "v");
    assert.equal(await src.dbsize(), 10);
    capture("reshard-before", [await read(seed)]);

    await redisCli([
      "--cluster", "reshard", seed.id,
      "--cluster-from", from.masterId,
      "--cluster-to", to.masterId,
      "--cluster-slots", "100",
      "--cluster-yes",
    ]);
    const afterView = await waitFor(
      "the seed sees 100 slots moved",
      () => view(seed),
      (v) => v.shards.find((s) => s.masterId === from.masterId)!.slotCount === from.slotCount - 100,
      15_000,
      100,
    );
    capture("reshard-after", [await read(seed)]);
    assert.equal(await src.dbsize(), 0, "the keys went with their slots");
    assert.equal(await client(byId(before, to.masterId)).call("CLUSTER", "COUNTKEYSINSLOT", String(slots[0])), 1);
    const moved = diffCluster(before, afterView).filter((e) => e.kind === "cluster:slots-moved");
    assert.equal(moved.length, 1);
    assert.equal(moved[0]!.data.from, from.masterId);
    assert.equal(moved[0]!.data.to, to.masterId);
    assert.equal(moved[0]!.data.count, 100);
    assert.equal(moved[0]!.data.slots, `${slots[0]}-${slots[99]}`);
    assert.equal(afterView.coverage.coveredCount, 16384);
    assert.equal(keySlot(`${tagForSlot(slots[0]!)}:x`), slots[0]);
  });

  it("CLUSTER FAILOVER on a replica: a failover with the old master now its replica, no FAIL", async () => {
    const seed = cluster!.nodes[0]!;
    const before = await view(seed);
    const shard = before.shards[0]!;
    const replicaId = shard.replicaIds[0]!;
    await client(byId(before, replicaId)).call("CLUSTER", "FAILOVER");
    const after = await waitFor(
      `${replicaId} took over and ${shard.masterId} follows it`,
      () => view(seed),
      (v) => v.nodes.find((n) => n.id === replicaId)?.role === "master" && v.nodes.find((n) => n.id === shard.masterId)?.masterId === replicaId,
      15_000,
      100,
    );
    const events = diffCluster(before, after);
    const failover = events.filter((e) => e.kind === "cluster:failover");
    assert.equal(failover.length, 1);
    assert.deepEqual([failover[0]!.data.from, failover[0]!.data.to], [shard.masterId, replicaId]);
    assert.match(failover[0]!.text, /\(old master now its replica\)/);
    assert.ok(events.some((e) => e.kind === "cluster:epoch-bumped"));
    assert.deepEqual(kinds(events).filter((k) => /fail$|pfail|slots-moved|state-changed/.test(k)), []);
    assert.deepEqual(after.shards.find((s) => s.masterId === replicaId)!.replicaIds, [shard.masterId]);
    // The old master's switch to replica reaches the others by its own gossip, a moment later.
    await waitFor(
      "every node knows the new roles",
      () => Promise.all(cluster!.nodes.map(view)),
      (vs) => vs.every((v) => JSON.stringify(topologyOf(v)) === JSON.stringify(topologyOf(after))),
      15_000,
      100,
    );
  });

  it("SIGKILL of a master: PFAIL/FAIL, then its replica promoted and the epoch bumped", async () => {
    const nodes = cluster!.nodes;
    const before = await view(nodes[0]!);
    const shard = before.shards.find((s) => s.masterAddress !== nodes[0]!.id && s.replicaIds.length === 1)!;
    const victim = byId(before, shard.masterId);
    const replicaId = shard.replicaIds[0]!;
    const observer = nodes.find((n) => n !== victim && n.id !== before.nodes.find((x) => x.id === replicaId)!.address)!;
    const start = await view(observer);
    process.kill(victim.pid()!, "SIGKILL");

    const failing = await waitFor(
      `${observer.id} flags ${victim.id} PFAIL or FAIL`,
      () => read(observer),
      (r) => buildClusterView(r).nodes.find((n) => n.id === shard.masterId)!.failure !== "ok",
      15_000,
      50,
    );
    capture(`killed-${buildClusterView(failing).nodes.find((n) => n.id === shard.masterId)!.failure}`, [failing]);
    const failed = await waitFor(
      `${observer.id} flags ${victim.id} FAIL`,
      () => read(observer),
      (r) => buildClusterView(r).nodes.find((n) => n.id === shard.masterId)!.failure === "fail",
      15_000,
      50,
    );
    capture("killed-fail-seen", [failed]);
    const promoted = await waitFor(
      `${replicaId} promoted and cluster_state ok`,
      () => view(observer),
      (v) => v.state === "ok" && v.nodes.find((n) => n.id === replicaId)?.role === "master" && v.coverage.coveredCount === 16384,
      20_000,
      100,
    );
    capture("failed-over", [await read(observer)]);

    const events = diffCluster(start, promoted);
    const fail = events.find((e) => e.kind === "cluster:node-fail");
    assert.equal(fail?.data.id, shard.masterId);
    const failover = events.filter((e) => e.kind === "cluster:failover");
    assert.equal(failover.length, 1);
    assert.equal(failover[0]!.data.from, shard.masterId);
    assert.equal(failover[0]!.data.to, replicaId);
    assert.match(failover[0]!.text, /\(old master FAIL\)/);
    const epoch = events.find((e) => e.kind === "cluster:epoch-bumped");
    assert.ok(epoch && (epoch.data.to as number) > (epoch.data.from as number), "current epoch went up");
    assert.equal(events.filter((e) => e.kind === "cluster:slots-moved").length, 0, "a failover is not reported as slots moved");
    // The promoted replica's shard carries the slots; the dead master is a shard of none.
    assert.deepEqual(promoted.shards.find((s) => s.masterId === replicaId)!.slots, shard.slots);
    assert.equal(promoted.shards.find((s) => s.masterId === shard.masterId)?.slotCount ?? 0, 0);
  });
});

describe("readClusterNode on nodes that cannot answer", { timeout: 30_000 }, () => {
  let plain: LocalRedis | undefined;
  before(async () => {
    plain = await startRedis();
  });
  after(async () => {
    await plain?.stop();
  });

  it("names a non-cluster server, a refused connection and a frozen server", async () => {
    const reason = (p: Promise<unknown>) =>
      p.then(
        () => "answered",
        (err: unknown) => (err instanceof ClusterReadError ? err.reason : `not a ClusterReadError: ${String(err)}`),
      );
    assert.equal(await reason(read(plain!)), "not a cluster node (cluster support disabled)");
    assert.equal(await reason(readClusterNode({ host: "127.0.0.1", port: await freePort(), timeoutMs: 1000 })), "connection refused");
    plain!.signal("SIGSTOP");
    try {
      assert.match(await reason(readClusterNode({ host: "127.0.0.1", port: plain!.port, timeoutMs: 300 })), /^timeout/);
    } finally {
      plain!.signal("SIGCONT");
    }
  });
});
