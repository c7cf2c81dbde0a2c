// More of the truth suite, modelled on Redis 7.0's psync2.tcl, psync2-master-restart.tcl and
// failover.tcl: in each scenario every resync the servers served (their sync_full and
// sync_partial_ok counters) must be reported by replscope, with the same kind, and nothing else.
// The servers write logs but replscope may not read them (no log dir allowed), so the reports rest
// on INFO and the links alone; the logs are the referee: each report must match a resync a master
// logged — of the replica it names, or, when the polls cannot tell which replica made it (see
// resync-windows.ts), of one of the nodes the report on the master names.
import { after, afterEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { LocalRedis } from "../../lib/redis/local-server";
import { logMarks, morePolls, resyncsOf, servedSince, syncCounters, unmatchedReports, watchMonitor, type Counters, type Watched } from "../support/resync";
import { cli, startTopology, type Topology } from "../support/topology";
import { waitFor } from "../support/wait";

const score = { reported: 0, counted: 0, kindsRight: 0, named: 0 };

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
  cleanup = [];
});
after(() => {
  console.log(`truth (psync2, restart, FAILOVER): resyncs reported: ${score.reported} of ${score.counted}; kinds right: ${score.kindsRight} of ${score.reported}; replica named: ${score.named} of ${score.reported} (the others: on the master, naming the nodes that may have made it; all checked against the logs)`);
});

async function topology(replicas: number, chained = 0, args: string[] = []): Promise<Topology> {
  const topo = await startTopology({ replicas, chained, args });
  cleanup.push(() => topo.stop());
  return topo;
}

function monitor(seed: LocalRedis): Watched {
  // No log dir allowed: the servers' logs exist (the referee) but replscope cannot read them.
  const w = watchMonitor([seed], { pollMs: 100, logDirs: [] });
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
  for (const n of nodes) assert.notEqual(w.m.logs.state(n.id).status, "readable", `${n.id}'s log must not be readable by replscope`);
}

/** Where a scenario starts: the servers' counters, their logs' ends and the monitor's events. */
interface Mark {
  counters: Map<string, Counters>;
  logs: Map<string, number>;
  event: number;
}

async function mark(nodes: LocalRedis[], w: Watched): Promise<Mark> {
  return { counters: await allCounters(nodes), logs: logMarks(nodes), event: w.events.length };
}

/** Compares what replscope reported since `start` with what the servers counted and logged. */
async function judge(t: { diagnostic: (s: string) => void }, w: Watched, nodes: LocalRedis[], start: Mark, label: string): Promise<void> {
  const counted = served(start.counters, await allCounters(nodes));
  const total = counted.full + counted.partial;
  // Wait until replscope has reported as many as were served, then a few more polls for extras.
  await waitFor(`${label}: ${total} resyncs reported`, () => resyncsOf(w.events.slice(start.event)), (r) => r.length >= total, 10_000).catch(() => undefined);
  await morePolls(w, nodes.map((n) => n.id), 5);
  const reported = resyncsOf(w.events.slice(start.event));
  const full = reported.filter((e) => e.kind === "sync:full-resync").length;
  const partial = reported.length - full;
  const named = reported.filter((e) => e.data?.replica !== null).length;
  score.counted += total;
  score.reported += Math.min(reported.length, total);
  score.kindsRight += Math.min(full, counted.full) + Math.min(partial, counted.partial);
  score.named += named;
  t.diagnostic(`${label}: servers counted ${counted.full} full + ${counted.partial} partial; replscope reported ${full} full + ${partial} partial, ${named} naming their replica`);
  for (const e of reported) t.diagnostic(`  ${e.text}`);
  assert.equal(w.events.some((e) => e.kind.startsWith("log:")), false, "no log line reached replscope");
  assert.deepEqual({ full, partial }, counted, `${label}: reported kinds match the servers' counters`);
  // The referee: the masters' own logs say who resynced from whom.
  const logged = servedSince(nodes, start.logs);
  const loggedFull = logged.filter((s) => s.kind === "full").length;
  assert.deepEqual({ full: loggedFull, partial: logged.length - loggedFull }, counted, `${label}: the logs tell the same resyncs as the counters`);
  const wrong = unmatchedReports(reported, logged);
  assert.deepEqual(wrong.map((e) => e.text), [], `${label}: every report matches a resync the servers logged (${logged.map((s) => `${s.replica}<-${s.master} ${s.kind}`).join(", ")})`);
}

describe("truth: PSYNC2 scenarios against the servers' own counters", () => {
  test("a replica's partial resync leaves its chained replica untouched", async (t) => {
    const topo = await topology(1, 1);
    const w = monitor(topo.master);
    await linksUp(topo.all, w);
    const start = await mark(topo.all, w);
    const mid = topo.replicas[0]!;
    const chainedLinkBefore = await cli(topo.chained[0]!.port, "CLIENT", "LIST", "TYPE", "master");
    await cli(mid.port, "CLIENT", "KILL", "TYPE", "master");
    await linksUp(topo.all, w);
    await judge(t, w, topo.all, start, "chained untouched");
    assert.equal(resyncsOf(w.events.slice(start.event), topo.chained[0]!.id).length, 0, "nothing reported for the chained replica");
    // Its own link to the middle replica was never re-made (same client id and local port).
    const idOf = (s: string) => /\bid=(\d+)/.exec(s)?.[1];
    assert.equal(idOf(await cli(topo.chained[0]!.port, "CLIENT", "LIST", "TYPE", "master")), idOf(chainedLinkBefore));
  });

  test("random promotions (psync2.tcl): every resync reported, all partial", async (t) => {
    const topo = await topology(3);
    const w = monitor(topo.master);
    await linksUp(topo.all, w);
    const start = await mark(topo.all, w);
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
    await judge(t, w, topo.all, start, "psync2 promotions");
    const afterC = served(start.counters, await allCounters(topo.all));
    assert.equal(afterC.full, 0, "PSYNC2 keeps every resync partial");
  });

  test("a master restarted from its RDB keeps partial resyncs (psync2-master-restart.tcl)", async (t) => {
    const topo = await topology(2);
    const w = monitor(topo.master);
    await linksUp(topo.all, w);
    await cli(topo.master.port, "SET", "before-restart", "1");
    const start = await mark(topo.all, w);
    await cli(topo.master.port, "SHUTDOWN", "SAVE").catch(() => undefined);
    await topo.master.restart();
    await linksUp(topo.all, w);
    await judge(t, w, topo.all, start, "master restart");
    const m = await syncCounters(topo.master.port);
    assert.equal(m.full, 0);
    assert.equal(m.partialOk, 2);
  });

  test("FAILOVER TO a replica (failover.tcl): the old master and its former replicas resync as the servers say", async (t) => {
    const topo = await topology(2);
    const w = monitor(topo.master);
    await linksUp(topo.all, w);
    const start = await mark(topo.all, w);
    const target = topo.replicas[0]!;
    assert.equal(await cli(topo.master.port, "FAILOVER", "TO", target.host, String(target.port)), "OK");
    await waitFor("target promoted", () => cli(target.port, "ROLE"), (o) => o.startsWith("master"), 15_000);
    await linksUp(topo.all, w);
    await judge(t, w, topo.all, start, "FAILOVER");
  });

  test("FAILOVER ... TIMEOUT FORCE to a replica that cannot catch up (failover.tcl)", async (t) => {
    const topo = await topology(2);
    const w = monitor(topo.master);
    await linksUp(topo.all, w);
    const start = await mark(topo.all, w);
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
    await judge(t, w, topo.all, start, "FAILOVER FORCE");
  });
});
