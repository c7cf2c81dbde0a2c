// Work-splitting between replscope instances, on a real coordination redis-server: three
// coordinators in this process (short periods) share ten topologies. A sampler checks throughout
// that no topology ever has two owners, by the callbacks of running members and by lease validity
// of every member (killed and frozen ones included: that is what fencing guarantees).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type Redis from "ioredis";
import { startRedis, stopAll, type LocalRedis } from "../../lib/redis/local-server";
import { createCoordinationRedis, fencedSet, listMembers, readLeases } from "../../lib/fleet/coordination";
import { FleetCoordinator, type LostReason } from "../../lib/fleet/coordinator";
import { assign } from "../../lib/fleet/rendezvous";
import { waitFor } from "../support/wait";

const TOPOLOGIES = Array.from({ length: 10 }, (_, i) => `topology-${i}`);
const TIMING = { periodMs: 100, leaseTtlMs: 1000, memberTtlMs: 500, safetyMs: 200 };

interface Member {
  name: string;
  c: FleetCoordinator;
  redis: Redis;
  /** Ownership as told by the callbacks. */
  owned: Set<string>;
  lost: { topology: string; reason: LostReason }[];
  logs: string[];
  state: "running" | "killed" | "paused" | "stopped";
}

let coord: LocalRedis;
let url: string;
let admin: Redis;
const members: Member[] = [];
const violations: string[] = [];
let sampling = true;
let samples = 0;

function addMember(name: string): Member {
  const redis = createCoordinationRedis(url, { commandTimeoutMs: 200 });
  const m: Member = { name, redis, owned: new Set(), lost: [], logs: [], state: "running", c: undefined as unknown as FleetCoordinator };
  m.c = new FleetCoordinator({
    ...TIMING,
    redis,
    id: name,
    address: `127.0.0.1:${3000 + members.length}`,
    topologies: () => TOPOLOGIES,
    onOwned: (lease) => {
      m.owned.add(lease.topology);
    },
    onLost: (topology, reason) => {
      m.owned.delete(topology);
      m.lost.push({ topology, reason });
    },
    log: (msg) => m.logs.push(msg),
  });
  members.push(m);
  m.c.start();
  return m;
}

const running = () => members.filter((m) => m.state === "running");

/** The invariant, checked at one instant: at most one owner per topology. */
function sample(): void {
  samples++;
  for (const t of TOPOLOGIES) {
    const byCallback = running().filter((m) => m.owned.has(t)).map((m) => m.name);
    if (byCallback.length > 1) violations.push(`${t} owned by ${byCallback.join(", ")} (callbacks)`);
    const byLease = members.filter((m) => m.c.lease(t)?.isValid()).map((m) => m.name);
    if (byLease.length > 1) violations.push(`${t} has valid leases at ${byLease.join(", ")}`);
  }
}

