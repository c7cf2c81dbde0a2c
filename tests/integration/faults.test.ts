// Faults against a real master and two replicas: a frozen replica, a killed master, a replica
// restarted from an empty dir, DEBUG SLEEP, CLIENT PAUSE and a port taken over by another server.
//
// In every scenario:
//  - the healthy nodes keep updating at their normal rate: successful polls (lastOkAt, seen through
//    onChange) never stall for STALL_MS or more. The topology timeout is 1000 ms, so a poll loop that
//    waited on the faulty node would show a gap of about 1 s, well past the 600 ms bound, while
//    normal polls come every 100 ms (6× headroom for a loaded machine);
//  - after the fault ends the view is right within RECOVERY_MS: the poller may be sleeping its
//    reconnect backoff (capped at 1000 ms, measured from the start of the failed attempt) when the
//    fault ends, so the first successful poll can come up to MAX_BACKOFF_MS later; from that poll on
//    the state must be right within two poll periods (+ SLACK_MS for the timers of a loaded machine).
//    Where the right state depends on Redis itself (a replica's link coming back), "after recovery"
//    is the moment redis-cli sees it, and the monitor, which polls that healthy node normally, must
//    show it within two poll periods (+ slack);
//  - no unhandled promise rejection, and heapUsed does not grow by more than HEAP_BOUND.
import { afterEach, beforeEach, describe, test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, rmSync } from "node:fs";
import path from "node:path";
import type { TopologyConfig } from "../../lib/config/load";
import { buildTopologyMonitor } from "../../lib/monitor/build";
import type { TopologyMonitor } from "../../lib/monitor/topology-monitor";
import type { NodeView } from "../../lib/monitor/types";
import type { TimelineEvent } from "../../lib/timeline/types";
import { localRedisRoot, startRedis, stopAll, type LocalRedis } from "../../lib/redis/local-server";
import { cli, FAST_SYNC, startTopology, type Topology } from "../support/topology";
import { waitFor } from "../support/wait";

const POLL_MS = 100;
const TIMEOUT_MS = 1000;
const MAX_BACKOFF_MS = 1000;
const STALL_MS = 600;
const SLACK_MS = 150;
const RECOVERY_MS = MAX_BACKOFF_MS + 2 * POLL_MS + SLACK_MS;
const HEAP_BOUND = 64 * 1024 * 1024;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Watch {
  m: TopologyMonitor;
  events: TimelineEvent[];
  view(id: string): NodeView | undefined;
  /** Resolves with the time of the first change (or now) at which `ok` holds for the node's view. */
  when(label: string, id: string, ok: (v: NodeView | undefined) => boolean, timeoutMs: number): Promise<number>;
  /** Every healthy node in `ids` had successful polls no more than STALL_MS apart over [from, to]. */
  assertSteady(ids: string[], from: number, to: number, label: string): void;
  /** A figure for the test report (node:test diagnostic). */
  note(msg: string): void;
}

