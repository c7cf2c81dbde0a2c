// Every resync reported with no readable log on either side (every server runs with logfile "":
// there is no file to follow). Redis 7 re-makes a killed link within milliseconds, between two
// polls, so the link is rarely seen down: what shows these resyncs is the replica's master-link
// connection and the master's own sync counters. Each scenario compares the resyncs replscope
// reported with what the servers counted (sync_full + sync_partial_ok) and prints how long after the
// replica was back online (or, for a link kill, after the kill: an upper bound) each one was reported.
import { after, afterEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import Redis from "ioredis";
import { startRedis, stopAll, type LocalRedis } from "../../lib/redis/local-server";
import type { TimelineEvent } from "../../lib/timeline/types";
import { countersDelta, morePolls, resyncsOf, syncCounters, watchMonitor, type Counters, type Watched } from "../support/resync";
import { cli, FAST_SYNC, startTopology, type Topology } from "../support/topology";
import { waitFor } from "../support/wait";

const NO_LOG = ["--logfile", ""];
/** The monitor's poll period (testConfig's 100 ms unless set, e.g. 250 for the production default). */
const POLL_MS = Number(process.env.RESYNC_TEST_POLL_MS) || 100;
const score = { reported: 0, counted: 0 };
const delays: number[] = [];

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
  cleanup = [];
});
after(() => {
  const sorted = [...delays].sort((a, b) => a - b);
  const max = sorted.at(-1) ?? 0;
  console.log(`resyncs reported: ${score.reported} of ${score.counted} (the masters' sync_full + sync_partial_ok); polls every ${POLL_MS} ms; report delay after online: median ${sorted[Math.floor(sorted.length / 2)] ?? 0} ms, max ${max} ms over ${sorted.length}`);
});

async function topology(opts: { replicas: number; args?: string[] }): Promise<Topology> {
  const topo = await startTopology({ replicas: opts.replicas, args: [...NO_LOG, ...(opts.args ?? [])] });
  cleanup.push(() => topo.stop());
  return topo;
}

function monitor(seed: LocalRedis): Watched {
  const w = watchMonitor([seed], { pollMs: POLL_MS });
  cleanup.push(async () => w.m.stop());
  return w;
}

async function client(port: number): Promise<Redis> {
  const c = new Redis({ host: "127.0.0.1", port, lazyConnect: true, maxRetriesPerRequest: 0 });
  await c.connect();
  cleanup.push(async () => c.disconnect());
  return c;
}

/** Every node up and followed, every replica online, no log readable, and the links' identities read. */
async function steady(w: Watched, nodes: LocalRedis[], replicas: LocalRedis[]): Promise<void> {
  await waitFor(
    "steady topology, logs unreadable",
    () => w.m.views(),
    (vs) =>
      nodes.every((n) => vs.find((v) => v.id === n.id)?.status === "up" && w.m.logs.state(n.id).status === "unreadable") &&
      replicas.every((r) => {
        const v = vs.find((x) => x.id === r.id);
        return v?.linkStatus === "up" && !v.resyncing;
      }),
    15_000,
  );
  await morePolls(w, nodes.map((n) => n.id), 3);
  // logfile "" (or, without CONFIG, an unknown log file): nothing to follow on any node.
  for (const n of nodes) assert.match(JSON.stringify(w.m.logs.state(n.id)), /logs to stdout|CONFIG GET is not permitted/, `${n.id}'s log must not be readable`);
}

/** Sends the command on an open connection and returns when it was sent. */
async function at(c: Redis, ...args: string[]): Promise<number> {
  const t = Date.now();
  await c.call(args[0]!, ...args.slice(1));
  return t;
}

/** The first moment (by a 5 ms watch) the replica's link is up with no sync running. */
async function onlineAt(port: number, since: number): Promise<number> {
  const c = await client(port);
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const info = String(await c.call("INFO", "replication"));
    if (info.includes("master_link_status:up") && info.includes("master_sync_in_progress:0")) return Math.max(since, Date.now());
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`replica on ${port} not online`);
}

/** Waits for `n` resync reports after `mark`, then for more polls, so that an extra one would show. */
async function reported(w: Watched, mark: number, n: number, nodes: string[]): Promise<TimelineEvent[]> {
  await waitFor(`${n} resync reports`, () => resyncsOf(w.events.slice(mark)), (e) => e.length >= n, 10_000);
  await morePolls(w, nodes, 5);
  return resyncsOf(w.events.slice(mark));
}