async function sampler(): Promise<void> {
  while (sampling) {
    sample();
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Every topology owned exactly once, in Redis and by the callbacks, by the member rendezvous picks. */
async function settled(what: string, timeoutMs = 10_000) {
  return waitFor(
    what,
    async () => {
      sample();
      const leases = await readLeases(admin, TOPOLOGIES);
      const live = running().map((m) => m.name);
      const expected = assign(TOPOLOGIES, live);
      const problems: string[] = [];
      for (const t of TOPOLOGIES) {
        const inRedis = leases.find((l) => l.topology === t)?.owner ?? null;
        const byCallback = running().filter((m) => m.owned.has(t)).map((m) => m.name);
        if (inRedis !== expected.get(t) || byCallback.length !== 1 || byCallback[0] !== inRedis) {
          problems.push(`${t}: redis ${inRedis}, callbacks [${byCallback.join(",")}], expected ${expected.get(t)}`);
        }
      }
      return { problems, leases };
    },
    (r) => r.problems.length === 0,
    timeoutMs,
  );
}

const ownerIn = (name: string) => members.find((m) => m.name === name)!;

before(async () => {
  coord = await startRedis();
  url = `redis://127.0.0.1:${coord.port}`;
  admin = createCoordinationRedis(url, { commandTimeoutMs: 1000 });
  await waitFor("admin connection", () => admin.ping(), (r) => r === "PONG");
});

after(async () => {
  sampling = false;
  for (const m of members) await m.c.stop({ release: false });
  for (const m of members) m.redis.disconnect();
  admin.disconnect();
  await stopAll([coord]);
});

describe("fleet coordination on a real coordination Redis", { concurrency: false }, () => {
  const done = sampler();
  after(async () => {
    sampling = false;
    await done;
    assert.ok(samples > 100, `sampler ran ${samples} times`);
    assert.deepEqual(violations.slice(0, 10), [], "a topology had two owners at some sampled instant");
  });

  test("three members: every topology owned exactly once, members listed with their labels", async () => {
    for (const n of ["member-a", "member-b", "member-c"]) addMember(n);
    await settled("10 topologies over 3 members");
    const listed = await listMembers(admin);
    assert.deepEqual(listed.map((m) => m.id).sort(), ["member-a", "member-b", "member-c"]);
    assert.ok(listed.every((m) => /^127\.0\.0\.1:300\d$/.test(m.address) && m.startedAt > 0));
  });

  test("a member stopped abruptly (no release): its topologies are taken over within 10 s", async () => {
    const victim = [...running()].sort((a, b) => b.owned.size - a.owned.size)[0]!;
    const its = [...victim.owned];
    assert.ok(its.length > 0);
    const leases = its.map((t) => victim.c.lease(t)!);
    await victim.c.stop({ release: false }); // as kill -9: leases left to expire in Redis
    victim.state = "killed";
    const { leases: now } = await settled("takeover of the killed member's topologies", 10_000);
    for (const t of its) assert.notEqual(now.find((l) => l.topology === t)?.owner, victim.name);
    assert.ok(leases.every((l) => !l.isValid()), "the dead member's leases are no longer valid");
    assert.equal((await listMembers(admin)).some((m) => m.id === victim.name), false, "its heartbeat expired");
  });

  test("a member joining: some topologies move to it, none double-owned", async () => {
    const live = running().map((m) => m.name);
    // A name rendezvous gives at least one topology to (pure, deterministic choice).
    let name = "member-d";
    for (let i = 0; ![...assign(TOPOLOGIES, [...live, name]).values()].includes(name); i++) name = `member-d${i}`;
    const joiner = addMember(name);
    await settled("rebalance onto the joining member");
    assert.ok(joiner.owned.size > 0);
    const movedAway = running().flatMap((m) => m.lost.filter((l) => l.reason === "released"));
    assert.ok(movedAway.length >= joiner.owned.size, "the old owners released (lost: released) what moved");
  });

  test("a frozen holder past its TTL: lease invalid, its fenced write refused, the new owner's goes through", async () => {
    const frozen = running().find((m) => m.owned.size > 0)!;
    const topology = [...frozen.owned][0]!;
    const old = frozen.c.lease(topology)!;
    assert.equal(old.isValid(), true);
    const key = `replscope:fleet:test:last-writer:${topology}`;
    assert.equal((await fencedSet(admin, topology, old.token, key, frozen.name)).outcome, "written");

    await frozen.c.pause();
    frozen.state = "paused";
    const { leases } = await settled("takeover from the frozen member");
    const newOwner = ownerIn(leases.find((l) => l.topology === topology)!.owner);
    assert.notEqual(newOwner.name, frozen.name);
    const fresh = newOwner.c.lease(topology)!;
    assert.ok(fresh.token > old.token, `new token ${fresh.token} after ${old.token}`);

    assert.equal(old.isValid(), false, "the frozen holder must not trust its lease");
    const refused = await fencedSet(admin, topology, old.token, key, frozen.name);
    assert.deepEqual(refused, { outcome: "fenced", currentToken: fresh.token });
    assert.equal((await fencedSet(admin, topology, fresh.token, key, newOwner.name)).outcome, "written");
    assert.equal(await admin.get(key), newOwner.name);
    // A once-only claim under the fence: the second attempt finds it done.
    assert.equal((await fencedSet(admin, topology, fresh.token, `${key}:claim`, "x", { nx: true, pxMs: 60_000 })).outcome, "written");
    assert.equal((await fencedSet(admin, topology, fresh.token, `${key}:claim`, "y", { nx: true, pxMs: 60_000 })).outcome, "exists");

    // Resumed: it first drops what expired (lost: expired), then rejoins and gets its share back.
    frozen.c.start();
    frozen.state = "running";
    await waitFor("lost(expired) on resume", () => frozen.lost.filter((l) => l.topology === topology), (l) => l.some((x) => x.reason === "expired"));
    await settled("rebalance after the frozen member resumed");
  });

  test("coordination Redis down: members stop owning once leases could have expired and say so; restarted: they re-acquire with newer tokens", async () => {
    const before = await readLeases(admin, TOPOLOGIES);
    assert.equal(before.length, TOPOLOGIES.length);
    const lostBefore = new Map(running().map((m) => [m.name, m.lost.length]));
    await coord.stop();
    await waitFor(
      "every member gave up its topologies",
      () => running().map((m) => ({ name: m.name, owned: m.c.owned().length, callbacks: m.owned.size, reachable: m.c.status().reachable })),
      (s) => s.every((x) => x.owned === 0 && x.callbacks === 0 && !x.reachable),
    );
    const lost = running().flatMap((m) => m.lost.slice(lostBefore.get(m.name) ?? 0));
    assert.equal(lost.length, TOPOLOGIES.length, "each held lease was given up once");
    assert.ok(lost.every((l) => l.reason === "expired"), `reasons: ${lost.map((l) => l.reason).join(",")}`);
    assert.ok(running().some((m) => m.logs.some((l) => /unreachable/.test(l))), "a member says the coordination Redis is unreachable");
    assert.ok(running().some((m) => m.logs.some((l) => /could have expired/.test(l))), "and that it is no longer owner");

    await coord.restart(); // no persistence: every lease and fence counter is gone
    const { leases: after } = await settled("re-acquisition after the coordination Redis came back");
    for (const l of after) {
      const old = before.find((b) => b.topology === l.topology)!;
      assert.ok(l.token > old.token, `${l.topology}: token ${l.token} must exceed ${old.token} despite the data loss`);
    }
  });

  test("graceful stop releases at once: lost(stopped), others take over", async () => {
    const leaving = running().find((m) => m.owned.size > 0)!;
    const had = leaving.owned.size;
    await leaving.c.stop();
    leaving.state = "stopped";
    assert.equal(leaving.lost.filter((l) => l.reason === "stopped").length, had);
    assert.equal((await listMembers(admin)).some((m) => m.id === leaving.name), false);
    await settled("takeover after a graceful stop");
  });
});