function startWatch(topo: Topology, t: TestContext): Watch {
  const cfg: TopologyConfig = {
    name: "faults",
    seeds: [{ host: topo.master.host, port: topo.master.port, tls: false }],
    nodes: {},
    pollMs: POLL_MS,
    infoMs: 1000,
    timeoutMs: TIMEOUT_MS,
    drills: false,
    logDirs: [localRedisRoot()],
  };
  const m = buildTopologyMonitor(cfg);
  const events: TimelineEvent[] = [];
  const okTimes = new Map<string, number[]>();
  const waiters = new Set<() => void>();
  const view = (id: string) => m.views().find((v) => v.id === id);
  m.onChange((_t, c) => {
    events.push(...c.events);
    const okAt = m.state(c.nodeId)?.lastOkAt;
    const list = okTimes.get(c.nodeId) ?? [];
    if (okAt !== null && okAt !== undefined && list[list.length - 1] !== okAt) {
      list.push(okAt);
      if (list.length > 2000) list.splice(0, list.length - 2000);
      okTimes.set(c.nodeId, list);
    }
    for (const w of [...waiters]) w();
  });
  m.start();
  return {
    m,
    events,
    view,
    when: (label, id, ok, timeoutMs) =>
      new Promise<number>((resolve, reject) => {
        const check = () => {
          if (!ok(view(id))) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(Date.now());
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${label}; last view: ${JSON.stringify(view(id))?.slice(0, 600)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    assertSteady: (ids, from, to, label) => {
      for (const id of ids) {
        const times = (okTimes.get(id) ?? []).filter((t) => t >= from && t <= to);
        const points = [from, ...times, to];
        const gaps = points.slice(1).map((t, i) => t - points[i]!);
        const maxGap = Math.max(...gaps);
        const expected = (to - from) / POLL_MS;
        t.diagnostic(`${label}: ${id} ${times.length} polls, longest gap ${maxGap} ms`);
        assert.ok(maxGap < STALL_MS, `${label}: ${id} went ${maxGap} ms without a successful poll`);
        assert.ok(times.length >= expected * 0.5, `${label}: ${id} got ${times.length} polls in ${to - from} ms (about ${Math.round(expected)} expected)`);
      }
    },
    note: (msg) => t.diagnostic(msg),
  };
}

/** Resolves with the time redis-cli first sees `ok` in the node's INFO replication. */
async function redisSays(port: number, ok: (info: string) => boolean, timeoutMs: number): Promise<number> {
  await waitFor(`port ${port} INFO replication`, () => cli(port, "INFO", "replication"), ok, timeoutMs, 20);
  return Date.now();
}

/** Asserts a measured delay and reports it. */
function within(w: Watch, delayMs: number, boundMs: number, what: string): void {
  w.note(`${what} (bound ${boundMs} ms)`);
  assert.ok(delayMs <= boundMs, `${what}: over the ${boundMs} ms bound`);
}

function hasEvent(events: TimelineEvent[], kind: string, node: string, since = 0): boolean {
  return events.some((e) => e.kind === kind && e.node === node && e.at >= since);
}

describe("faults", () => {
  let topo: Topology;
  let extra: LocalRedis[] = [];
  let w: Watch | null = null;
  let heapBase = 0;
  let heapMax = 0;
  let heapTimer: NodeJS.Timeout | undefined;
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);

  async function watch(t: TestContext): Promise<Watch> {
    const watch = startWatch(topo, t);
    w = watch;
    await waitFor("3 nodes up, replicas linked", () => watch.m.views(), (vs) => vs.length === 3 && vs.every((v) => v.status === "up" && (v.role === "master" || v.linkStatus === "up")), 10_000);
    await sleep(300);
    heapBase = process.memoryUsage().heapUsed;
    heapMax = heapBase;
    heapTimer = setInterval(() => (heapMax = Math.max(heapMax, process.memoryUsage().heapUsed)), 250);
    return watch;
  }

  beforeEach(async () => {
    rejections.length = 0;
    process.on("unhandledRejection", onRejection);
    topo = await startTopology({ replicas: 2, args: ["--enable-debug-command", "yes"] });
  });

  afterEach(async () => {
    clearInterval(heapTimer);
    const note = w?.note;
    w?.m.stop();
    w = null;
    for (const r of topo?.all ?? []) r.signal("SIGCONT");
    await stopAll(extra);
    extra = [];
    await topo?.stop();
    await sleep(100);
    process.removeListener("unhandledRejection", onRejection);
    assert.deepEqual(rejections.map(String), [], "no unhandled rejection");
    note?.(`heapUsed grew by at most ${((heapMax - heapBase) / 1e6).toFixed(1)} MB`);
    assert.ok(heapMax - heapBase < HEAP_BOUND, `heapUsed grew by ${((heapMax - heapBase) / 1e6).toFixed(1)} MB`);
  });

  test("a replica frozen with SIGSTOP for 10 s is down (timeout) and back up; the others never stall", async (t) => {
    const w = await watch(t);
    const [r0, r1] = [topo.replicas[0]!, topo.replicas[1]!];
    r1.signal("SIGSTOP");
    const frozenAt = Date.now();
    const downAt = await w.when("r1 down", r1.id, (v) => v?.status === "down", 3000);
    within(w, downAt - frozenAt, TIMEOUT_MS + 2 * POLL_MS + SLACK_MS, `down after ${downAt - frozenAt} ms`);
    // First the 2-poll watchdog ("not answering"), then the command timeout itself.
    assert.match(w.view(r1.id)?.lastError ?? "", /^(not answering \(no reply for \d+ ms\)|timeout: no reply)/);
    assert.equal(w.view(r1.id)?.role, "replica", "the last known role is kept");
    await sleep(10_000 - (Date.now() - frozenAt));
    assert.equal(w.view(r1.id)?.status, "down", "still down while frozen");
    assert.match(w.view(r1.id)?.lastError ?? "", /timeout/);
    const thawedAt = Date.now();
    w.assertSteady([topo.master.id, r0.id], frozenAt, thawedAt, "while r1 was frozen");
    r1.signal("SIGCONT");
    const upAt = await w.when("r1 up and linked", r1.id, (v) => v?.status === "up" && v.lastError === null && v.linkStatus === "up", 5000);
    within(w, upAt - thawedAt, RECOVERY_MS, `r1 right ${upAt - thawedAt} ms after SIGCONT`);
    assert.ok(hasEvent(w.events, "node:down", r1.id, frozenAt) && hasEvent(w.events, "node:up", r1.id, thawedAt));
    assert.ok(!hasEvent(w.events, "node:restarted", r1.id), "same process, same run_id");
  });

  test("kill -9 of the master: master down, replicas show the link down; restarted: links up again", async (t) => {
    const w = await watch(t);
    const { master } = topo;
    const replicas = topo.replicas;
    master.signal("SIGKILL");
    const killedAt = Date.now();
    const masterDownAt = await w.when("master down", master.id, (v) => v?.status === "down", 2000);
    within(w, masterDownAt - killedAt, 2 * POLL_MS + SLACK_MS, `master down after ${masterDownAt - killedAt} ms`);
    assert.match(w.view(master.id)?.lastError ?? "", /refused|reset|closed/);
    for (const r of replicas) {
      const truth = await redisSays(r.port, (i) => i.includes("master_link_status:down"), 3000);
      const seen = await w.when(`${r.id} link down`, r.id, (v) => v?.status === "up" && v.linkStatus === "down" && v.linkDownSince !== null, 2000);
      within(w, seen - truth, 2 * POLL_MS + SLACK_MS, `${r.id} link down shown ${seen - truth} ms after Redis reported it`);
      const v = w.view(r.id)!;
      assert.ok(v.linkDownSince! >= killedAt - 1500 && v.linkDownSince! <= Date.now(), `linkDownSince ${v.linkDownSince} vs kill at ${killedAt}`);
      assert.equal(v.masterId, master.id, "still a replica of the dead master");
      assert.ok(hasEvent(w.events, "replica:link-down", r.id, killedAt));
    }
    assert.equal(w.m.views().length, 3, "the dead master stays on the map");
    await sleep(1500);
    w.assertSteady(replicas.map((r) => r.id), killedAt, Date.now(), "while the master was dead");

    const restartFrom = Date.now();
    await master.restart();
    const restartedAt = Date.now();
    const upAt = await w.when("master up", master.id, (v) => v?.status === "up" && v.role === "master", 3000);
    within(w, upAt - restartedAt, RECOVERY_MS, `master up ${upAt - restartedAt} ms after it answered PING`);
    for (const r of replicas) {
      const truth = await redisSays(r.port, (i) => i.includes("master_link_status:up"), 10_000);
      const seen = await w.when(`${r.id} link up`, r.id, (v) => v?.linkStatus === "up" && v.linkDownSince === null, 3000);
      within(w, seen - truth, 2 * POLL_MS + SLACK_MS, `${r.id} link up shown ${seen - truth} ms after Redis reported it`);
      assert.ok(hasEvent(w.events, "replica:link-up", r.id, restartFrom));
    }
    assert.ok(hasEvent(w.events, "node:restarted", master.id, restartFrom), "a new run_id on the master");
    await w.when("master lists both replicas", master.id, (v) => v?.connectedReplicas === 2, 2 * POLL_MS + MAX_BACKOFF_MS);
    w.assertSteady(replicas.map((r) => r.id), restartFrom, Date.now(), "while the master came back");
  });

  test("a replica restarted from an empty dir: node:restarted, a full resync, the others never stall", async (t) => {
    const w = await watch(t);
    const { master } = topo;
    const [r0, r1] = [topo.replicas[0]!, topo.replicas[1]!];
    await cli(master.port, "SET", "k", "v");
    const fullBefore = Number(/sync_full:(\d+)/.exec(await cli(master.port, "INFO", "stats"))?.[1]);
    const oldRunId = w.view(r0.id)?.runId;
    assert.ok(oldRunId);
    const stoppedAt = Date.now();
    await r0.stop();
    await w.when("r0 down", r0.id, (v) => v?.status === "down", 2000);
    for (const f of readdirSync(r0.dir)) rmSync(path.join(r0.dir, f), { recursive: true, force: true });
    const fresh = await startRedis({ port: r0.port, dir: r0.dir, args: [...FAST_SYNC, "--enable-debug-command", "yes"], replicaOf: { host: master.host, port: master.port } });
    extra.push(fresh);
    const startedAt = Date.now();
    const upAt = await w.when("r0 up with a new run_id", r0.id, (v) => v?.status === "up" && v.runId !== oldRunId, 3000);
    within(w, upAt - startedAt, RECOVERY_MS, `r0 up ${upAt - startedAt} ms after it answered PING`);
    assert.ok(hasEvent(w.events, "node:restarted", r0.id, stoppedAt), "run_id change reported");
    assert.equal(w.view(r0.id)?.role, "replica");

    const truth = await redisSays(r0.port, (i) => i.includes("master_link_status:up"), 10_000);
    const linked = await w.when("r0 linked", r0.id, (v) => v?.linkStatus === "up" && v.masterId === master.id, 3000);
    within(w, linked - truth, 2 * POLL_MS + SLACK_MS, `link up shown ${linked - truth} ms after Redis reported it`);
    assert.equal(await cli(r0.port, "GET", "k"), "v", "the data came back through the resync");
    const fullAfter = Number(/sync_full:(\d+)/.exec(await cli(master.port, "INFO", "stats"))?.[1]);
    assert.equal(fullAfter, fullBefore + 1, "the master did one full sync");
    await w.when("r0 last resync is full", r0.id, (v) => v?.lastResyncKind === "full", 3000);
    w.assertSteady([master.id, r1.id], stoppedAt, Date.now(), "while r0 was replaced");
  });

  test("DEBUG SLEEP 2 on a replica: it times out and comes back; the others never stall", async (t) => {
    const w = await watch(t);
    const [r0, r1] = [topo.replicas[0]!, topo.replicas[1]!];
    const sleptAt = Date.now();
    const slept = cli(r1.port, "DEBUG", "SLEEP", "2").then(() => Date.now());
    await w.when("r1 down", r1.id, (v) => v?.status === "down", 2000);
    assert.match(w.view(r1.id)?.lastError ?? "", /^(timeout|not answering)/);
    const wokeAt = await slept;
    assert.ok(wokeAt - sleptAt >= 1900);
    const upAt = await w.when("r1 up", r1.id, (v) => v?.status === "up" && v.linkStatus === "up", 3000);
    within(w, upAt - wokeAt, RECOVERY_MS, `r1 right ${upAt - wokeAt} ms after DEBUG SLEEP returned`);
    w.assertSteady([topo.master.id, r0.id], sleptAt, wokeAt, "during DEBUG SLEEP on r1");
    assert.ok(!hasEvent(w.events, "node:restarted", r1.id));
  });

  test("CLIENT PAUSE ALL on the master blocks INFO too: master down (timeout) for the pause, replicas unaffected", async (t) => {
    const w = await watch(t);
    const { master } = topo;
    const pausedAt = Date.now();
    assert.equal(await cli(master.port, "CLIENT", "PAUSE", "2000", "ALL"), "OK");
    const pauseEnds = pausedAt + 2000;
    await w.when("master down", master.id, (v) => v?.status === "down", 2000);
    assert.match(w.view(master.id)?.lastError ?? "", /^(timeout|not answering)/);
    for (const r of topo.replicas) assert.equal(w.view(r.id)?.linkStatus, "up", "replication is not paused");
    const upAt = await w.when("master up", master.id, (v) => v?.status === "up" && v.connectedReplicas === 2, pauseEnds - Date.now() + 3000);
    assert.ok(upAt >= pauseEnds - 50, "INFO really was blocked by the pause");
    within(w, upAt - pauseEnds, RECOVERY_MS, `master right ${upAt - pauseEnds} ms after the pause ended`);
    w.assertSteady(topo.replicas.map((r) => r.id), pausedAt, pauseEnds, "during CLIENT PAUSE ALL on the master");
  });

  test("CLIENT PAUSE WRITE on the master does not block INFO: every node keeps updating", async (t) => {
    const w = await watch(t);
    const { master } = topo;
    const pausedAt = Date.now();
    assert.equal(await cli(master.port, "CLIENT", "PAUSE", "2000", "WRITE"), "OK");
    await sleep(2000);
    w.assertSteady(topo.all.map((n) => n.id), pausedAt, pausedAt + 2000, "during CLIENT PAUSE WRITE");
    assert.ok(!w.events.some((e) => e.kind === "node:down" && e.at >= pausedAt));
  });

  test("a replica's port taken over by another server: node:restarted and role change, the others never stall", async (t) => {
    const w = await watch(t);
    const { master } = topo;
    const [r0, r1] = [topo.replicas[0]!, topo.replicas[1]!];
    const oldRunId = w.view(r1.id)?.runId;
    const stoppedAt = Date.now();
    await r1.stop();
    await w.when("r1 down", r1.id, (v) => v?.status === "down", 2000);
    await sleep(500);
    const other = await startRedis({ port: r1.port, args: FAST_SYNC });
    extra.push(other);
    const startedAt = Date.now();
    const rightAt = await w.when("r1 is a master now", r1.id, (v) => v?.status === "up" && v.role === "master" && v.masterId === null && v.runId !== oldRunId, 3000);
    within(w, rightAt - startedAt, RECOVERY_MS, `r1 right ${rightAt - startedAt} ms after the new server answered PING`);
    assert.ok(hasEvent(w.events, "node:restarted", r1.id, stoppedAt), "run_id change reported");
    assert.ok(w.events.some((e) => e.kind === "node:role-changed" && e.node === r1.id && e.data?.from === "replica" && e.data.to === "master"));
    await w.when("master lists one replica", master.id, (v) => v?.connectedReplicas === 1, 2000);
    assert.equal(w.view(r1.id)?.linkStatus, null, "a master has no link");
    w.assertSteady([master.id, r0.id], stoppedAt, Date.now(), "while r1's port changed hands");
  });
});
