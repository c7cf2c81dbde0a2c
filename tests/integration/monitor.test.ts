// The monitor against real redis-server processes: discovery, promotion, re-pointing, outages,
// frozen nodes and bad credentials.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { buildTopologyMonitor } from "../../lib/monitor/build";
import type { TopologyMonitor } from "../../lib/monitor/topology-monitor";
import type { NodeView } from "../../lib/monitor/types";
import type { TimelineEvent } from "../../lib/timeline/types";
import { startRedis, stopAll } from "../../lib/redis/local-server";
import { cli, FAST_SYNC, startTopology, testConfig as config, type Topology } from "../support/topology";
import { waitFor } from "../support/wait";

function view(m: TopologyMonitor, id: string): NodeView | undefined {
  return m.views().find((v) => v.id === id);
}

function watchEvents(m: TopologyMonitor): TimelineEvent[] {
  const seen: TimelineEvent[] = [];
  m.onChange((_t, c) => seen.push(...c.events));
  return seen;
}

describe("discovery and live changes", () => {
  let topo: Topology;
  before(async () => {
    topo = await startTopology({ replicas: 2, chained: 1 });
  });
  after(async () => {
    await topo?.stop();
  });

  for (const seedName of ["master", "replica", "chained replica"] as const) {
    test(`finds all four nodes from the ${seedName}`, async () => {
      const seed = seedName === "master" ? topo.master : seedName === "replica" ? topo.replicas[1]! : topo.chained[0]!;
      const m = buildTopologyMonitor(config([seed]));
      m.start();
      try {
        // Lag needs a master sample followed by a replica sample: a poll or two after discovery.
        const views = await waitFor("4 nodes up, lag known", () => m.views(), (v) => v.length === 4 && v.every((n) => n.status === "up" && n.role !== "unknown" && (n.role === "master" || n.lagBytes !== null)));
        const byId = new Map(views.map((v) => [v.id, v]));
        assert.equal(byId.get(topo.master.id)?.role, "master");
        assert.equal(byId.get(topo.master.id)?.masterId, null);
        for (const r of topo.replicas) {
          assert.equal(byId.get(r.id)?.role, "replica");
          assert.equal(byId.get(r.id)?.masterId, topo.master.id);
          assert.equal(byId.get(r.id)?.linkStatus, "up");
        }
        assert.equal(byId.get(topo.chained[0]!.id)?.masterId, topo.replicas[0]!.id, "chained replica hangs under the first replica");
        const r0 = byId.get(topo.replicas[0]!.id)!;
        assert.ok(r0.lagBytes !== null && r0.lagBytes >= 0, "lag in bytes is known");
        assert.ok(r0.runId && /^[0-9a-f]{40}$/.test(r0.runId));
      } finally {
        m.stop();
      }
    });
  }

  test("the same server under two addresses is one node (run_id)", async () => {
    const m = buildTopologyMonitor(config([{ host: "localhost", port: topo.master.port }, topo.master]));
    let polls = 0;
    m.onPollTimed(() => polls++);
    m.start();
    try {
      await waitFor("4 nodes", () => m.views(), (v) => v.length === 4 && v.every((n) => n.status === "up"), 10_000);
      // Discovery keeps running: the alias must never come back as a fifth node over the next rounds.
      const seen = polls;
      await waitFor("24 more polls (some six rounds of the four nodes)", () => polls - seen, (n) => n >= 6 * 4, 10_000);
      const ids = m.views().map((v) => v.id);
      assert.equal(ids.length, 4, `one node per server, got ${ids.join(", ")}`);
      assert.equal(ids.filter((id) => id.endsWith(`:${topo.master.port}`)).length, 1);
    } finally {
      m.stop();
    }
  });

  test("promotion, REPLICAOF to another node and back are reflected without a restart", async () => {
    const m = buildTopologyMonitor(config([topo.master]));
    const events = watchEvents(m);
    m.start();
    const r1 = topo.replicas[1]!;
    try {
      await waitFor("4 nodes up", () => m.views(), (v) => v.length === 4 && v.every((n) => n.status === "up"));
      await cli(r1.port, "REPLICAOF", "NO", "ONE");
      await waitFor("r1 master", () => view(m, r1.id), (v) => v?.role === "master" && v.masterId === null, 5000);
      assert.ok(events.some((e) => e.kind === "node:role-changed" && e.node === r1.id && e.data?.to === "master"));

      // Re-point the chained replica under the promoted node.
      const c = topo.chained[0]!;
      await cli(c.port, "REPLICAOF", r1.host, String(r1.port));
      await waitFor("chained under r1", () => view(m, c.id), (v) => v?.masterId === r1.id && v.linkStatus === "up", 8000);
      assert.ok(events.some((e) => e.kind === "replica:master-changed" && e.node === c.id && e.data?.to === r1.id));
      await waitFor("r1 lists the chained replica", () => view(m, r1.id), (v) => v?.connectedReplicas === 1, 5000);

      // Back to the original shape.
      await cli(r1.port, "REPLICAOF", topo.master.host, String(topo.master.port));
      await cli(c.port, "REPLICAOF", topo.replicas[0]!.host, String(topo.replicas[0]!.port));
      await waitFor("original shape", () => m.views(), (vs) => {
        const v1 = vs.find((v) => v.id === r1.id);
        const vc = vs.find((v) => v.id === c.id);
        return v1?.role === "replica" && v1.masterId === topo.master.id && v1.linkStatus === "up" && vc?.masterId === topo.replicas[0]!.id && vc.linkStatus === "up";
      }, 10_000);
    } finally {
      m.stop();
    }
  });
});

