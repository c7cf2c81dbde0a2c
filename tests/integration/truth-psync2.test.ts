// More of the truth suite, modelled on Redis 7.0's psync2.tcl, psync2-master-restart.tcl and
// failover.tcl: in each scenario every resync the servers served (their sync_full and
// sync_partial_ok counters) must be reported by replscope, with the same kind, and nothing else.
// Logs are off on every server, so the reports rest on INFO and the links alone.
import { after, afterEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { LocalRedis } from "../../lib/redis/local-server";
import { morePolls, resyncsOf, syncCounters, watchMonitor, type Counters, type Watched } from "../support/resync";
import { cli, startTopology, type Topology } from "../support/topology";
import { waitFor } from "../support/wait";

const NO_LOG = ["--logfile", ""];
const score = { reported: 0, counted: 0, kindsRight: 0 };

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
  cleanup = [];
});
after(() => {
  console.log(`truth (psync2, restart, FAILOVER): resyncs reported: ${score.reported} of ${score.counted}; kinds right: ${score.kindsRight} of ${score.reported}`);
});

async function topology(replicas: number, chained = 0, args: string[] = []): Promise<Topology> {
  const topo = await startTopology({ replicas, chained, args: [...NO_LOG, ...args] });
  cleanup.push(() => topo.stop());
  return topo;
}

function monitor(seed: LocalRedis): Watched {
  const w = watchMonitor([seed], { pollMs: 100 });
  cleanup.push(async () => w.m.stop());
  return w;
}

async function allCounters(nodes: LocalRedis[]): Promise<Map<string, Counters>> {
  const out = new Map<string, Counters>();
  for (const n of nodes) out.set(n.id, await syncCounters(n.port));
  return out;
}

/** Resyncs the servers served between two counter snapshots, summed over every node. */
function served(before: Map<string, Counters>, afterC: Map<string, Counters>): { full: number; partial: number } {
  let full = 0;
  let partial = 0;
  for (const [id, a] of before) {
    const b = afterC.get(id)!;
    // A restarted server starts its counters at 0: count what it served since.
    const restarted = b.full < a.full || b.partialOk < a.partialOk;
    full += restarted ? b.full : b.full - a.full;
    partial += restarted ? b.partialOk : b.partialOk - a.partialOk;
  }
  return { full, partial };
}

async function linksUp(nodes: LocalRedis[], w: Watched): Promise<void> {
  for (const n of nodes) {
    await waitFor(`${n.id} link up`, () => cli(n.port, "INFO", "replication"), (o) => o.includes("role:master") || o.includes("master_link_status:up"), 15_000);
  }
  await waitFor("every node followed and online", () => w.m.views(), (vs) => nodes.every((n) => {
    const v = vs.find((x) => x.id === n.id);
    return v?.status === "up" && (v.role === "master" || (v.linkStatus === "up" && !v.resyncing));
  }), 15_000);
}

/** Compares what replscope reported since `fromEvent` with what the servers counted. */
async function judge(t: { diagnostic: (s: string) => void }, w: Watched, nodes: LocalRedis[], before: Map<string, Counters>, fromEvent: number, label: string): Promise<void> {
  const counted = served(before, await allCounters(nodes));
  const total = counted.full + counted.partial;
  // Wait until replscope has reported as many as were served, then a few more polls for extras.
  await waitFor(`${label}: ${total} resyncs reported`, () => resyncsOf(w.events.slice(fromEvent)), (r) => r.length >= total, 10_000).catch(() => undefined);
  await morePolls(w, nodes.map((n) => n.id), 5);
  const reported = resyncsOf(w.events.slice(fromEvent));
  const full = reported.filter((e) => e.kind === "sync:full-resync").length;
  const partial = reported.length - full;
  score.counted += total;
  score.reported += Math.min(reported.length, total);
  score.kindsRight += Math.min(full, counted.full) + Math.min(partial, counted.partial);
  t.diagnostic(`${label}: servers counted ${counted.full} full + ${counted.partial} partial; replscope reported ${full} full + ${partial} partial (${reported.map((e) => e.node).join(", ")})`);
  assert.deepEqual({ full, partial }, counted, `${label}: reported kinds match the servers' counters`);
}

