// Cluster drills through the real server (production build) on a real 6-node Redis Cluster
// (3 masters × 1 replica): a refused plan is a 4xx naming the reason and sends nothing; a default
// CLUSTER FAILOVER drill started with POST /api/drills completes, its report's lost writes are what
// an independent writer finds lost, and the failover is on the timeline.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import Redis from "ioredis";
import type { ShardRow } from "@/lib/cluster/report";
import type { Drill, DrillListItem, DrillPlan } from "@/lib/drills/types";
import type { NodeView } from "@/lib/monitor/types";
import type { TimelineEvent } from "@/lib/timeline/types";
import { startCluster, tagForSlot, type Cluster } from "../support/cluster";
import { startClusterWriter } from "../support/cluster-writer";
import { startServer, TEST_TOKEN, type ServerProcess } from "../support/server";
import { cli } from "../support/topology";
import { waitFor } from "../support/wait";

describe("cluster drills through the server", { timeout: 240_000 }, () => {
  let cluster: Cluster | undefined;
  let server: ServerProcess | undefined;
  let dir: string | undefined;
  const clients: Redis[] = [];
  const call = async <T,>(method: string, p: string, body?: unknown): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${server!.url}${p}`, {
      method,
      headers: { authorization: `Bearer ${TEST_TOKEN}`, ...(body ? { "content-type": "application/json" } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: (res.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text) as T };
  };
  const shards = async () => (await call<{ state: string; shards: ShardRow[] }>("GET", "/api/clusters/c")).body;
  const node = (address: string) => {
    const n = cluster!.nodes.find((x) => x.id === address);
    assert.ok(n, `${address} is one of ours`);
    return n;
  };
  /** Commands that change a cluster or write, as counted by each node since CONFIG RESETSTAT. */
  const drillCommands = async () => {
    const seen: string[] = [];
    for (const n of cluster!.nodes) {
      const stats = await cli(n.port, "INFO", "commandstats");
      for (const c of ["cluster|failover", "client|pause", "debug", "hset"]) if (stats.includes(`cmdstat_${c}:`)) seen.push(`${c} on ${n.id}`);
    }
    return seen;
  };
  const planQuery = (q: Record<string, string>) => `/api/drills/plan?${new URLSearchParams({ topology: "c", ...q })}`;

  before(async () => {
    cluster = await startCluster({ masters: 3, replicasPerMaster: 1 });
    dir = mkdtempSync(path.join(tmpdir(), "replscope-cluster-drills-"));
    const file = path.join(dir, "config.json");
    writeFileSync(file, JSON.stringify({ topologies: [{ name: "c", seeds: [`redis://${cluster.nodes[0]!.id}`], drills: true }] }));
    server = await startServer({ REPLSCOPE_CONFIG: file });
    await waitFor("the cluster read, 3 shards with their replicas", shards, (c) => c.state === "ok" && c.shards?.length === 3 && c.shards.every((s) => s.replicas.length === 1), 20_000, 200);
    await waitFor(
      "6 nodes up",
      async () => (await call<{ topologies: { nodes: NodeView[] }[] }>("GET", "/api/topology")).body.topologies[0]!.nodes,
      (v) => v.length === 6 && v.every((n) => n.status === "up" && (n.role === "master" || n.linkStatus === "up")),
      20_000,
      200,
    );
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await server?.stop();
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("a replica of another shard is refused: the plan names the reason, POST is a 409 with it, nothing is sent", async () => {
    const [s0, s1] = (await shards()).shards as [ShardRow, ShardRow];
    for (const n of cluster!.nodes) await cli(n.port, "CONFIG", "RESETSTAT");
    const q = { scenario: "cluster-failover", target: s1.replicas[0]!.address!, shardMaster: s0.master.address! };
    const plan = await call<DrillPlan>("GET", planQuery(q));
    assert.equal(plan.status, 200);
    assert.equal(plan.body.cluster?.plan, null);
    assert.match(plan.body.problems.join(), /replica of another shard/);
    assert.deepEqual(plan.body.touches, []);
    const post = await call<{ error: string }>("POST", "/api/drills", { topology: "c", scenario: "cluster-failover", target: q.target, options: { shardMaster: q.shardMaster, force: true } });
    assert.equal(post.status, 409, JSON.stringify(post.body));
    assert.match(post.body.error, /refused: .*replica of another shard/);
    const bad = await call<{ error: string }>("POST", "/api/drills", { topology: "c", scenario: "cluster-failover", target: q.target, options: { clusterMode: "nope" } });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error, /clusterMode must be one of failover, force, takeover/);
    const replicationScenario = await call<{ error: string }>("POST", "/api/drills", { topology: "c", scenario: "promote", target: q.target });
    assert.equal(replicationScenario.status, 409);
    assert.match(replicationScenario.body.error, /is a Redis Cluster/);
    assert.deepEqual(await drillCommands(), [], "no node got a failover, pause, sleep or write");
  });

  it("a default CLUSTER FAILOVER drill via the API: done, lost writes as an independent writer finds (0), the failover on the timeline", async (t) => {
    const shard = (await shards()).shards[0]!;
    const target = shard.replicas[0]!.address!;
    const plan = await call<DrillPlan>("GET", planQuery({ scenario: "cluster-failover", target, shardMaster: shard.master.address! }));
    assert.equal(plan.status, 200);
    assert.deepEqual(plan.body.problems, []);
    const p = plan.body.cluster!.plan!;
    assert.equal(p.replica.address, target);
    assert.equal(plan.body.cluster!.slots, p.slotsText);
    assert.ok(plan.body.touches.includes(target) && plan.body.touches.includes(shard.master.address!) && plan.body.touches.includes(p.observer.address));
    const lastSlot = p.slots[p.slots.length - 1]![1];
    const writer = startClusterWriter(cluster!.nodes, node(p.observer.address), `test:writer:${tagForSlot(lastSlot)}`);
    await waitFor("the test writer's writes acknowledged", () => writer.writes.filter((w) => w.ok === true).length, (n) => n >= 20, 10_000);

    const post = await call<{ id: string; touches: string[]; target: string }>("POST", "/api/drills", { topology: "c", scenario: "cluster-failover", target, options: { shardMaster: shard.master.address! } });
    assert.equal(post.status, 201, JSON.stringify(post.body));
    assert.deepEqual(post.body.touches, plan.body.touches, "the drill touches what the confirmation named");
    const again = await call<{ error: string }>("POST", "/api/drills", { topology: "c", scenario: "cluster-failover", target, options: {} });
    assert.equal(again.status, 409);
    assert.match(again.body.error, /already running/);

    const drill = (await waitFor("the drill to finish", async () => (await call<Drill>("GET", `/api/drills/${post.body.id}`)).body, (d) => d.status !== "running", 90_000, 200)) as Drill;
    await writer.stop();
    const steps = drill.steps.map((s) => `${s.name} [${s.status}] ${s.detail}`).join("\n");
    assert.equal(drill.status, "done", `${drill.error}\n${steps}`);
    assert.equal(drill.report, null);
    const r = drill.clusterReport!;
    assert.equal(r.promoted, true, steps);
    assert.equal(r.newMaster, p.replica.id);
    assert.equal(r.oldMaster, p.master.id);
    assert.ok(r.epochAfter! > r.epochBefore!, `epoch ${r.epochBefore} → ${r.epochAfter}`);
    assert.deepEqual(r.oldMasterNow?.role, "replica");
    assert.ok(r.canary.acked > 10, JSON.stringify(r.canary));
    assert.ok((await drillCommands()).includes(`cluster|failover on ${target}`), "the commandstats probe sees what a drill sends");
    const failover = drill.steps.filter((s) => s.command);
    assert.deepEqual(failover.map((s) => [s.name, s.status, s.detail]), [["failover", "ok", `CLUSTER FAILOVER on ${target} (${p.replica.id})`]]);

    const newMaster = new Redis({ host: node(target).host, port: node(target).port, maxRetriesPerRequest: 0 });
    clients.push(newMaster);
    const lost = writer.lost(new Set(((await newMaster.hkeys(writer.key)) as string[]).map(Number)));
    t.diagnostic(`promote ${r.promoteMs} ms, write outage ${r.writeOutageMs} ms, lost: report ${r.lostWrites}, independent ${lost.length} of ${writer.writes.filter((w) => w.ok).length}`);
    assert.equal(r.lostWrites, lost.length, "the report's lost writes are what the independent writer lost");
    assert.equal(r.lostWrites, 0, "a default CLUSTER FAILOVER waits for the replica to catch up");

    // The timeline: the cluster's failover event (from the monitor's cluster watch) and the drill's own.
    const events = async (kind: string) => (await call<{ events: TimelineEvent[] }>("GET", `/api/events?topology=c&kind=${encodeURIComponent(kind)}&limit=1000`)).body.events;
    const seen = await waitFor("the failover on the timeline", () => events("cluster:failover"), (es) => es.some((e) => e.at >= r.actionAt! && e.text.includes(target)), 15_000, 200);
    assert.ok(seen.length > 0);
    const done = await events("drill:done");
    assert.ok(done.some((e) => e.data?.drill === drill.id && /lost writes/.test(e.text)), JSON.stringify(done));

    const list = (await call<{ drills: DrillListItem[] }>("GET", "/api/drills")).body.drills.find((d) => d.id === drill.id);
    assert.equal(list?.report?.newMaster, target, "the list names the new master by address");
    assert.equal(list?.report?.lostWrites, 0);
    const md = await call<string>("GET", `/api/drills/${drill.id}/report.md`);
    assert.equal(md.status, 200);
    assert.match(md.body, /# Cluster drill .*: failover on c/);
    assert.match(md.body, /\| lost writes \(acknowledged, then gone\) \| 0 \|/);
  });

  it("a CLIENT PAUSE outage drill is aborted through the API: aborted, the pause named, the slot free for the next drill", async () => {
    const c = await waitFor("every shard ok again", shards, (x) => x.state === "ok" && x.shards.every((s) => s.replicas.length === 1 && s.master.failure === "ok"), 20_000, 200);
    const shard = c.shards.find((s) => s.master.address !== cluster!.nodes[0]!.id)!;
    const target = shard.replicas[0]!.address!;
    const post = await call<{ id: string }>("POST", "/api/drills", { topology: "c", scenario: "cluster-outage", target, options: { outageMethod: "pause", outageMs: 4000 } });
    assert.equal(post.status, 201, JSON.stringify(post.body));
    await waitFor("the pause sent", async () => (await call<Drill>("GET", `/api/drills/${post.body.id}`)).body, (d) => d.steps.some((s) => s.name === "outage" && s.status === "ok"), 20_000, 100);
    const abort = await call<{ status: string }>("POST", `/api/drills/${post.body.id}/abort`);
    assert.equal(abort.status, 202);
    const d = (await waitFor("the drill to end", async () => (await call<Drill>("GET", `/api/drills/${post.body.id}`)).body, (x) => x.status !== "running", 30_000, 100)) as Drill;
    assert.equal(d.status, "aborted", d.steps.map((s) => `${s.name} [${s.status}] ${s.detail}`).join("\n"));
    assert.equal(d.error, "aborted by the operator");
    assert.ok(d.steps.some((s) => s.name === "outage" && /stays paused until/.test(s.detail)));
    assert.equal(d.clusterReport?.promoted, false);
    // The topology's one-drill slot is free again: the next start is judged on its plan, not refused as "already running".
    const other = c.shards.find((s) => s !== shard)!;
    const next = await call<{ error: string }>("POST", "/api/drills", { topology: "c", scenario: "cluster-failover", target, options: { shardMaster: other.master.address! } });
    assert.equal(next.status, 409);
    assert.match(next.body.error, /^refused: .*replica of another shard/);
  });
});
