// Keys on a real Redis Cluster (3 masters × 1 replica): the whole-cluster browse (every key once,
// with its slot and shard), a pattern, a literal name, the per-shard compare with one combined
// report (identical data, then differences planted in one shard), and a master that goes down.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type Redis from "ioredis";
import { connectShards } from "@/lib/cluster/connect-shards";
import { dialPlan, discoverCluster } from "@/lib/cluster/discover";
import type { ClusterView, ShardView } from "@/lib/cluster/model";
import { ClusterCompareJob, compareTargets } from "@/lib/compare/cluster";
import { decodeKey } from "@/lib/keys/codec";
import { browseTargets, clusterScanPage, parseClusterCursor, shardKeyCounts, shardOfKey, shardTargets, type ClusterScanOptions, type ShardTarget } from "@/lib/keys/cluster-scan";
import { scanWalk } from "@/lib/keyspace/scan-source";
import { createConnection } from "@/lib/redis/connection";
import { existsMany } from "@/lib/redis/script-fingerprint";
import type { LocalRedis } from "@/lib/redis/local-server";
import { keySlot, startCluster, type Cluster } from "../support/cluster";
import { waitFor } from "../support/wait";

const N = 3000;
const hex = (b: Buffer) => b.toString("hex");

/** The names written: plain, hash-tagged (several per tag), binary, pattern-able. */
function names(): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < N; i++) {
    if (i % 10 === 0) out.push(Buffer.from(`user:${i}`));
    else if (i % 10 === 1) out.push(Buffer.from(`{tag${i % 7}}:item:${i}`));
    else if (i % 10 === 2) out.push(Buffer.from([0xff, 0x00, i & 0xff, (i >> 8) & 0xff, 0x7b, 0x7d]));
    else out.push(Buffer.from(`k:${i}`));
  }
  return out;
}

