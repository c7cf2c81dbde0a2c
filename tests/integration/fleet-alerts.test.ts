// One alert, one notification, on a real coordination redis-server and a real HTTP receiver: an
// alert is announced (timeline event + webhook POST) once, across a change of the instance that
// owns the topology, by a stale owner never, and once when the coordination Redis comes back
// from being stopped or frozen.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type Redis from "ioredis";
import { AlertEngine } from "../../lib/alerts/engine";
import { alertId, DEFAULT_ALERT_RULES, type AlertNode } from "../../lib/alerts/rules";
import { AlertLedger } from "../../lib/fleet/alert-ledger";
import { acquireLease, createCoordinationRedis, renewLease } from "../../lib/fleet/coordination";
import { alertsKey } from "../../lib/fleet/keys";
import { ALERT_CLAIM_FIRING, ALERT_CLAIM_RESOLVED } from "../../lib/fleet/scripts";
import { startRedis, stopAll, type LocalRedis } from "../../lib/redis/local-server";
import { waitFor } from "../support/wait";

const R = "127.0.0.1:7002";
const rules = { ...DEFAULT_ALERT_RULES, forSeconds: 0 };
const replica = (linkStatus: "up" | "down"): AlertNode => ({
  id: R,
  role: "replica",
  status: "up",
  masterId: "127.0.0.1:7001",
  lagBytes: linkStatus === "up" ? 0 : null,
  lagSeconds: 0,
  linkStatus,
  readOnly: true,
  backlogSize: 1 << 20,
});

interface Post {
  state: string;
  alert: { id: string; since: number };
}

let coord: LocalRedis;
let url: string;
let admin: Redis;
let hook: http.Server;
let hookUrl: string;
const posts: Post[] = [];
const conns: Redis[] = [];
const engines: AlertEngine[] = [];

before(async () => {
  // AOF, so a stop and restart keeps the leases and the ledger (what a real deployment would do).
  coord = await startRedis({ args: ["--appendonly", "yes", "--appendfsync", "always"] });
  url = `redis://127.0.0.1:${coord.port}`;
  admin = createCoordinationRedis(url, { commandTimeoutMs: 1000 });
  await waitFor("admin connection", () => admin.ping(), (r) => r === "PONG");
  hook = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      posts.push(JSON.parse(body) as Post);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, "127.0.0.1", resolve));
  hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
});

after(async () => {
  for (const e of engines) await e.close();
  for (const c of conns) c.disconnect();
  admin.disconnect();
  hook.closeAllConnections();
  await new Promise<void>((resolve) => hook.close(() => resolve()));
  await stopAll([coord]);
});

/** One replscope instance's alert engine for `topology`, under lease `token`, with its own connection. */
function instance(topology: string, token: number) {
  const redis = createCoordinationRedis(url, { commandTimeoutMs: 300 });
  conns.push(redis);
  const events: { state: unknown; at: number }[] = [];
  const engine = new AlertEngine(topology, rules, hookUrl, (evs, at) => events.push(...evs.map((e) => ({ state: e.data?.state, at }))), {
    ledger: new AlertLedger(redis, topology, token),
  });
  engines.push(engine);
  /** Ticks once a loop, like the monitor, until the claims are answered and `ok` holds. */
  const tickUntil = (what: string, nodes: AlertNode[], ok: () => boolean = () => true, timeoutMs = 10_000) =>
    waitFor(
      what,
      () => {
        engine.tick(Date.now(), nodes);
        return engine.claimStats();
      },
      (s) => s !== null && s.loaded && s.queued === 0 && !s.busy && ok(),
      timeoutMs,
    );
  return { engine, events, tickUntil };
}

const postsFor = (id: string) => posts.filter((p) => p.alert.id === id).map((p) => p.state);

