// True at every instant, checked against the servers themselves (modelled on Redis 7.0's
// tests/integration/replication-psync.tcl and psync2-*.tcl): what replscope predicts or shows is
// compared with what Redis then does (its sync_full / sync_partial_ok counters) or says (INFO,
// NOREPLICAS), at the moment it matters.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import Redis from "ioredis";
import { buildTopologyMonitor } from "../../lib/monitor/build";
import type { TopologyMonitor } from "../../lib/monitor/topology-monitor";
import type { NodeView } from "../../lib/monitor/types";
import { masterDownPlaybook } from "../../lib/monitor/playbook";
import { syncReading } from "../../components/sync/sync-text";
import { cli, startTopology, testConfig, type Topology } from "../support/topology";
import { waitFor } from "../support/wait";

const score = { predictions: 0, right: 0 };

function view(m: TopologyMonitor, id: string): NodeView | undefined {
  return m.views().find((v) => v.id === id);
}

/** Waits until the node's view satisfies `ok` and returns that view. */
async function waitView(what: string, m: TopologyMonitor, id: string, ok: (v: NodeView) => boolean, timeoutMs: number, everyMs = 50): Promise<NodeView> {
  const v = await waitFor(what, () => view(m, id), (x) => x !== undefined && ok(x), timeoutMs, everyMs);
  return v!;
}

async function counters(port: number): Promise<{ full: number; partial: number }> {
  const info = await cli(port, "INFO", "stats");
  const get = (k: string) => Number(new RegExp(`^${k}:(\\d+)`, "m").exec(info)?.[1] ?? NaN);
  return { full: get("sync_full"), partial: get("sync_partial_ok") };
}