describe("keys on a real Redis Cluster", { timeout: 180_000 }, () => {
  let cluster: Cluster;
  let view: ClusterView;
  const conns: Redis[] = [];
  const closers: (() => void)[] = [];
  const written = names();

  const nodeAt = (address: string | null): LocalRedis => {
    const n = cluster.nodes.find((x) => x.id === address);
    assert.ok(n, `${address} is one of ours`);
    return n;
  };
  const open = async (address: string | null): Promise<Redis> => {
    const n = nodeAt(address);
    const r = createConnection({ host: n.host, port: n.port, timeoutMs: 3000, connectionName: "test-cluster-keys" });
    conns.push(r);
    await r.connect();
    return r;
  };
  const addressOf = (id: string) => view.nodes.find((n) => n.id === id)?.address ?? null;
  let masters: Map<string, Redis>;
  let targets: ShardTarget[];

  before(async () => {
    cluster = await startCluster({ masters: 3, replicasPerMaster: 1 });
    // Right after cluster_state:ok a node may still list a replica as a slot-less master (gossip).
    view = await waitFor(
      "3 shards of 1 master and 1 replica each",
      () => discoverCluster({ host: "127.0.0.1", port: cluster.nodes[0]!.port, timeoutMs: 3000 }),
      (v) => v.shards.length === 3 && v.shards.every((s) => s.replicaIds.length === 1 && s.slotCount > 0),
      15_000,
      100,
    );
    masters = new Map();
    for (const s of view.shards) masters.set(s.masterId, await open(s.masterAddress));
    targets = shardTargets(view, (s) => masters.get(s.masterId) ?? { reason: "not opened" });
    // Each name goes to the master serving its slot (lib/cluster/slot decides, Redis would MOVE otherwise).
    const pipes = new Map(view.shards.map((s) => [s.masterId, masters.get(s.masterId)!.pipeline()] as const));
    written.forEach((k, i) => pipes.get(shardOfKey(view, k).shard!.masterId)!.set(k, `v${i}`));
    for (const p of pipes.values()) for (const [err] of (await p.exec()) ?? []) assert.ifError(err);
    for (const m of masters.values()) assert.equal(await m.call("WAIT", "1", "10000"), 1);
  });
  after(async () => {
    for (const c of conns) c.disconnect();
    for (const close of closers) close();
    await cluster?.stop();
  });

  async function browseAll(o: Omit<ClusterScanOptions, "cursor">, t = targets) {
    const keys: Awaited<ReturnType<typeof clusterScanPage>>["keys"] = [];
    const skipped: string[] = [];
    let cursor = "0";
    let pages = 0;
    do {
      const page = await clusterScanPage(t, { ...o, cursor });
      keys.push(...page.keys);
      skipped.push(...page.skipped.map((s) => s.shard));
      cursor = page.cursor;
      assert.ok(++pages < 1000, "the browse ends");
    } while (cursor !== "0");
    return { keys, skipped, pages };
  }

  it("the whole-cluster browse returns every key exactly once, with CLUSTER KEYSLOT's slot and the shard holding it", async () => {
    const { keys, skipped, pages } = await browseAll({ count: 200 });
    assert.deepEqual(skipped, []);
    assert.ok(pages > 3, `several pages (${pages}), so pages cross shard boundaries`);
    const got = keys.map((k) => hex(decodeKey(k.key)));
    assert.equal(new Set(got).size, got.length, "no key twice");
    // The union of a full SCAN of each master, independently.
    const union: string[] = [];
    for (const m of masters.values()) for await (const step of scanWalk(m, { count: 500 })) union.push(...step.keys.map(hex));
    assert.deepEqual([...got].sort(), [...union].sort());
    assert.deepEqual([...got].sort(), written.map(hex).sort());
    const counts = await shardKeyCounts(targets);
    assert.deepEqual(counts.map((c) => c.shard), view.shards.map((x) => x.masterId));
    assert.equal(counts.reduce((a, c) => a + (c.keys ?? 0), 0), N);

    const seed = masters.values().next().value as Redis;
    const pipe = seed.pipeline();
    for (const k of keys) pipe.call("CLUSTER", "KEYSLOT", decodeKey(k.key));
    const slots = ((await pipe.exec()) ?? []).map(([err, v]) => {
      assert.ifError(err);
      return v;
    });
    keys.forEach((k, i) => assert.equal(k.slot, slots[i], `slot of ${k.display}`));
    // The shard is the master that holds it: its slots cover the key's slot, and it has the key.
    const byShard = new Map<string, Buffer[]>();
    for (const k of keys) byShard.set(k.shard, [...(byShard.get(k.shard) ?? []), decodeKey(k.key)]);
    assert.equal(byShard.size, 3);
    for (const [shard, ks] of byShard) {
      const s = view.shards.find((x) => x.masterId === shard) as ShardView;
      assert.ok(ks.every((k) => s.slots.some(([a, b]) => keySlot(k) >= a && keySlot(k) <= b)));
      // existsMany: one script call over names of many slots (the cross-slot form after CROSSSLOT).
      assert.ok((await existsMany(masters.get(shard)!, ks)).every(Boolean), `every key is on ${shard}`);
    }
  });

  it("a pattern and a type filter narrow the browse; a literal name asks only its shard", async () => {
    const users = written.filter((k) => k.toString("latin1").startsWith("user:")).map(hex).sort();
    const { keys } = await browseAll({ count: 50, match: "user:*" });
    assert.deepEqual(keys.map((k) => hex(decodeKey(k.key))).sort(), users);
    assert.equal((await browseAll({ count: 100, match: "user:*", type: "hash" })).keys.length, 0);

    const one = await clusterScanPage(targets, { cursor: "0", count: 10, match: "{tag3}:item:31" });
    assert.deepEqual(one.keys.map((k) => [k.display, k.slot, k.shard]), [["{tag3}:item:31", keySlot("{tag3}"), shardOfKey(view, "{tag3}").shard!.masterId]]);
    assert.equal(one.cursor, "0");
  });

  it("a cursor from another master (failover, reshard) ends the walk with the reason, reading nothing", async () => {
    const first = await clusterScanPage(targets, { cursor: "0", count: 5 });
    assert.match(first.cursor, /^0:[1-9][0-9]*:[0-9a-f]{8}$/, "a page cursor carries its master's tag");
    const forged = first.cursor.replace(/:[0-9a-f]{8}$/, ":00000000");
    const page = await clusterScanPage(targets, { cursor: forged, count: 5 });
    assert.equal(page.cursor, "0");
    assert.deepEqual(page.keys, []);
    assert.match(page.skipped[0]?.reason ?? "", /master changed/);
  });

  it("cursors are checked strictly", () => {
    for (const bad of ["", "1", "00:0", "0:01", "3:0", "1:-1", "1:18446744073709551616", "a:1", "1:1:1", " 0:1"]) {
      assert.throws(() => parseClusterCursor(bad, 3), `${JSON.stringify(bad)} is refused`);
    }
    assert.deepEqual(parseClusterCursor("2:18446744073709551615", 3), { shard: 2, cursor: "18446744073709551615" });
  });

  it("the side-by-side nodes of a key: its shard's master and replica, by slot", () => {
    const k = shardOfKey(view, "user:10");
    assert.equal(k.slot, keySlot("user:10"));
    assert.ok(k.shard && k.master && k.master.id === k.shard.masterId);
    assert.deepEqual(k.replicas.map((r) => r.masterId), [k.shard.masterId]);
  });

  /** Every node dialled afresh through lib/cluster/connect-shards (replicas with READONLY). */
  const connected = async (replicas: boolean) => {
    const c = await connectShards(view, dialPlan(view, () => true), { timeoutMs: 3000, connectionName: "test-cluster-keys" }, { replicas });
    closers.push(c.close);
    return c;
  };
  it("a cluster node refuses a script over keys of several slots (CROSSSLOT), and a replica redirects reads without READONLY", async () => {
    const s = view.shards[0]!;
    const m = masters.get(s.masterId)!;
    const mine = written.filter((k) => shardOfKey(view, k).shard?.masterId === s.masterId);
    const a = mine[0]!;
    const b = mine.find((k) => keySlot(k) !== keySlot(a));
    assert.ok(b);
    await assert.rejects(m.call("EVAL", "return 1", "2", a, b), /CROSSSLOT/);
    const replica = await open(addressOf(s.replicaIds[0]!));
    await assert.rejects(replica.get(a), /MOVED/);
    assert.ok((await replica.callBuffer("SCAN", ["0", "COUNT", "10"])) !== null, "SCAN answers on a replica without READONLY");
    await replica.call("READONLY");
    assert.equal(await replica.get(a), await m.get(a));
  });

  it("the per-shard compare on identical data: every shard done, every key compared, no difference", async () => {
    const job = new ClusterCompareJob({ id: "c1", topology: "cluster" }, compareTargets(await connected(true)), { concurrency: 2, recheckDelayMs: 50 });
    await job.run(new AbortController().signal);
    const r = job.report();
    assert.equal(r.status, "done", JSON.stringify(r.shards.map((s) => [s.status, s.reason])));
    assert.deepEqual(r.shards.map((s) => s.status), ["done", "done", "done"]);
    assert.equal(r.totals.compared, N);
    assert.deepEqual(r.differences, []);
    assert.equal(Object.values(r.totals.counts).reduce((a, b) => a + b, 0), 0);
    for (const s of r.shards) assert.equal(s.compared, Number(await masters.get(s.shard)!.dbsize()), `shard ${s.shard}`);
  });

  it("differences planted in one shard are found there, tagged with that shard, and nowhere else", async () => {
    const s = view.shards[1]!;
    const m = masters.get(s.masterId)!;
    const replica = await open(addressOf(s.replicaIds[0]!));
    // replica-read-only no does not make a cluster replica writable: the slot's owner is the master.
    await replica.call("CONFIG", "SET", "replica-read-only", "no");
    const mine = written.filter((k) => shardOfKey(view, k).shard?.masterId === s.masterId);
    await assert.rejects(replica.set(mine[0]!, "x"), /MOVED/);
    // So the master writes without replicating (redis.set_repl): master and replica now differ.
    const unreplicated = "redis.set_repl(redis.REPL_NONE) if ARGV[1] == 'set' then return redis.call('SET', KEYS[1], 'planted') end return redis.call('DEL', KEYS[1])";
    await m.call("EVAL", unreplicated, "1", mine[0]!, "set");
    await m.call("EVAL", unreplicated, "1", mine[1]!, "del");
    const job = new ClusterCompareJob({ id: "c2", topology: "cluster" }, compareTargets(await connected(true)), { concurrency: 1, recheckDelayMs: 50 });
    await job.run(new AbortController().signal);
    const r = job.report();
    assert.equal(r.status, "done", JSON.stringify(r.shards.map((x) => [x.status, x.reason])));
    const found = r.differences.map((d) => `${d.shard} ${d.kind} ${hex(decodeKey(d.key))}`).sort();
    assert.deepEqual(found, [`${s.masterId} only-on-replica ${hex(mine[1]!)}`, `${s.masterId} value ${hex(mine[0]!)}`].sort());
    assert.deepEqual(r.shards.map((x) => Object.values(x.counts).reduce((a, b) => a + b, 0)), [0, 2, 0]);
    assert.equal(r.totals.counts.value + r.totals.counts["only-on-replica"], 2);
    assert.equal(r.shards[1]!.replicaScans[0]?.ran, true, "a replica-only key: that replica's SCAN ran");
  });

  it("cancel stops every shard's job", async () => {
    const job = new ClusterCompareJob({ id: "c3", topology: "cluster" }, compareTargets(await connected(true)), { concurrency: 1, maxKeysPerSec: 200, batch: 100 });
    const ctl = new AbortController();
    const done = job.run(ctl.signal);
    await waitFor("the first shard's job runs", async () => job.report().shards[0]!, (x) => x.status === "running" && x.compared > 0, 20_000, 20);
    ctl.abort();
    await done;
    const r = job.report();
    assert.equal(r.status, "cancelled");
    assert.ok(r.shards.every((s) => s.status === "cancelled"), JSON.stringify(r.shards.map((s) => s.status)));
  });

  it("a master that goes down: its shard is reported skipped on the browse, the other shards still read", async () => {
    const s = view.shards[2]!;
    const others = view.shards.filter((x) => x !== s);
    let live = 0;
    for (const x of others) live += Number(await masters.get(x.masterId)!.dbsize());
    await nodeAt(s.masterAddress).stop();
    const { keys, skipped } = await browseAll({ count: 500 });
    assert.deepEqual(skipped, [s.masterId], "the down master's shard, reported");
    assert.ok(keys.length > 0 && keys.every((k) => k.shard !== s.masterId));
    assert.equal(keys.length, live, "every key of the other shards");
    // Dialled afresh, the master is refused: listed as unavailable on every page, wherever the cursor is.
    const fresh = await connected(true);
    const page = await clusterScanPage(browseTargets(fresh), { cursor: "1:0", count: 10 });
    assert.deepEqual(page.unavailable.map((u) => u.shard), [s.masterId]);
    assert.match(page.unavailable[0]!.reason, /ECONNREFUSED|refused/i);
    // And the compare skips that shard, saying why, while the others are compared.
    const t = compareTargets(fresh);
    const job = new ClusterCompareJob({ id: "c4", topology: "cluster" }, t, { recheckDelayMs: 50 });
    await job.run(new AbortController().signal);
    const r = job.report();
    assert.equal(r.status, "failed");
    assert.deepEqual(r.shards.map((x) => x.status), ["done", "done", "skipped"]);
    assert.match(r.shards[2]!.reason ?? "", new RegExp(`master ${s.masterAddress}: .*(ECONNREFUSED|refused)`, "i"));
  });
});