describe("truth: PSYNC2 scenarios against the servers' own counters", () => {
  test("a replica's partial resync leaves its chained replica untouched", async (t) => {
    const topo = await topology(1, 1);
    const w = monitor(topo.master);
    await linksUp(topo.all, w);
    const before = await allCounters(topo.all);
    const from = w.events.length;
    const mid = topo.replicas[0]!;
    const chainedLinkBefore = await cli(topo.chained[0]!.port, "CLIENT", "LIST", "TYPE", "master");
    await cli(mid.port, "CLIENT", "KILL", "TYPE", "master");
    await linksUp(topo.all, w);
    await judge(t, w, topo.all, before, from, "chained untouched");
    assert.equal(resyncsOf(w.events.slice(from), topo.chained[0]!.id).length, 0, "nothing reported for the chained replica");
    // Its own link to the middle replica was never re-made (same client id and local port).
    const idOf = (s: string) => /\bid=(\d+)/.exec(s)?.[1];
    assert.equal(idOf(await cli(topo.chained[0]!.port, "CLIENT", "LIST", "TYPE", "master")), idOf(chainedLinkBefore));
  });

  test("random promotions (psync2.tcl): every resync reported, all partial", async (t) => {
    const topo = await topology(3);
    const w = monitor(topo.master);
    await linksUp(topo.all, w);
    const before = await allCounters(topo.all);
    const from = w.events.length;
    let master = topo.master;
    // A fixed sequence (not Math.random) so a failure can be replayed.
    const order = [1, 3, 0, 2, 1];
    for (const i of order) {
      const next = topo.all[i]!;
      if (next === master) continue;
      await cli(next.port, "REPLICAOF", "NO", "ONE");
      for (const n of topo.all) if (n !== next) await cli(n.port, "REPLICAOF", next.host, String(next.port));
      master = next;
      await linksUp(topo.all, w);
      await cli(master.port, "SET", `promotion:${i}`, "x");
    }
    await judge(t, w, topo.all, before, from, "psync2 promotions");
    const afterC = served(before, await allCounters(topo.all));
    assert.equal(afterC.full, 0, "PSYNC2 keeps every resync partial");
  });

  test("a master restarted from its RDB keeps partial resyncs (psync2-master-restart.tcl)", async (t) => {
    const topo = await topology(2);
    const w = monitor(topo.master);
    await linksUp(topo.all, w);
    await cli(topo.master.port, "SET", "before-restart", "1");
    const before = await allCounters(topo.all);
    const from = w.events.length;
    await cli(topo.master.port, "SHUTDOWN", "SAVE").catch(() => undefined);
    await topo.master.restart();
    await linksUp(topo.all, w);
    await judge(t, w, topo.all, before, from, "master restart");
    const m = await syncCounters(topo.master.port);
    assert.equal(m.full, 0);
    assert.equal(m.partialOk, 2);
  });

  test("FAILOVER TO a replica (failover.tcl): the old master and its former replicas resync as the servers say", async (t) => {
    const topo = await topology(2);
    const w = monitor(topo.master);
    await linksUp(topo.all, w);
    const before = await allCounters(topo.all);
    const from = w.events.length;
    const target = topo.replicas[0]!;
    assert.equal(await cli(topo.master.port, "FAILOVER", "TO", target.host, String(target.port)), "OK");
    await waitFor("target promoted", () => cli(target.port, "ROLE"), (o) => o.startsWith("master"), 15_000);
    await linksUp(topo.all, w);
    await judge(t, w, topo.all, before, from, "FAILOVER");
  });

  test("FAILOVER ... TIMEOUT FORCE to a replica that cannot catch up (failover.tcl)", async (t) => {
    const topo = await topology(2);
    const w = monitor(topo.master);
    await linksUp(topo.all, w);
    const before = await allCounters(topo.all);
    const from = w.events.length;
    const target = topo.replicas[0]!;
    // The target is frozen, so it cannot acknowledge the master's offset before the timeout.
    target.signal("SIGSTOP");
    try {
      await cli(topo.master.port, "SET", "written-before-failover", "1");
      assert.equal(await cli(topo.master.port, "FAILOVER", "TO", target.host, String(target.port), "TIMEOUT", "200", "FORCE"), "OK");
      await waitFor("master waits for sync", () => cli(topo.master.port, "INFO", "replication"), (o) => /master_failover_state:(failover-in-progress|waiting-for-sync)/.test(o), 5_000);
    } finally {
      target.signal("SIGCONT");
    }
    await waitFor("target promoted", () => cli(target.port, "ROLE"), (o) => o.startsWith("master"), 15_000);
    await linksUp(topo.all, w);
    await judge(t, w, topo.all, before, from, "FAILOVER FORCE");
  });
});
