// The replscope_fleet_* series on a real coordination redis-server: two coordinators share four
// topologies; instance A's /metrics text says who owns what, lease seconds left and A's counters,
// and keeps answering (coordination down, no guesses) once the Redis is gone.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type Redis from "ioredis";
import { createCoordinationRedis } from "../../lib/fleet/coordination";
import { FleetCoordinator } from "../../lib/fleet/coordinator";
import { fleetOn, type Fleet } from "../../lib/fleet/fleet";
import { createMetrics, type Metrics } from "../../lib/metrics/collect";
import { parseExposition, select, type Exposition } from "../../lib/metrics/exposition";
import { MonitorHub } from "../../lib/monitor/hub";
import { startRedis, type LocalRedis } from "../../lib/redis/local-server";
import { waitFor } from "../support/wait";

const TOPOLOGIES = ["t0", "t1", "t2", "t3"];
const TIMING = { periodMs: 100, leaseTtlMs: 1000, memberTtlMs: 500, safetyMs: 200 };

describe("fleet metrics", () => {
  let coord: LocalRedis;
  const clients: Redis[] = [];
  const coordinators: FleetCoordinator[] = [];
  let fleetA: Fleet;
  let metrics: Metrics;
  let alone: Metrics;
  const hub = new MonitorHub([]);

  const member = (id: string): Fleet => {
    const redis = createCoordinationRedis(`redis://127.0.0.1:${coord.port}`, { commandTimeoutMs: 200 });
    const c = new FleetCoordinator({ ...TIMING, redis, id, address: `127.0.0.1:${id === "a" ? 3001 : 3002}`, topologies: () => TOPOLOGIES, log: () => undefined });
    clients.push(redis);
    coordinators.push(c);
    c.start();
    return fleetOn(redis, c, () => TOPOLOGIES);
  };
  const scrape = async (m: Metrics = metrics): Promise<Exposition> => parseExposition(await m.render());
  const sum = (e: Exposition, name: string) => select(e, name).reduce((s, x) => s + x.value, 0);

  before(async () => {
    coord = await startRedis();
    fleetA = member("a");
    member("b");
    metrics = createMetrics(hub, { socketClients: () => 0, processMetrics: false, fleet: () => fleetA });
    alone = createMetrics(hub, { socketClients: () => 0, processMetrics: false, fleet: () => null });
  });
  after(async () => {
    metrics?.close();
    alone?.close();
    for (const c of coordinators) await c.stop({ release: false });
    for (const r of clients) r.disconnect();
    await coord?.stop();
  });

  test("two live instances own the four topologies between them; every lease has seconds left", async () => {
    const e = await waitFor("both instances own topologies", scrape, (x) => sum(x, "replscope_fleet_owned_topologies") === 4 && select(x, "replscope_fleet_owned_topologies").length === 2, 10_000, 100);
    assert.equal(select(e, "replscope_fleet_instances")[0]?.value, 2);
    assert.equal(select(e, "replscope_fleet_coordination_up")[0]?.value, 1);
    assert.equal(select(e, "replscope_fleet_unowned_topologies")[0]?.value, 0);
    for (const t of TOPOLOGIES) {
      const left = select(e, "replscope_fleet_lease_remaining_seconds", { topology: t });
      assert.equal(left.length, 1, t);
      assert.ok(left[0]!.value > 0 && left[0]!.value <= 1, `${t}: ${left[0]!.value}`);
      assert.equal(select(e, "replscope_fleet_lease_owner", { topology: t }).length, 1, `${t} has one owner`);
    }
    const ownedByA = select(e, "replscope_fleet_owned_topologies", { instance: "a" })[0]?.value ?? 0;
    assert.equal(select(e, "replscope_fleet_acquisitions_total")[0]?.value, fleetA.status().acquisitions);
    assert.ok(fleetA.status().acquisitions >= ownedByA);
    assert.equal(select(e, "replscope_fleet_losses_total").length, 4, "one series per reason");
  });

  test("one instance stops: its topologies move, A's rebalance counters say so", async () => {
    const before = await scrape();
    const acquiredBefore = select(before, "replscope_fleet_acquisitions_total")[0]?.value ?? NaN;
    const ownedBefore = select(before, "replscope_fleet_owned_topologies", { instance: "a" })[0]?.value ?? NaN;
    await coordinators[1]!.stop({ release: true });
    const e = await waitFor("A owns all four", scrape, (x) => select(x, "replscope_fleet_owned_topologies", { instance: "a" })[0]?.value === 4, 10_000, 100);
    assert.equal(select(e, "replscope_fleet_instances")[0]?.value, 1);
    assert.equal(select(e, "replscope_fleet_acquisitions_total")[0]?.value, acquiredBefore + 4 - ownedBefore, "one acquisition per topology taken over");
    for (const t of TOPOLOGIES) assert.equal(select(e, "replscope_fleet_lease_owner", { topology: t, instance: "a" }).length, 1);
  });

  test("alone, the fleet series have no samples", async () => {
    const e = await scrape(alone);
    assert.deepEqual(e.samples.filter((s) => s.name.startsWith("replscope_fleet_")), []);
    assert.ok(e.families.has("replscope_fleet_coordination_up"), "the family is declared, empty");
  });

  test("the coordination Redis gone: the scrape still answers, coordination down, no ownership guessed", async () => {
    const expiredBefore = select(await scrape(), "replscope_fleet_losses_total", { reason: "expired" })[0]?.value ?? NaN;
    const acquired = fleetA.status().acquisitions;
    await coord.stop();
    const e = await waitFor("coordination down", scrape, (x) => select(x, "replscope_fleet_coordination_up")[0]?.value === 0, 10_000, 100);
    assert.deepEqual(select(e, "replscope_fleet_owned_topologies"), []);
    assert.deepEqual(select(e, "replscope_fleet_instances"), []);
    assert.equal(select(e, "replscope_fleet_acquisitions_total")[0]?.value, acquired, "A's own counter is still known");
    await waitFor("A's four leases expire", scrape, (x) => select(x, "replscope_fleet_losses_total", { reason: "expired" })[0]?.value === expiredBefore + 4, 10_000, 100);
  });
});