describe("alerts announced once across instances", { concurrency: false }, () => {
  test("fired by the first owner, adopted quietly by the next, resolved once by it; the stale owner is fenced", async () => {
    const topology = "handover";
    const id = alertId(topology, "link-down", R);
    const lease1 = await acquireLease(admin, topology, "inst-1", 60_000);
    assert.ok(lease1.acquired);
    const one = instance(topology, lease1.token);
    await one.tickUntil("first owner announces", [replica("down")], () => one.events.length === 1);
    await waitFor("the webhook POST", () => postsFor(id), (p) => p.length === 1);
    await one.tickUntil("first owner keeps it", [replica("down")]);
    assert.deepEqual(one.events.map((e) => e.state), ["firing"]);
    const since = one.engine.active()[0]?.since;

    // The first owner dies: its last renewal ran out, another instance takes the topology over.
    assert.equal(await renewLease(admin, topology, "inst-1", lease1.token, 100), true);
    const lease2 = await waitFor("takeover", () => acquireLease(admin, topology, "inst-2", 60_000), (r) => r.acquired);
    assert.ok(lease2.token > lease1.token);
    const two = instance(topology, lease2.token);
    for (let i = 0; i < 3; i++) await two.tickUntil("new owner settles", [replica("down")]);
    assert.equal(two.events.length, 0, "no second firing event");
    assert.deepEqual(two.engine.active().map((a) => [a.id, a.since]), [[id, since]], "the alert shows as active, since the first owner saw it");

    // The old owner, still running, sees the link come back: it must not announce the resolution.
    await waitFor("stale owner fenced", () => (one.engine.tick(Date.now(), [replica("up")]), one.engine.claimStats()), (s) => s?.fenced === true);
    assert.deepEqual(one.events.map((e) => e.state), ["firing"]);
    assert.equal(await admin.hexists(alertsKey(topology), id), 1, "the ledger still holds the alert");

    await two.tickUntil("new owner resolves", [replica("up")], () => two.events.length === 1);
    for (let i = 0; i < 3; i++) await two.tickUntil("new owner stays quiet", [replica("up")]);
    assert.deepEqual(two.events.map((e) => e.state), ["resolved"]);
    assert.equal(await admin.hexists(alertsKey(topology), id), 0);
    // Every announcement's POST arrived, and there were exactly these.
    await waitFor("the webhook POSTs", () => postsFor(id), (p) => p.length === 2);
    assert.deepEqual(postsFor(id), ["firing", "resolved"]);
    assert.ok(posts.filter((p) => p.alert.id === id).every((p) => p.alert.since === since));
  });

  test("coordination Redis stopped while an alert fires: active at once, announced once when it is back", async () => {
    const topology = "outage";
    const id = alertId(topology, "link-down", R);
    const lease = await acquireLease(admin, topology, "inst-1", 120_000);
    assert.ok(lease.acquired);
    const inst = instance(topology, lease.token);
    await inst.tickUntil("ledger loaded", [replica("up")]);

    await coord.stop();
    await waitFor("a failed claim", () => (inst.engine.tick(Date.now(), [replica("down")]), inst.engine.claimStats()), (s) => s?.lastError !== null);
    await waitFor("the pass over", () => inst.engine.claimStats(), (s) => s?.busy === false);
    assert.equal(inst.engine.claimStats()?.queued, 1, "the claim waits for its retry");
    assert.deepEqual(inst.engine.active().map((a) => a.id), [id], "active before any claim answered");
    assert.equal(inst.events.length, 0, "never announced without a claim");
    assert.equal(postsFor(id).length, 0);

    await coord.restart();
    await inst.tickUntil("announced after the restart", [replica("down")], () => inst.events.length > 0, 15_000);
    for (let i = 0; i < 3; i++) await inst.tickUntil("quiet", [replica("down")]);
    assert.deepEqual(inst.events.map((e) => e.state), ["firing"]);
    await waitFor("the webhook POST", () => postsFor(id), (p) => p.length === 1);
    assert.deepEqual(postsFor(id), ["firing"]);
  });

  test("frozen coordination Redis: a claim that timed out but ran still announces, once", async () => {
    const topology = "frozen";
    const id = alertId(topology, "link-down", R);
    const lease = await acquireLease(admin, topology, "inst-1", 120_000);
    assert.ok(lease.acquired);
    // Loaded scripts, so the frozen server queues the claim itself (EVALSHA), not a NOSCRIPT answer.
    await admin.script("LOAD", ALERT_CLAIM_FIRING);
    await admin.script("LOAD", ALERT_CLAIM_RESOLVED);
    const inst = instance(topology, lease.token);
    await inst.tickUntil("ledger loaded", [replica("up")]);

    coord.signal("SIGSTOP");
    try {
      inst.engine.tick(Date.now(), [replica("down")]);
      await waitFor("a timed-out claim", () => inst.engine.claimStats(), (s) => s?.lastError !== null && !s?.busy);
      assert.match(inst.engine.claimStats()?.lastError ?? "", /timed out/i);
    } finally {
      coord.signal("SIGCONT");
    }
    // The first attempt ran when the server woke up: the hash has the alert. Only the claim's
    // marker lets the retry tell "mine" from "someone else's" and announce.
    await waitFor("the first attempt applied", () => admin.hexists(alertsKey(topology), id), (n) => n === 1);
    await inst.tickUntil("announced by the retry", [replica("down")], () => inst.events.length > 0);
    for (let i = 0; i < 3; i++) await inst.tickUntil("quiet", [replica("down")]);
    assert.deepEqual(inst.events.map((e) => e.state), ["firing"]);
    await waitFor("the webhook POST", () => postsFor(id), (p) => p.length === 1);
  });
});
