// A topology a failover drill runs on is not handed to a rebalance mid-drill: its holder keeps
// renewing it while `keep` says so, and gives it up to the instance rendezvous picks once it stops.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type Redis from "ioredis";
import { startRedis, stopAll, type LocalRedis } from "../../lib/redis/local-server";
import { createCoordinationRedis, readLeases } from "../../lib/fleet/coordination";
import { FleetCoordinator } from "../../lib/fleet/coordinator";
import { assign } from "../../lib/fleet/rendezvous";
import { claimEventSlot } from "../../lib/fleet/event-ids";
import { waitFor } from "../support/wait";

const TOPOLOGIES = Array.from({ length: 8 }, (_, i) => `topology-${i}`);
const TIMING = { periodMs: 100, leaseTtlMs: 1000, memberTtlMs: 500, safetyMs: 200 };
let coord: LocalRedis;
const clients: Redis[] = [];
const coordinators: FleetCoordinator[] = [];

before(async () => {
  coord = await startRedis();
});

after(async () => {
  for (const c of coordinators) await c.stop({ release: false });
  for (const r of clients) r.disconnect();
  await stopAll([coord]);
});

function member(id: string, keep: (t: string) => boolean = () => false): FleetCoordinator {
  const redis = createCoordinationRedis(`redis://127.0.0.1:${coord.port}`, { commandTimeoutMs: 200 });
  clients.push(redis);
  const c = new FleetCoordinator({ ...TIMING, redis, id, address: id, topologies: () => TOPOLOGIES, keep, log: () => undefined });
  coordinators.push(c);
  c.start();
  return c;
}

test("a kept topology stays with its holder through a rebalance, and moves once released", async () => {
  const kept = new Set<string>();
  const a = member("a", (t) => kept.has(t));
  await waitFor("a owns everything", () => a.owned().length, (n) => n === TOPOLOGIES.length);
  const toB = [...assign(TOPOLOGIES, ["a", "b"])].filter(([, owner]) => owner === "b").map(([t]) => t);
  assert.ok(toB.length >= 2, `rendezvous gives b ${toB.length} topologies`);
  const pinned = toB[0]!;
  kept.add(pinned);

  const b = member("b");
  const others = toB.slice(1);
  await waitFor("b takes the others", () => b.owned(), (o) => others.every((t) => o.includes(t)));
  // Through five renewals of the kept lease (each one a tick in which b could have taken it), it
  // stays a's, in Redis too, and b acquires nothing more.
  const acquisitions = b.status().acquisitions;
  const ttl = async () => (await readLeases(clients[0]!, [pinned]))[0];
  let last = (await ttl())?.ttlMs ?? 0;
  // A renewal shows as the lease's time left going up between two reads.
  const renewed = async () => {
    const l = await ttl();
    const up = (l?.ttlMs ?? 0) > last;
    last = l?.ttlMs ?? 0;
    return up ? l : undefined;
  };
  for (let round = 0; round < 5; round++) {
    const lease = await waitFor("a renews the kept lease", renewed, (l) => l !== undefined, 5_000, 10);
    assert.equal(lease?.owner, "a");
    assert.ok(a.owned().includes(pinned) && !b.owned().includes(pinned));
  }
  assert.equal(b.status().acquisitions, acquisitions, "b acquired nothing more");

  kept.clear();
  await waitFor("the released topology moves to b", () => b.owned().includes(pinned) && !a.owned().includes(pinned), (ok) => ok);
  assert.equal((await ttl())?.owner, "b");
});

test("timeline id slots: live instances hold different ones, a restarted instance gets its own back", async () => {
  const redis = clients[0]!;
  const slots: number[] = [];
  for (const id of ["x", "y", "z"]) slots.push(await claimEventSlot(redis, id));
  assert.equal(new Set(slots).size, 3);
  assert.equal(await claimEventSlot(redis, "y"), slots[1]);
  // Sixteen more starts never take a slot a live instance holds.
  const more: number[] = [];
  for (let i = 0; i < 13; i++) more.push(await claimEventSlot(redis, `other-${i}`));
  assert.equal(new Set([...slots, ...more]).size, 16);
});
