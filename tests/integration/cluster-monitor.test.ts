// A Redis Cluster topology through the real server, configured by ONE seed (a master, later
// SIGKILLed): every node discovered and monitored, no alert for several masters, a reshard of 100
// slots with keys, slots nobody serves raising an alert that holds while they stay unserved, and a
// master killed until its replica is promoted — on the timeline, in GET /api/clusters and /metrics.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import type { ShardRow } from "@/lib/cluster/report";
import type { MigrationProgress } from "@/lib/cluster/migrations";
import type { NodeView } from "@/lib/monitor/types";
import type { TimelineEvent } from "@/lib/timeline/types";
import { redisCli, startCluster, tagForSlot, type Cluster } from "../support/cluster";
import { startServer, TEST_TOKEN, type ServerProcess } from "../support/server";
import { cli } from "../support/topology";
import { waitFor } from "../support/wait";
import { buildTopologyMonitor } from "@/lib/monitor/build";
import { parseAllowEntry } from "@/lib/redis/allow-list";
import { testConfig } from "../support/topology";

interface ClusterJson {
  readAt: number;
  readFrom: string;
  lastError: string | null;
  state: string;
  currentEpoch: number;
  knownNodes: number;
  slots: { coveredCount: number; uncovered: [number, number][]; uncoveredCount: number };
  shards: ShardRow[];
  migrations: MigrationProgress[];
  failureReports: { id: string; failure: string; reports: number | null }[];
  events: TimelineEvent[];
}

