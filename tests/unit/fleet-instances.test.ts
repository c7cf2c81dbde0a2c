// /api/instances shaping and the fleet series of /metrics, from a fake Fleet (status and overview
// as the coordinator and the coordination Redis would give them).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { CoordinatorStatus } from "../../lib/fleet/coordinator";
import type { FleetOverview } from "../../lib/fleet/fleet";
import { instancesAnswer, plainRedisError, readInstances, redact, redisTarget, singleAnswer, urlSecrets, type FleetReader } from "../../lib/fleet/instances";
import { fleetSamples } from "../../lib/metrics/fleet";
import { verdictOf, throttleKeys } from "../../lib/auth/shared-rate-limit";

const NOW = 1_800_000_000_000;

function status(over: Partial<CoordinatorStatus> = {}): CoordinatorStatus {
  return {
    id: "a",
    address: "10.0.0.1:3000",
    startedAt: NOW - 60_000,
    reachable: true,
    lastError: null,
    members: ["a", "b"],
    leases: [{ topology: "cache", token: 7, acquiredAt: NOW - 30_000, remainingMs: 3200 }],
    acquisitions: 3,
    losses: { released: 1, expired: 0, taken: 1, stopped: 0 },
    ...over,
  };
}

function overview(over: Partial<FleetOverview> = {}): FleetOverview {
  return {
    at: NOW,
    self: "a",
    instances: [
      { id: "b", address: "10.0.0.2:3000", startedAt: NOW - 10_000, self: false, leases: [{ topology: "sessions", owner: "b", token: 12, ttlMs: 4100, heldForMs: 9000 }] },
      { id: "a", address: "10.0.0.1:3000", startedAt: NOW - 60_000, self: true, leases: [{ topology: "cache", owner: "a", token: 7, ttlMs: 4800, heldForMs: 29_900 }] },
    ],
    unowned: ["queue", "geo"],
    ...over,
  };
}

const fake = (s: CoordinatorStatus, o: () => Promise<FleetOverview>): FleetReader => ({ instanceId: s.id, status: () => s, overview: o });

describe("/api/instances answer", () => {
  test("every live instance with its leases; this one first, with held-for and certain validity; unowned sorted", () => {
    const a = instancesAnswer(status(), overview(), "10.0.0.9:6379", NOW);
    assert.equal(a.mode, "fleet");
    assert.equal(a.answeredBy, "a");
    assert.deepEqual(a.instances.map((i) => [i.id, i.self, i.live]), [["a", true, true], ["b", false, true]]);
    assert.deepEqual(a.instances[0]!.leases, [{ topology: "cache", token: 7, ttlMs: 4800, heldForMs: 30_000, remainingMs: 3200 }]);
    assert.deepEqual(a.instances[1]!.leases, [{ topology: "sessions", token: 12, ttlMs: 4100, heldForMs: 9000, remainingMs: null }]);
    assert.deepEqual(a.unowned, ["geo", "queue"]);
    assert.deepEqual(a.rebalances, { acquisitions: 3, losses: { released: 1, expired: 0, taken: 1, stopped: 0 } });
    assert.deepEqual(a.coordination, { target: "10.0.0.9:6379", reachable: true, lastError: null });
    assert.equal(a.overviewError, null);
  });

  test("a lease Redis gives a newer token than ours is not shown as held by us for long", () => {
    const a = instancesAnswer(status(), overview({ instances: [{ id: "a", address: "x", startedAt: 0, self: true, leases: [{ topology: "cache", owner: "a", token: 8, ttlMs: 100, heldForMs: null }] }] }), "t:1", NOW);
    assert.deepEqual(a.instances[0]!.leases[0], { topology: "cache", token: 8, ttlMs: 100, heldForMs: null, remainingMs: null });
  });

  test("a lease this instance still acts on but Redis no longer names it for shows with ttl null", () => {
    const a = instancesAnswer(status(), overview({ instances: [{ id: "a", address: "x", startedAt: 0, self: true, leases: [] }] }), "t:1", NOW);
    assert.deepEqual(a.instances[0]!.leases, [{ topology: "cache", token: 7, ttlMs: null, heldForMs: 30_000, remainingMs: 3200 }]);
  });

  test("this instance missing from the member list is still shown, marked not live", () => {
    const a = instancesAnswer(status(), overview({ instances: [overview().instances[0]!] }), "t:1", NOW);
    assert.deepEqual(a.instances.map((i) => [i.id, i.live]), [["a", false], ["b", true]]);
  });

  test("the fleet unreadable: this instance's own view, unowned unknown, the error said", async () => {
    const a = await readInstances(fake(status({ reachable: false, lastError: "connect ECONNREFUSED" }), () => Promise.reject(new Error("Connection is closed."))), "h:1", [], () => NOW);
    assert.equal(a.coordination.reachable, false);
    assert.equal(a.coordination.lastError, "connect ECONNREFUSED");
    assert.match(a.overviewError ?? "", /could not be read: connection closed \(reconnecting\)/);
    assert.equal(a.unowned, null);
    assert.deepEqual(a.instances.map((i) => i.id), ["a"]);
    assert.equal(a.instances[0]!.leases[0]!.remainingMs, 3200);
  });

  test("a password in an error text never reaches the answer", async () => {
    const secrets = urlSecrets("redis://user:s%40cret@10.0.0.9:6380/0");
    assert.deepEqual(secrets.sort(), ["s%40cret", "s@cret"]);
    const a = await readInstances(fake(status({ lastError: "WRONGPASS s@cret" }), () => Promise.reject(new Error("bad s%40cret"))), "h:1", secrets, () => NOW);
    assert.doesNotMatch(JSON.stringify(a), /cret/);
    assert.equal(redact(null, secrets), null);
    assert.deepEqual(urlSecrets("not a url"), []);
  });

  test("the coordination Redis named by host:port only", () => {
    assert.equal(redisTarget({ host: "10.0.0.9", port: 6380 }), "10.0.0.9:6380");
    assert.equal(redisTarget({ host: "::1", port: 6379 }), "[::1]:6379");
    assert.equal(redisTarget({}), "localhost:6379");
  });

  test("alone: this instance monitors every topology", () => {
    assert.deepEqual(singleAnswer({ id: null, startedAt: 5, topologies: ["b", "a"] }, NOW), { mode: "single", at: NOW, instance: { id: null, startedAt: 5, topologies: ["a", "b"] } });
  });
});