/** ~rate SET/s of ~100-byte values until stopped. */
function writer(port: number, rate: number): { stop: () => Promise<number> } {
  const r = new Redis({ port, host: "127.0.0.1", lazyConnect: false });
  let stopped = false;
  let n = 0;
  const loop = (async () => {
    const batch = Math.max(1, Math.round(rate / 20));
    while (!stopped) {
      const started = Date.now();
      const p = r.pipeline();
      for (let i = 0; i < batch; i++) p.set(`w:${n++ % 5000}`, "x".repeat(100));
      await p.exec().catch(() => undefined);
      await new Promise((res) => setTimeout(res, Math.max(0, 50 - (Date.now() - started))));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      r.disconnect();
      return n;
    },
  };
}

describe("truth: backlog coverage and lag under steady writes", () => {
  let topo: Topology;
  let m: TopologyMonitor;
  before(async () => {
    topo = await startTopology({ replicas: 1, args: ["--repl-backlog-size", "100mb"] });
    m = buildTopologyMonitor(testConfig([topo.master], { pollMs: 100 }));
    m.start();
    await waitView("replica seen in sync", m, topo.replicas[0]!.id, (v) => v.canPartialResync === true, 15_000);
  });
  after(async () => {
    m.stop();
    await topo.stop();
  });

  test("a healthy replica is covered in every sample and never shows invented lag", async (t) => {
    const w = writer(topo.master.port, 2000);
    const r = topo.replicas[0]!.id;
    let covered = 0;
    let samples = 0;
    const lags: number[] = [];
    let flips = 0;
    let prev: boolean | null = null;
    const until = Date.now() + 6000;
    while (Date.now() < until) {
      const v = view(m, r);
      if (v && v.canPartialResync !== null) {
        samples++;
        if (v.canPartialResync) covered++;
        if (prev !== null && prev !== v.canPartialResync) flips++;
        prev = v.canPartialResync;
      }
      if (v?.lagBytes != null) lags.push(v.lagBytes);
      await new Promise((res) => setTimeout(res, 25));
    }
    const written = await w.stop();
    lags.sort((a, b) => a - b);
    const pct = (p: number) => lags[Math.min(lags.length - 1, Math.floor(p * lags.length))] ?? NaN;
    t.diagnostic(`coverage: ${covered} of ${samples} samples covered (Redis: covered, 100 MB backlog), ${flips} flips; applied lag p50 ${pct(0.5)} B, p95 ${pct(0.95)} B, max ${pct(1)} B; ${written} SETs`);
    score.predictions += samples;
    score.right += covered;
    assert.ok(samples >= 100, `only ${samples} samples`);
    assert.equal(covered, samples);
    assert.equal(flips, 0);
    // A replica that keeps up has applied, by the time it is read, what its master had written
    // when the master was read before it. ACK-based lag (ACKs once a second) would sit around half
    // a second of writes (~100 KB here) most of the time; the applied lag is 0 most of the time
    // (a starved CPU can still make the replica really fall behind for a moment).
    assert.ok(lags.length >= 100, `only ${lags.length} lag samples`);
    assert.ok(pct(0.5) < 16 * 1024, `median applied lag ${pct(0.5)}`);
  });
});

describe("truth: repl-backlog-ttl while a replica's link is down", () => {
  let topo: Topology;
  let m: TopologyMonitor;
  before(async () => {
    topo = await startTopology({ replicas: 1, args: ["--repl-backlog-ttl", "3"] });
    m = buildTopologyMonitor(testConfig([topo.master], { pollMs: 100 }));
    m.start();
    await waitView("replica covered", m, topo.replicas[0]!.id, (v) => v.canPartialResync === true, 15_000);
  });
  after(async () => {
    m.stop();
    await topo.stop();
  });

  /** Keeps the replica out (it cannot authenticate) while it still answers our polls. */
  async function cutLink(): Promise<void> {
    const rep = topo.replicas[0]!;
    await cli(rep.port, "CONFIG", "SET", "masterauth", "wrong-password");
    await cli(topo.master.port, "CONFIG", "SET", "requirepass", "truth-secret");
    await cli(topo.master.port, "-a", "truth-secret", "--no-auth-warning", "CLIENT", "KILL", "TYPE", "replica");
  }
  async function healLink(): Promise<void> {
    await cli(topo.master.port, "-a", "truth-secret", "--no-auth-warning", "CONFIG", "SET", "requirepass", "");
    await cli(topo.replicas[0]!.port, "CONFIG", "SET", "masterauth", "");
  }

  test("before the TTL: the countdown runs, the prediction says partial, and Redis agrees", async (t) => {
    const r = topo.replicas[0]!;
    await cli(topo.master.port, "CONFIG", "SET", "repl-backlog-ttl", "3600");
    // CONFIG is read once per connection: the monitor knows the TTL from its start (3 s); 3600 now
    // only delays the real expiry, so the replica is back well within it.
    const before = await counters(topo.master.port);
    await cutLink();
    const v = await waitView("link down with TTL countdown", m, r.id, (x) => x.linkStatus === "down" && x.backlogTtlRemainingSeconds !== null, 10_000);
    assert.equal(v.canPartialResync, true);
    t.diagnostic(`TTL countdown shown: ${v.backlogTtlRemainingSeconds} s; prediction partial`);
    await healLink();
    await waitFor("partial resync counted by the master", () => counters(topo.master.port), (c) => c.partial === before.partial + 1, 10_000);
    assert.equal((await counters(topo.master.port)).full, before.full);
    score.predictions++;
    score.right++;
    await waitView("link up again", m, r.id, (x) => x.linkStatus === "up", 10_000);
  });

  test("after the TTL: the master frees its backlog, the prediction turns FULL before the reconnect, and Redis agrees", async (t) => {
    const r = topo.replicas[0]!;
    await cli(topo.master.port, "CONFIG", "SET", "repl-backlog-ttl", "1");
    const before = await counters(topo.master.port);
    await cutLink();
    const full = await waitView("prediction turns full", m, r.id, (x) => x.linkStatus === "down" && x.canPartialResync === false, 15_000);
    const info = await cli(topo.master.port, "-a", "truth-secret", "--no-auth-warning", "INFO", "replication");
    assert.match(info, /repl_backlog_active:0/);
    t.diagnostic(`prediction before reconnect: canPartialResync=${String(full.canPartialResync)}`);
    await healLink();
    await waitFor("full resync counted by the master", () => counters(topo.master.port), (c) => c.full === before.full + 1, 15_000);
    score.predictions++;
    if (full.canPartialResync === false) score.right++;
    await cli(topo.master.port, "CONFIG", "SET", "repl-backlog-ttl", "3600");
  });
});

describe("truth: a frozen replica and a frozen master", () => {
  let topo: Topology;
  let m: TopologyMonitor;
  before(async () => {
    topo = await startTopology({ replicas: 2, args: ["--min-replicas-max-lag", "2"] });
    m = buildTopologyMonitor(testConfig([topo.master], { pollMs: 100, timeoutMs: 1000 }));
    m.start();
    for (const r of topo.replicas) await waitView(`${r.id} in sync`, m, r.id, (v) => v.lagBytes === 0, 15_000);
  });
  after(async () => {
    m.stop();
    await topo.stop();
  });

  test("SIGSTOP on a replica: what the master sees (no ACK, bytes unacknowledged) and its write refusal", async (t) => {
    const frozen = topo.replicas[1]!;
    await cli(topo.master.port, "CONFIG", "SET", "min-replicas-to-write", "2");
    // CONFIG is read once per connection: the running monitor reads it again after a reconnect.
    await cli(topo.master.port, "CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes");
    await waitView("master knows min-replicas-to-write", m, topo.master.id, (v) => v.minReplicasToWrite === 2, 10_000);
    const w = writer(topo.master.port, 200);
    frozen.signal("SIGSTOP");
    try {
      const v = await waitView("frozen replica: not answering, master reports its ack age", m, frozen.id, (x) => x.status === "down" && (x.lagSeconds ?? 0) >= 3 && (x.ackLagBytes ?? 0) > 0, 15_000);
      assert.equal(v.stale, true);
      assert.equal(v.lagBytes, null);
      const master = await waitView("master refuses writes", m, topo.master.id, (x) => x.writesRefused === true, 10_000);
      const reply = await cli(topo.master.port, "SET", "k", "v");
      assert.match(reply, /NOREPLICAS/);
      t.diagnostic(`frozen replica: ack ${v.lagSeconds} s ago, ${v.ackLagBytes} B unacknowledged; master good replicas ${master.goodReplicas} of ${master.minReplicasToWrite}: ${reply}`);
    } finally {
      frozen.signal("SIGCONT");
      await w.stop();
      await cli(topo.master.port, "CONFIG", "SET", "min-replicas-to-write", "0");
    }
    await waitView("replica back", m, frozen.id, (x) => x.status === "up" && x.lagBytes === 0, 15_000);
  });

  test("SIGSTOP on the master: last-seen within two polls, replicas not 'in sync', a promotion candidate", async (t) => {
    const started = Date.now();
    topo.master.signal("SIGSTOP");
    try {
      const mv = await waitView("master not answering", m, topo.master.id, (x) => x.status === "down", 5_000, 10);
      const seenAfter = Date.now() - started;
      assert.equal(mv.stale, true);
      assert.equal(mv.writeRate, null);
      assert.equal(mv.opsPerSec, null);
      for (const r of topo.replicas) {
        const v = await waitView(`${r.id}: master not answering`, m, r.id, (x) => x.masterAnswering === false, 5_000);
        assert.equal(v.lagBytes, null);
        assert.equal(v.canPartialResync, null);
        assert.equal(syncReading(v, Date.now()).label, "master not answering");
      }
      const book = masterDownPlaybook(m.views(), topo.master.id, Date.now());
      assert.ok(book?.candidate, "a promotion candidate");
      assert.ok(topo.replicas.some((r) => r.id === book.candidate?.id));
      assert.ok(book.commands[0]?.endsWith("REPLICAOF NO ONE"));
      t.diagnostic(`master shown not answering ${seenAfter} ms after SIGSTOP (poll 100 ms, timeout 1000 ms); candidate ${book.candidate.id}`);
    } finally {
      topo.master.signal("SIGCONT");
    }
    await waitView("master back", m, topo.master.id, (x) => x.status === "up", 10_000);
  });
});

after(() => {
  console.log(`truth score: ${score.right} of ${score.predictions} predictions right`);
});