describe("a cluster topology from one seed, through the server", { timeout: 240_000 }, () => {
  let cluster: Cluster | undefined;
  let server: ServerProcess | undefined;
  let dir: string | undefined;
  const get = async <T,>(p: string): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${server!.url}${p}`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
    return { status: res.status, body: (await res.json()) as T };
  };
  const api = async () => (await get<ClusterJson>("/api/clusters/c")).body;
  const nodes = async () => (await get<{ topologies: { nodes: NodeView[] }[] }>("/api/topology")).body.topologies[0]!.nodes;
  const events = async (kind: string) => (await get<{ events: TimelineEvent[] }>(`/api/events?topology=c&kind=${encodeURIComponent(kind)}&limit=1000`)).body.events;
  /** Two more cluster readings after now, so a condition seen then has been judged on fresh data. */
  const twoReadingsLater = async () => {
    const first = (await api()).readAt;
    const next = await waitFor("a newer reading", api, (c) => c.readAt > first && c.lastError === null, 10_000, 100);
    await waitFor("another newer reading", api, (c) => c.readAt > next.readAt && c.lastError === null, 10_000, 100);
  };
  const shardOf = (c: ClusterJson, address: string) => c.shards.find((s) => s.master.address === address);

  before(async () => {
    cluster = await startCluster({ masters: 3, replicasPerMaster: 1 });
    dir = mkdtempSync(path.join(tmpdir(), "replscope-cluster-"));
    const file = path.join(dir, "config.json");
    const seed = cluster.nodes[0]!;
    writeFileSync(file, JSON.stringify({ topologies: [{ name: "c", seeds: [`redis://${seed.id}`], alerts: { forSeconds: 1 } }] }));
    server = await startServer({ REPLSCOPE_CONFIG: file });
  });
  after(async () => {
    await server?.stop();
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("discovers all six nodes from one master; each shard's replica is monitored under its own master", async () => {
    const c = await waitFor("the cluster read, 3 shards", api, (c) => c.shards?.length === 3 && c.state === "ok", 20_000, 200);
    assert.equal(c.knownNodes, 6);
    assert.equal(c.slots.coveredCount, 16384);
    assert.deepEqual(c.slots.uncovered, []);
    const views = await waitFor(
      "6 nodes up, every replica's lag known",
      nodes,
      (v) => v.length === 6 && v.every((n) => n.status === "up" && (n.role === "master" || (n.linkStatus === "up" && n.lagBytes !== null))),
      20_000,
      200,
    );
    assert.deepEqual(views.map((v) => v.id).sort(), cluster!.nodes.map((n) => n.id).sort());
    assert.equal(views.filter((v) => v.role === "master").length, 3);
    const withViews = await waitFor("shard rows carry the node views", api, (c) => c.shards.every((s) => s.master.view !== null && s.replicas.every((r) => r.view?.lagBytes !== null)), 10_000, 200);
    for (const s of withViews.shards) {
      assert.equal(s.replicas.length, 1);
      const r = views.find((v) => v.id === s.replicas[0]!.address)!;
      assert.equal(r.masterId, s.master.address, "the replica hangs under its own shard's master");
      assert.equal(s.replicas[0]!.view?.linkStatus, "up");
      assert.ok(s.master.view?.keys !== undefined);
    }
    // Three masters are a cluster's normal shape: nothing fires for it.
    await twoReadingsLater();
    assert.deepEqual((await events("alert:")).filter((e) => e.data?.state === "firing"), []);
  });

  it("announced addresses outside discovery.allow are shown, never dialled (monitor-level)", async () => {
    const seed = cluster!.nodes[1]!;
    const allow = parseAllowEntry("10.0.0.0/8");
    assert.ok(typeof allow !== "string");
    const others = cluster!.nodes.filter((x) => x !== seed);
    // The server of this suite dials every node too: count replscope connections before and after.
    const named = async () => Promise.all(others.map(async (n) => ((await cli(n.port, "CLIENT", "LIST")).match(/ name=replscope\S*/g) ?? []).length));
    const before = await named();
    const m = buildTopologyMonitor(testConfig([seed], { name: "fenced", discoveryAllow: [allow] }));
    m.start();
    try {
      const status = await waitFor("the cluster read from the seed", () => m.clusterStatus(), (s) => s?.view?.nodes.length === 6, 15_000, 100);
      assert.equal(status!.readFrom, seed.id);
      assert.deepEqual(status!.refused.map((r) => r.address).sort(), others.map((n) => n.id).sort());
      assert.ok(status!.refused.every((r) => r.reason === "127.0.0.1 is not in discovery.allow"));
      // Only the seed is polled, and no other node got a connection from this monitor.
      await waitFor("the seed polled", () => m.views(), (v) => v.length === 1 && v[0]!.id === seed.id && v[0]!.status === "up", 10_000, 100);
      const first = status!.readAt!;
      await waitFor("two more readings", () => m.clusterStatus(), (s) => (s?.readAt ?? 0) > first + 2000, 10_000, 100);
      assert.deepEqual(await named(), before, "no new connection on an announced node");
    } finally {
      m.stop();
    }
  });

  it("a reshard of 100 slots with keys: the moved slots named, keys gone with them", async () => {
    const before = await api();
    const from = before.shards[2]!;
    const to = before.shards[1]!;
    const first = from.slots[0]![0];
    const port = Number(from.master.address!.split(":").at(-1));
    for (let i = 0; i < 100; i += 5) {
      for (let k = 0; k < 20; k++) await cli(port, "SET", `${tagForSlot(first + i)}:${k}`, "v");
    }
    await redisCli(["--cluster", "reshard", from.master.address!, "--cluster-from", from.master.id, "--cluster-to", to.master.id, "--cluster-slots", "100", "--cluster-yes"]);
    const moved = await waitFor(
      "100 slots moved on the timeline",
      () => events("cluster:slots-moved"),
      (es) => es.filter((e) => e.data?.from === from.master.id && e.data?.to === to.master.id).reduce((n, e) => n + Number(e.data?.count ?? 0), 0) >= 100,
      20_000,
      200,
    );
    assert.equal(moved.filter((e) => e.data?.from === from.master.id).reduce((n, e) => n + Number(e.data?.count ?? 0), 0), 100);
    const after = await waitFor("the API shows the new owners", api, (c) => shardOf(c, to.master.address!)!.slots.some(([a, b]) => a <= first && b >= first + 99), 10_000, 200);
    assert.equal(shardOf(after, from.master.address!)!.slotCount, from.slotCount - 100);
    assert.deepEqual(after.migrations, [], "no slot left half-migrated");
    assert.equal(await cli(port, "CLUSTER", "COUNTKEYSINSLOT", String(first)), "0");
  });

  it("a slot migrated by hand: the API shows it with keys left falling to 0, then the slot moved", async () => {
    const before = await api();
    const src = before.shards[0]!;
    const dst = before.shards[1]!;
    const slot = src.slots[0]![0] + 7;
    const srcPort = Number(src.master.address!.split(":").at(-1));
    const dstPort = Number(dst.master.address!.split(":").at(-1));
    const keys = Array.from({ length: 40 }, (_, i) => `${tagForSlot(slot)}:m${i}`);
    for (const k of keys) await cli(srcPort, "SET", k, "v");
    await cli(dstPort, "CLUSTER", "SETSLOT", String(slot), "IMPORTING", src.master.id);
    await cli(srcPort, "CLUSTER", "SETSLOT", String(slot), "MIGRATING", dst.master.id);
    const seen = await waitFor("the migration with 40 keys left", api, (c) => c.migrations.some((m) => m.slot === slot && m.keysLeft === 40), 10_000, 100);
    const m = seen.migrations.find((x) => x.slot === slot)!;
    assert.deepEqual([m.from, m.to, m.seenBy], [src.master.id, dst.master.id, ["source", "target"]]);
    const migrate = (batch: string[]) => cli(srcPort, "MIGRATE", "127.0.0.1", String(dstPort), "", "0", "5000", "KEYS", ...batch);
    await migrate(keys.slice(0, 20));
    const half = await waitFor("20 keys left, a rate", api, (c) => c.migrations.some((x) => x.slot === slot && x.keysLeft === 20), 10_000, 100);
    const progress = half.migrations.find((x) => x.slot === slot)!;
    assert.ok(progress.keysPerSec !== null && progress.keysPerSec > 0, `rate: ${progress.keysPerSec}`);
    assert.ok(progress.etaSeconds !== null && progress.etaSeconds > 0);
    await migrate(keys.slice(20));
    await waitFor("0 keys left", api, (c) => c.migrations.some((x) => x.slot === slot && x.keysLeft === 0 && x.etaSeconds === 0), 10_000, 100);
    for (const port of [dstPort, srcPort]) await cli(port, "CLUSTER", "SETSLOT", String(slot), "NODE", dst.master.id);
    const done = await waitFor("the migration gone, the slot with the target", api, (c) => !c.migrations.some((x) => x.slot === slot) && shardOf(c, dst.master.address!)!.slots.some(([a, b]) => a <= slot && b >= slot), 15_000, 100);
    assert.equal(done.slots.coveredCount, 16384);
    const finished = await events("cluster:migration-finished");
    assert.ok(finished.some((e) => e.data?.slot === slot && e.data?.owner === dst.master.id), JSON.stringify(finished.map((e) => e.text)));
  });

  it("slots no master serves raise an alert that holds while they stay unserved, and resolves when served again", async () => {
    const before = await api();
    const owner = before.shards.find((s) => s.slots.some(([a, b]) => a <= 16000 && b >= 16383))!;
    // Every node forgets the range (DELSLOTS only changes the asked node's own table).
    for (const n of cluster!.nodes) await cli(n.port, "CLUSTER", "DELSLOTSRANGE", "16000", "16383");
    const seen = await waitFor("the API shows the range uncovered", api, (c) => c.slots.uncovered.some(([a, b]) => a === 16000 && b === 16383), 15_000, 200);
    assert.equal(seen.slots.uncoveredCount, 384);
    const firing = await waitFor(
      "the uncovered-slots alert fires",
      () => events("alert:cluster-slots-uncovered"),
      (es) => es.some((e) => e.data?.state === "firing"),
      15_000,
      200,
    );
    assert.match(firing.find((e) => e.data?.state === "firing")!.text, /384 slots are served by no master in c: 16000-16383/);
    const metrics = await (await fetch(`${server!.url}/metrics`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } })).text();
    assert.match(metrics, /replscope_cluster_slots\{topology="c",state="uncovered"\} 384/);
    assert.match(metrics, /replscope_cluster_current_epoch\{topology="c"\} \d+/);
    await twoReadingsLater();
    assert.equal((await events("alert:cluster-slots-uncovered")).filter((e) => e.data?.state === "resolved").length, 0, "still unserved: not resolved");

    const port = Number(owner.master.address!.split(":").at(-1));
    await cli(port, "CLUSTER", "ADDSLOTSRANGE", "16000", "16383");
    await waitFor("the alert resolves", () => events("alert:cluster-slots-uncovered"), (es) => es.some((e) => e.data?.state === "resolved"), 20_000, 200);
    const c = await api();
    assert.equal(c.slots.uncoveredCount, 0);
    assert.ok((await events("cluster:slots-uncovered")).length >= 1);
    assert.ok((await events("cluster:slots-covered")).length >= 1);
  });

  it("kill -9 of the seed master: FAIL, failover, epoch bump and the replica's promotion, read through other nodes", async () => {
    const before = await waitFor("state ok", api, (c) => c.state === "ok" && c.slots.uncoveredCount === 0, 15_000, 200);
    const seed = cluster!.nodes[0]!;
    const shard = shardOf(before, seed.id)!;
    const replica = shard.replicas[0]!;
    process.kill(seed.pid()!, "SIGKILL");

    const promoted = await waitFor(
      "the replica serves the seed's slots",
      api,
      (c) => shardOf(c, replica.address!)?.slotCount === shard.slotCount && c.state === "ok",
      30_000,
      200,
    );
    assert.notEqual(promoted.readFrom, seed.id, "read through another node");
    assert.equal(promoted.lastError, null);
    assert.ok(promoted.currentEpoch > before.currentEpoch, "current epoch went up");
    const fail = await events("cluster:node-fail");
    assert.ok(fail.some((e) => e.data?.id === shard.master.id), "FAIL of the killed master");
    const failover = await events("cluster:failover");
    assert.ok(failover.some((e) => e.data?.from === shard.master.id && e.data?.to === replica.id), JSON.stringify(failover));
    assert.ok((await events("cluster:epoch-bumped")).length >= 1);
    const roles = await waitFor(
      "the monitor shows the replica as master and the seed down",
      nodes,
      (v) => v.find((n) => n.id === replica.address)?.role === "master" && v.find((n) => n.id === seed.id)?.status === "down",
      15_000,
      200,
    );
    assert.equal(roles.find((n) => n.id === replica.address)?.masterId, null);
    assert.ok((await events("node:role-changed")).some((e) => e.node === replica.address));
    // The API still lists the dead master with its failure (or a report) until it is forgotten.
    assert.ok(promoted.failureReports.some((r) => r.id === shard.master.id && r.failure === "fail"));
  });
});
