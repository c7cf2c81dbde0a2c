// /metrics content against real redis-server processes: a master, two replicas and a chained
// replica watched by a MonitorHub, scraped through createMetrics() and read back with a strict parser.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { TopologyConfig } from "../../lib/config/load";
import { createMetrics, type Metrics } from "../../lib/metrics/collect";
import { parseExposition, select, type Exposition } from "../../lib/metrics/exposition";
import { MonitorHub } from "../../lib/monitor/hub";
import { localRedisRoot } from "../../lib/redis/local-server";
import { cli, startTopology, type Topology } from "../support/topology";
import { waitFor } from "../support/wait";

function config(seed: { host: string; port: number }): TopologyConfig {
  return { name: "t", seeds: [{ host: seed.host, port: seed.port, tls: false }], nodes: {}, pollMs: 100, infoMs: 1000, timeoutMs: 500, drills: false, logDirs: [localRedisRoot()] };
}

/** The value of the one sample of `name` whose labels include `labels`. */
function one(e: Exposition, name: string, labels: Record<string, string>): number {
  const hits = select(e, name, labels);
  assert.equal(hits.length, 1, `${name}${JSON.stringify(labels)}: expected one sample, got ${hits.length}`);
  return hits[0]!.value;
}

describe("metrics from a live topology", () => {
  let topo: Topology;
  let hub: MonitorHub;
  let metrics: Metrics;
  let sockets = 3;

  const scrape = async (): Promise<Exposition> => parseExposition(await metrics.render());

  before(async () => {
    topo = await startTopology({ replicas: 2, chained: 1 });
    await cli(topo.master.port, "SET", "metrics:warmup", "x");
    hub = new MonitorHub([config(topo.master)]);
    metrics = createMetrics(hub, { socketClients: () => sockets, eventQueueDepth: () => 7 });
    hub.start();
    await waitFor(
      "4 nodes up with lag known",
      () => hub.get("t")!.views(),
      (v) => v.length === 4 && v.every((n) => n.status === "up" && (n.role === "master" || (n.lagBytes !== null && n.canPartialResync !== null && n.replicaState === "online"))),
      15_000,
    );
  });
  after(async () => {
    metrics?.close();
    hub?.stop();
    await topo?.stop();
  });

  test("valid exposition with the replication series of every node", async () => {
    const text = await metrics.render();
    const e = parseExposition(text);
    assert.equal(metrics.contentType, "text/plain; version=0.0.4; charset=utf-8");
    for (const name of ["replscope_node_up", "replscope_replica_lag_bytes", "replscope_poll_duration_seconds", "replscope_resyncs_total", "replscope_process_cpu_seconds_total"]) {
      assert.ok(e.families.has(name), `HELP/TYPE for ${name}`);
    }
    assert.ok(e.samples.every((s) => s.name.startsWith("replscope_")), "everything is prefixed replscope_");

    const m = topo.master.id;
    const [r0, r1] = topo.replicas.map((r) => r.id);
    const c = topo.chained[0]!.id;
    for (const id of [m, r0!, r1!, c]) assert.equal(one(e, "replscope_node_up", { topology: "t", node: id }), 1, id);
    assert.equal(one(e, "replscope_node_role", { node: m, role: "master" }), 1);
    assert.equal(one(e, "replscope_node_role", { node: m, role: "replica" }), 0);
    assert.equal(one(e, "replscope_connected_replicas", { node: m }), 2);
    assert.equal(one(e, "replscope_connected_replicas", { node: r0! }), 1);
    assert.equal(one(e, "replscope_repl_backlog_size_bytes", { node: m }), 1048576);
    assert.equal(one(e, "replscope_repl_backlog_active", { node: m }), 1);
    assert.equal(one(e, "replscope_master_failover_state", { node: m, state: "no-failover" }), 1);
    assert.ok(one(e, "replscope_repl_offset_bytes", { node: m, role: "master" }) > 0, "one write moved the offset");
    assert.ok(one(e, "replscope_sync_full_total", { node: m }) >= 2, "the master served a full sync to each replica");
    assert.equal(e.families.get("replscope_sync_full_total")?.type, "counter");

    for (const [id, master] of [[r0!, m], [r1!, m], [c, r0!]] as const) {
      const labels = { topology: "t", node: id, master };
      assert.equal(one(e, "replscope_node_role", { node: id, role: "replica" }), 1, id);
      assert.equal(one(e, "replscope_master_link_up", labels), 1, id);
      assert.ok(one(e, "replscope_replica_lag_bytes", labels) >= 0, id);
      assert.ok(one(e, "replscope_replica_lag_seconds", labels) >= 0, id);
      assert.equal(one(e, "replscope_replica_state", { ...labels, state: "online" }), 1, id);
      assert.equal(one(e, "replscope_master_sync_in_progress", labels), 0, id);
      assert.equal(one(e, "replscope_replica_read_only", { node: id }), 1, id);
      assert.equal(one(e, "replscope_replica_priority", { node: id }), 100, id);
      assert.equal(one(e, "replscope_replica_can_partial_resync", labels), 1, id);
      assert.ok(one(e, "replscope_replica_backlog_headroom_bytes", labels) > 0, id);
      assert.equal(one(e, "replscope_node_info", { node: id, role: "replica", master }), 1, id);
    }
    assert.equal(select(e, "replscope_master_link_up", { node: m }).length, 0, "no replica-side series for the master");

    assert.equal(one(e, "replscope_socket_clients", {}), 3);
    assert.equal(one(e, "replscope_event_queue_depth", {}), 7);
    assert.equal(one(e, "replscope_monitored_nodes", { topology: "t" }), 4);
    assert.equal(one(e, "replscope_active_alerts", { topology: "t", rule: "node-down", severity: "critical" }), 0);
    assert.ok(one(e, "replscope_node_last_poll_duration_seconds", { node: m }) >= 0);
    sockets = 5;
    assert.equal(one(await scrape(), "replscope_socket_clients", {}), 5, "read at scrape time");
  });

  test("poll latency histogram: monitored nodes only", async () => {
    const m = topo.master.id;
    metrics.observePoll("t", m, 0.7);
    metrics.observePoll("t", m, 30);
    metrics.observePoll("t", "10.9.9.9:6379", 5);
    metrics.observePoll("nope", m, 5);
    const e = await scrape();
    assert.equal(one(e, "replscope_poll_duration_seconds_count", { topology: "t", node: m }), 2);
    assert.equal(one(e, "replscope_poll_duration_seconds_bucket", { node: m, le: "0.001" }), 1);
    assert.equal(one(e, "replscope_poll_duration_seconds_bucket", { node: m, le: "+Inf" }), 2);
    assert.ok(Math.abs(one(e, "replscope_poll_duration_seconds_sum", { node: m }) - 0.0307) < 1e-9);
    assert.equal(select(e, "replscope_poll_duration_seconds_count").length, 1, "no series for unknown nodes or topologies");
  });

  test("a link cut inside the backlog counts a partial resync per replica", async () => {
    // The replicas' initial syncs may already be counted (from their logs): compare, don't expect zero.
    const fulls = (x: Exposition, node: string): number => select(x, "replscope_resyncs_total", { node, kind: "full" }).reduce((n, s) => n + s.value, 0);
    // Wait until the start-up resyncs (decided from logs or counters) are all in: the full counts
    // stay the same over a few polls and no replica is being followed through a resync.
    let last = "";
    const beforeCut = await waitFor(
      "start-up resyncs settled",
      async () => {
        const x = await scrape();
        const key = JSON.stringify(topo.replicas.map((r) => fulls(x, r.id)));
        const settled = key === last && hub.get("t")!.views().every((v) => !v.resyncing);
        last = key;
        return { x, settled };
      },
      (r) => r.settled,
      15_000,
      400,
    ).then((r) => r.x);
    await cli(topo.master.port, "SET", "metrics:k", "v");
    await cli(topo.master.port, "CLIENT", "KILL", "TYPE", "replica");
    const e = await waitFor(
      "partial resyncs counted",
      scrape,
      (x) => topo.replicas.every((r) => select(x, "replscope_resyncs_total", { node: r.id, kind: "partial" }).some((s) => s.value >= 1)),
      15_000,
    );
    for (const r of topo.replicas) {
      assert.equal(one(e, "replscope_resyncs_total", { topology: "t", node: r.id, kind: "partial", reason: "none" }) >= 1, true);
      assert.equal(fulls(e, r.id), fulls(beforeCut, r.id), `${r.id}: no full resync from the cut`);
    }
    assert.ok(one(e, "replscope_sync_partial_ok_total", { node: topo.master.id }) >= 2, "the master's INFO stats agree");
  });

  test("a killed replica goes to up 0 and loses its INFO series", async () => {
    const victim = topo.replicas[1]!;
    victim.signal("SIGKILL");
    const e = await waitFor(
      "victim down and detached",
      scrape,
      (x) =>
        select(x, "replscope_node_up", { node: victim.id })[0]?.value === 0 &&
        select(x, "replscope_connected_replicas", { node: topo.master.id })[0]?.value === 1,
      15_000,
    );
    assert.equal(one(e, "replscope_node_role", { node: victim.id, role: "replica" }), 1, "last known role kept");
    assert.ok(one(e, "replscope_node_down_seconds", { node: victim.id }) >= 0);
    for (const name of ["replscope_replica_lag_bytes", "replscope_master_link_up", "replscope_repl_offset_bytes", "replscope_replica_state"]) {
      assert.equal(select(e, name, { node: victim.id }).length, 0, `${name} gone for the dead replica`);
    }
    assert.equal(one(e, "replscope_node_up", { node: topo.replicas[0]!.id }), 1);
    assert.equal(one(e, "replscope_monitored_nodes", { topology: "t" }), 4);
  });
});