/**
 * Adds a scenario to the score and prints each report's delay after `since[i]`: the moment its
 * replica was seen back online, or for a link kill the moment the kill was sent (online comes a
 * few ms later, so that delay is an upper bound).
 */
function tally(name: string, events: TimelineEvent[], delta: Counters, w: Watched, since: number[], what: string): void {
  score.reported += events.length;
  score.counted += delta.full + delta.partialOk;
  const after = events.map((e, i) => w.arrivedAt.get(e.id)! - (since[i] ?? since.at(-1)!));
  delays.push(...after);
  console.log(`${name}: reported ${events.length} of ${delta.full + delta.partialOk} counted (full ${delta.full}, partial ${delta.partialOk}, refused ${delta.partialErr}); each reported ${after.join(", ")} ms after ${what}`);
  for (const e of events) console.log(`  ${e.text} [seen online by the poller ${Number(e.data?.onlineAt) - (since[events.indexOf(e)] ?? since.at(-1)!)} ms after]`);
}

describe("resyncs with no readable log", () => {
  test("a) CLIENT KILL TYPE master on the replica: exactly one PARTIAL, as the master counted", async () => {
    const topo = await topology({ replicas: 1 });
    const r = topo.replicas[0]!;
    const w = monitor(topo.master);
    await steady(w, topo.all, [r]);
    const c = await client(r.port);
    const before = await syncCounters(topo.master.port);
    const mark = w.events.length;
    const t0 = await at(c, "CLIENT", "KILL", "TYPE", "master");
    const events = await reported(w, mark, 1, [topo.master.id, r.id]);
    const delta = countersDelta(before, await syncCounters(topo.master.port));
    tally("a) kill on the replica", events, delta, w, [t0], "the kill");
    assert.deepEqual(delta, { full: 0, partialOk: 1, partialErr: 0 });
    assert.equal(events.length, 1, events.map((e) => e.text).join("\n"));
    assert.equal(events[0]!.kind, "sync:partial-resync", events[0]!.text);
    assert.equal(events[0]!.node, r.id);
    assert.equal(events[0]!.data?.master, topo.master.id);
  });

  test("b) CLIENT KILL TYPE replica on a master with two replicas: one PARTIAL per replica", async () => {
    const topo = await topology({ replicas: 2 });
    const w = monitor(topo.master);
    await steady(w, topo.all, topo.replicas);
    const c = await client(topo.master.port);
    const before = await syncCounters(topo.master.port);
    const mark = w.events.length;
    const t0 = await at(c, "CLIENT", "KILL", "TYPE", "replica");
    const events = await reported(w, mark, 2, topo.all.map((n) => n.id));
    const delta = countersDelta(before, await syncCounters(topo.master.port));
    tally("b) kill on the master, 2 replicas", events, delta, w, [t0, t0], "the kill");
    assert.deepEqual(delta, { full: 0, partialOk: 2, partialErr: 0 });
    assert.equal(events.length, 2, events.map((e) => e.text).join("\n"));
    assert.ok(events.every((e) => e.kind === "sync:partial-resync"), events.map((e) => e.text).join("\n"));
    assert.deepEqual(events.map((e) => e.node).sort(), topo.replicas.map((r) => r.id).sort());
  });

  test("c) five link kills 300 ms apart: five PARTIALs", async () => {
    const topo = await topology({ replicas: 1 });
    const r = topo.replicas[0]!;
    const w = monitor(topo.master);
    await steady(w, topo.all, [r]);
    const c = await client(r.port);
    const before = await syncCounters(topo.master.port);
    const mark = w.events.length;
    const kills: number[] = [];
    for (let i = 0; i < 5; i++) {
      // The spacing is the scenario itself (a flapping link), not a wait for a result.
      if (i > 0) await new Promise((res) => setTimeout(res, 300));
      kills.push(await at(c, "CLIENT", "KILL", "TYPE", "master"));
    }
    const events = await reported(w, mark, 5, [topo.master.id, r.id]);
    const delta = countersDelta(before, await syncCounters(topo.master.port));
    tally("c) 5 kills 300 ms apart", events, delta, w, kills, "its kill");
    assert.deepEqual(delta, { full: 0, partialOk: 5, partialErr: 0 });
    assert.equal(events.length, 5, events.map((e) => e.text).join("\n"));
    assert.ok(events.every((e) => e.kind === "sync:partial-resync" && e.node === r.id), events.map((e) => e.text).join("\n"));
  });

  test("d) frozen replica, more written than the 16 KB backlog, link killed: FULL, fell out of the backlog", async () => {
    const topo = await topology({ replicas: 1, args: ["--repl-backlog-size", "16384"] });
    const r = topo.replicas[0]!;
    const w = monitor(topo.master);
    cleanup.push(async () => r.signal("SIGCONT"));
    await steady(w, topo.all, [r]);
    const before = await syncCounters(topo.master.port);
    const mark = w.events.length;
    r.signal("SIGSTOP");
    await waitFor("replica seen not answering", () => w.m.views().find((v) => v.id === r.id), (v) => v?.status === "down", 5000);
    // Far more than the backlog, and more than the socket buffers hold (see resync.test.ts).
    await cli(topo.master.port, "EVAL", "for i=1,2000 do redis.call('SET','big:'..i,string.rep('y',10000)) end return 1", "0");
    await cli(topo.master.port, "CLIENT", "KILL", "TYPE", "replica");
    const thawed = Date.now();
    r.signal("SIGCONT");
    const online = await onlineAt(r.port, thawed);
    const events = await reported(w, mark, 1, [topo.master.id, r.id]);
    const delta = countersDelta(before, await syncCounters(topo.master.port));
    tally("d) backlog overflow", events, delta, w, [online], "the replica was online");
    assert.equal(delta.full, 1);
    assert.equal(delta.partialOk, 0);
    assert.equal(events.length, 1, events.map((e) => e.text).join("\n"));
    assert.equal(events[0]!.kind, "sync:full-resync", events[0]!.text);
    assert.equal(events[0]!.data?.reason, "lack-of-backlog", events[0]!.text);
    assert.match(events[0]!.text, /fell out of the backlog/);
  });

  test("e) a new replica attached: FULL, new replica", async () => {
    const topo = await topology({ replicas: 0 });
    const w = monitor(topo.master);
    await steady(w, topo.all, []);
    const replica = await startRedis({ args: [...FAST_SYNC, ...NO_LOG] });
    cleanup.push(() => stopAll([replica]));
    const before = await syncCounters(topo.master.port);
    const mark = w.events.length;
    const attached = Date.now();
    await cli(replica.port, "REPLICAOF", topo.master.host, String(topo.master.port));
    const online = await onlineAt(replica.port, attached);
    const events = await reported(w, mark, 1, [topo.master.id, replica.id]);
    const delta = countersDelta(before, await syncCounters(topo.master.port));
    tally("e) new replica", events, delta, w, [online], "the replica was online");
    assert.equal(delta.full, 1);
    assert.equal(events.length, 1, events.map((e) => e.text).join("\n"));
    assert.equal(events[0]!.kind, "sync:full-resync", events[0]!.text);
    assert.equal(events[0]!.node, replica.id);
    assert.equal(events[0]!.data?.reason, "new-replica", events[0]!.text);
  });

  test("f) two link kills a few ms apart, between two polls: two PARTIALs", async () => {
    const topo = await topology({ replicas: 1 });
    const r = topo.replicas[0]!;
    const w = monitor(topo.master);
    await steady(w, topo.all, [r]);
    const c = await client(r.port);
    const before = await syncCounters(topo.master.port);
    const mark = w.events.length;
    const link = async () => String(await c.call("CLIENT", "LIST", "TYPE", "master"));
    const old = await link();
    const first = await at(c, "CLIENT", "KILL", "TYPE", "master");
    // Cut again as soon as the link is re-made: both resyncs fall between two polls.
    await waitFor("link re-made", link, (l) => l.includes("id=") && l !== old, 5000, 1);
    const second = await at(c, "CLIENT", "KILL", "TYPE", "master");
    console.log(`f) the second kill came ${second - first} ms after the first`);
    const events = await reported(w, mark, 2, [topo.master.id, r.id]);
    const delta = countersDelta(before, await syncCounters(topo.master.port));
    tally("f) 2 kills back to back", events, delta, w, [first, second], "its kill");
    assert.deepEqual(delta, { full: 0, partialOk: 2, partialErr: 0 });
    assert.equal(events.length, 2, events.map((e) => e.text).join("\n"));
    assert.ok(events.every((e) => e.kind === "sync:partial-resync" && e.node === r.id), events.map((e) => e.text).join("\n"));
  });

  test("g) a replica re-pointed to its sibling and straight back: two PARTIALs, one from each master", async () => {
    const topo = await topology({ replicas: 2 });
    const [x, sibling] = [topo.replicas[0]!, topo.replicas[1]!];
    const w = monitor(topo.master);
    await steady(w, topo.all, topo.replicas);
    const c = await client(x.port);
    const [beforeM, beforeS] = [await syncCounters(topo.master.port), await syncCounters(sibling.port)];
    const mark = w.events.length;
    const t0 = await at(c, "REPLICAOF", sibling.host, String(sibling.port));
    await waitFor("x follows its sibling", async () => String(await c.call("INFO", "replication")), (i) => i.includes(`master_port:${sibling.port}`) && i.includes("master_link_status:up"), 5000, 2);
    const t1 = await at(c, "REPLICAOF", topo.master.host, String(topo.master.port));
    console.log(`g) x followed its sibling for ${t1 - t0} ms`);
    const events = await reported(w, mark, 2, topo.all.map((n) => n.id));
    const dm = countersDelta(beforeM, await syncCounters(topo.master.port));
    const ds = countersDelta(beforeS, await syncCounters(sibling.port));
    const delta = { full: dm.full + ds.full, partialOk: dm.partialOk + ds.partialOk, partialErr: dm.partialErr + ds.partialErr };
    tally("g) re-pointed and back", events, delta, w, [t0, t1], "its REPLICAOF");
    assert.deepEqual(delta, { full: 0, partialOk: 2, partialErr: 0 });
    assert.equal(events.length, 2, events.map((e) => e.text).join("\n"));
    assert.ok(events.every((e) => e.kind === "sync:partial-resync" && e.node === x.id), events.map((e) => e.text).join("\n"));
    assert.deepEqual(events.map((e) => e.data?.master).sort(), [topo.master.id, sibling.id].sort());
  });

  test("h) replscope's user may not run CLIENT: a kill on the replica is still reported, from the master's counters", async () => {
    // Replication itself runs as the default user; replscope logs in as one allowed INFO and PING only.
    const topo = await topology({ replicas: 1, args: ["--user", "watcher", "on", ">watch-pw-1", "+info", "+ping"] });
    const r = topo.replicas[0]!;
    const w = watchMonitor([topo.master], { pollMs: POLL_MS, username: "watcher", password: "watch-pw-1" });
    cleanup.push(async () => w.m.stop());
    await steady(w, topo.all, [r]);
    assert.ok(w.m.state(r.id)!.samples.every((s) => s.link === undefined), "CLIENT LIST is refused, so the link is never known");
    // Refused once per connection, not asked again every poll.
    const refusals = Number(/cmdstat_client\|list:.*rejected_calls=(\d+)/.exec(await cli(r.port, "INFO", "commandstats"))?.[1] ?? 0);
    assert.ok((w.polls.get(r.id) ?? 0) >= 3 && refusals >= 1 && refusals <= 2, `CLIENT LIST refused ${refusals} times over ${w.polls.get(r.id)} polls`);
    const c = await client(r.port);
    const before = await syncCounters(topo.master.port);
    const mark = w.events.length;
    const t0 = await at(c, "CLIENT", "KILL", "TYPE", "master");
    const events = await reported(w, mark, 1, [topo.master.id, r.id]);
    const delta = countersDelta(before, await syncCounters(topo.master.port));
    tally("h) kill, CLIENT not permitted", events, delta, w, [t0], "the kill");
    assert.deepEqual(delta, { full: 0, partialOk: 1, partialErr: 0 });
    assert.equal(events.length, 1, events.map((e) => e.text).join("\n"));
    assert.equal(events[0]!.kind, "sync:partial-resync", events[0]!.text);
    assert.equal(events[0]!.node, r.id);
  });
});