describe("outages", () => {
  let topo: Topology;
  before(async () => {
    topo = await startTopology({ replicas: 2 });
  });
  after(async () => {
    await topo?.stop();
  });

  test("a killed replica stays on the map as down with since-when and error, and comes back up", async () => {
    const m = buildTopologyMonitor(config([topo.master]));
    const events = watchEvents(m);
    m.start();
    const r0 = topo.replicas[0]!;
    try {
      await waitFor("3 up", () => m.views(), (v) => v.length === 3 && v.every((n) => n.status === "up"));
      const before = Date.now();
      r0.signal("SIGKILL");
      const down = await waitFor("r0 down", () => view(m, r0.id), (v) => v?.status === "down", 5000);
      assert.equal(down?.role, "replica", "the last known role is kept");
      assert.match(down?.lastError ?? "", /refused|reset|closed/);
      assert.ok(down?.downSince && down.downSince >= before - 50, "down since is set");
      assert.ok(events.some((e) => e.kind === "node:down" && e.node === r0.id));
      await waitFor("master drops it", () => view(m, topo.master.id), (v) => v?.connectedReplicas === 1, 5000);
      assert.equal(m.views().length, 3, "never silently dropped");

      await r0.restart();
      await waitFor("r0 up", () => view(m, r0.id), (v) => v?.status === "up" && v.linkStatus === "up", 10_000);
      assert.ok(events.some((e) => e.kind === "node:up" && e.node === r0.id));
      assert.ok(events.some((e) => e.kind === "node:restarted" && e.node === r0.id), "a new run_id is reported");
    } finally {
      m.stop();
    }
  });

  test("a replica frozen with SIGSTOP does not delay the other nodes' updates", async () => {
    const m = buildTopologyMonitor(config([topo.master], { pollMs: 100, timeoutMs: 1000 }));
    const r1 = topo.replicas[1]!;
    const updates = new Map<string, number[]>();
    m.onChange((_t, c) => {
      const list = updates.get(c.nodeId) ?? [];
      list.push(Date.now());
      updates.set(c.nodeId, list);
    });
    m.start();
    try {
      await waitFor("3 up", () => m.views(), (v) => v.length === 3 && v.every((n) => n.status === "up"));
      r1.signal("SIGSTOP");
      const frozenAt = Date.now();
      await waitFor("r1 down (timeout)", () => view(m, r1.id), (v) => v?.status === "down", 4000);
      assert.match(view(m, r1.id)?.lastError ?? "", /timeout|no reply/i);
      await new Promise((r) => setTimeout(r, 2000));
      const windowEnd = Date.now();
      for (const id of [topo.master.id, topo.replicas[0]!.id]) {
        const times = (updates.get(id) ?? []).filter((t) => t >= frozenAt && t <= windowEnd);
        const gaps = times.slice(1).map((t, i) => t - times[i]!);
        const maxGap = Math.max(...gaps);
        // 100 ms polls: a healthy node keeps updating; a stall anywhere near the frozen node's 1 s
        // timeout would mean it waited on the frozen one.
        assert.ok(times.length >= 15, `${id} got only ${times.length} updates while the other node was frozen`);
        assert.ok(maxGap < 600, `${id} stalled for ${maxGap} ms while the other node was frozen`);
      }
      r1.signal("SIGCONT");
      await waitFor("r1 up again", () => view(m, r1.id), (v) => v?.status === "up", 5000);
    } finally {
      r1.signal("SIGCONT");
      m.stop();
    }
  });
});

describe("credentials", () => {
  test("a wrong password on one node shows an auth error there while the rest work", async () => {
    const pw = ["--requirepass", "s3cret-pw", "--masterauth", "s3cret-pw"];
    const master = await startRedis({ args: [...FAST_SYNC, ...pw] });
    const replica = await startRedis({ args: [...FAST_SYNC, ...pw], replicaOf: { host: master.host, port: master.port } });
    const m = buildTopologyMonitor(
      config([{ host: master.host, port: master.port }], {
        password: "s3cret-pw",
        nodes: { [replica.id]: { password: "wrong-password" } },
      }),
    );
    m.start();
    try {
      const views = await waitFor("master up, replica auth error", () => m.views(), (vs) => {
        const mv = vs.find((v) => v.id === master.id);
        const rv = vs.find((v) => v.id === replica.id);
        return mv?.status === "up" && rv?.status === "down" && /auth/i.test(rv.lastError ?? "");
      }, 10_000);
      const rv = views.find((v) => v.id === replica.id)!;
      assert.match(rv.lastError ?? "", /authentication failed/);
      assert.doesNotMatch(JSON.stringify(views), /s3cret-pw|wrong-password/, "no password in any view");
    } finally {
      m.stop();
      await stopAll([master, replica]);
    }
  });
});