describe("fleet series", () => {
  const value = (m: ReturnType<typeof fleetSamples>, name: Parameters<ReturnType<typeof fleetSamples>["get"]>[0], labels: Record<string, string> = {}) =>
    m.get(name)?.find((s) => JSON.stringify(s.labels) === JSON.stringify(labels))?.value;

  test("owners, lease seconds (0 for unowned), tokens, counters and coordination up", () => {
    const m = fleetSamples(status(), overview());
    assert.equal(value(m, "replscope_fleet_coordination_up"), 1);
    assert.equal(value(m, "replscope_fleet_instances"), 2);
    assert.equal(value(m, "replscope_fleet_owned_topologies", { instance: "a" }), 1);
    assert.equal(value(m, "replscope_fleet_owned_topologies", { instance: "b" }), 1);
    assert.equal(value(m, "replscope_fleet_lease_remaining_seconds", { topology: "cache" }), 4.8);
    assert.equal(value(m, "replscope_fleet_lease_remaining_seconds", { topology: "queue" }), 0);
    assert.equal(value(m, "replscope_fleet_lease_owner", { topology: "sessions", instance: "b" }), 1);
    assert.equal(value(m, "replscope_fleet_lease_token", { topology: "sessions" }), 12);
    assert.equal(value(m, "replscope_fleet_unowned_topologies"), 2);
    assert.equal(value(m, "replscope_fleet_acquisitions_total"), 3);
    assert.deepEqual(m.get("replscope_fleet_losses_total")?.map((s) => [s.labels.reason, s.value]), [["released", 1], ["expired", 0], ["taken", 1], ["stopped", 0]]);
  });

  test("the fleet unreadable: coordination down, counters kept, nothing guessed", () => {
    const m = fleetSamples(status(), null);
    assert.equal(value(m, "replscope_fleet_coordination_up"), 0);
    assert.equal(value(m, "replscope_fleet_acquisitions_total"), 3);
    assert.equal(m.has("replscope_fleet_instances"), false);
    assert.equal(m.has("replscope_fleet_lease_remaining_seconds"), false);
  });

  test("readable but this instance's coordinator failed its last tick: still down", () => {
    assert.equal(value(fleetSamples(status({ reachable: false }), overview()), "replscope_fleet_coordination_up"), 0);
  });
});

describe("shared login throttle, pure parts", () => {
  test("the verdict from the script's reply", () => {
    assert.deepEqual(verdictOf([0, "", 0]), { allowed: true });
    assert.deepEqual(verdictOf([1500, "user", 1]), { allowed: false, retryAfterMs: 1500, scope: "user", firstRefusal: true });
    assert.deepEqual(verdictOf([900, "client", 0]), { allowed: false, retryAfterMs: 900, scope: "client", firstRefusal: false });
    assert.deepEqual(verdictOf(null), { allowed: true });
  });

  test("keys: one slot per client, a name per (client, user), no plain names", () => {
    const k = throttleKeys("10.0.0.1", "otto", "p:");
    const tag = /\{[0-9a-f]{32}\}/;
    for (const key of Object.values(k)) {
      assert.match(key, tag);
      assert.doesNotMatch(key, /otto|10\.0/);
    }
    assert.equal(new Set(Object.values(k)).size, 4);
    assert.equal(throttleKeys("10.0.0.1", "vera", "p:").clientCount, k.clientCount);
    assert.notEqual(throttleKeys("10.0.0.1", "vera", "p:").userCount, k.userCount);
    assert.notEqual(throttleKeys("10.0.0.2", "otto", "p:").clientCount, k.clientCount);
  });
});

describe("coordination errors in plain words", () => {
  test("ioredis's offline refusal and closed connection read as what they mean; others pass through", async () => {
    assert.equal(plainRedisError("Stream isn't writeable and enableOfflineQueue options is false"), "not connected (reconnecting)");
    assert.equal(plainRedisError("Connection is closed."), "connection closed (reconnecting)");
    assert.equal(plainRedisError("Command timed out"), "Command timed out");
    const a = await readInstances(fake(status({ reachable: false, lastError: "Stream isn't writeable and enableOfflineQueue options is false" }), () => Promise.reject(new Error("Stream isn't writeable and enableOfflineQueue options is false"))), "h:1", [], () => NOW);
    assert.equal(a.coordination.lastError, "not connected (reconnecting)");
    assert.equal(a.overviewError, "the coordination Redis could not be read: not connected (reconnecting)");
  });
});
