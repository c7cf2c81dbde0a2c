// Jobs on several instances sharing one PostgreSQL store (a database of its own, created and
// dropped here) and a real coordination redis-server: instances are simulated in this process, each
// with its own store connection, its own managers and a heartbeat written with heartbeat(). A job
// row running on a live instance A is never touched by B opening or sweeping; once A's heartbeat
// expires it is marked interrupted exactly once, by one of the sweeping instances; without an
// answer from the coordination Redis nothing of another instance's is marked; and a backup
// schedule due once is run by exactly one of two managers.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type Redis from "ioredis";
import { RestoreDrillRunner } from "../../lib/backup/drill-runner";
import { BackupManager } from "../../lib/backup/manager";
import type { RestoreDrill } from "../../lib/backup/restore-types";
import { SandboxPool } from "../../lib/backup/sandbox";
import type { Backup, BackupSchedule } from "../../lib/backup/types";
import { emptyCounts, type CompareReport } from "../../lib/compare/report";
import { CompareRunner } from "../../lib/compare/runner";
import { DrillManager } from "../../lib/drills/runner";
import { DrillStore } from "../../lib/drills/store";
import type { Drill } from "../../lib/drills/types";
import { createCoordinationRedis, heartbeat } from "../../lib/fleet/coordination";
import { FleetCoordinator } from "../../lib/fleet/coordinator";
import { fleetOn, type Fleet } from "../../lib/fleet/fleet";
import type { OrphanSweep } from "../../lib/fleet/orphan-sweep";
import { MonitorHub } from "../../lib/monitor/hub";
import { startRedis, stopAll, type LocalRedis } from "../../lib/redis/local-server";
import { openStore, type Store } from "../../lib/store";
import { waitFor } from "../support/wait";
import { pgQuery } from "../support/pg";

const DB_NAME = `replscope_fleet_jobs_${process.pid}_${randomBytes(4).toString("hex")}`;
const DATABASE_URL = `postgres://postgres@127.0.0.1:5432/${DB_NAME}`;
const MEMBER_TTL_MS = 600;
const SWEEP_MS = 100;

/** One simulated instance: its own store connection, coordination connection, heartbeat and managers. */
interface Instance {
  id: string;
  store: Store;
  redis: Redis;
  fleet: Fleet;
  dataDir: string;
  beating: boolean;
  beat: Promise<void>;
  managers: { drills?: DrillManager; compare?: CompareRunner; backups?: BackupManager; restore?: RestoreDrillRunner };
}

let coord: LocalRedis;
let coordUrl: string;
const instances: Instance[] = [];
const dirs: string[] = [];

async function instance(id: string, heartbeating = true): Promise<Instance> {
  const dataDir = mkdtempSync(path.join(tmpdir(), `replscope-fleet-jobs-${id}-`));
  dirs.push(dataDir);
  const store = await openStore({ dataDir, databaseUrl: DATABASE_URL });
  const redis = createCoordinationRedis(coordUrl, { commandTimeoutMs: 500 });
  const coordinator = new FleetCoordinator({ redis, id, address: `127.0.0.1:${3100 + instances.length}`, topologies: () => [] });
  const i: Instance = { id, store, redis, fleet: fleetOn(redis, coordinator, () => []), dataDir, beating: heartbeating, beat: Promise.resolve(), managers: {} };
  // The member's heartbeat, as its coordinator would write it: a self-scheduling loop until stopped.
  i.beat = (async () => {
    const info = { id, address: coordinator.address, startedAt: Date.now() };
    while (i.beating) {
      await heartbeat(redis, info, MEMBER_TTL_MS).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  instances.push(i);
  if (heartbeating) await waitFor(`${id} live`, () => i.fleet.liveInstances(), (s) => s.has(id));
  return i;
}

async function openManagers(i: Instance, sweepMs = SWEEP_MS): Promise<Instance["managers"]> {
  const hub = new MonitorHub([]);
  const fleet = i.fleet;
  const config = { users: [], viewerValues: true, host: "127.0.0.1", port: 0, dataDir: i.dataDir, topologies: [] };
  i.managers = {
    drills: await DrillManager.open(hub, new DrillStore(i.store.drills), undefined, undefined, { fleet, sweepMs }),
    compare: await CompareRunner.open({ hub, reports: i.store.compare, fleet, sweepMs }),
    backups: await BackupManager.open({ hub, config, backups: i.store.backups, schedules: i.store.backupSchedules, fleet, sweepMs }),
    restore: await RestoreDrillRunner.open({
      pool: new SandboxPool({ parentDir: path.join(i.dataDir, "sandboxes") }),
      repo: i.store.restoreDrills,
      backups: { get: async () => null, file: async () => null, isRunning: () => false },
      fleet,
      sweepMs,
    }),
  };
  return i.managers;
}

async function closeManagers(i: Instance): Promise<void> {
  const m = i.managers;
  await m.drills?.close();
  await m.compare?.close();
  await m.backups?.close();
  await m.restore?.close(500);
  i.managers = {};
}

function sweeps(i: Instance): OrphanSweep[] {
  const m = i.managers;
  return [m.drills?.orphans, m.compare?.orphans, m.backups?.orphans, m.restore?.orphans].filter((s): s is OrphanSweep => Boolean(s));
}

/** Waits until every sweep of these instances finished `n` more passes than now. */
async function morePasses(of: Instance[], n = 3): Promise<void> {
  const all = of.flatMap(sweeps);
  const base = all.map((s) => s.stats().runs);
  await waitFor(`${n} more sweep passes`, () => all.map((s) => s.stats().runs), (runs) => runs.every((r, k) => r >= (base[k] ?? 0) + n));
}

const T = Date.now();

function drill(id: string, instanceId: string | undefined): Drill {
  return {
    id, topology: "main", scenario: "promote", target: "127.0.0.1:7001", options: {}, user: "otto", status: "running", startedAt: T, endedAt: null,
    touches: ["127.0.0.1:7000", "127.0.0.1:7001"], error: null, report: null, events: [],
    steps: [{ at: T, name: "promote", status: "started", detail: "REPLICAOF NO ONE on 127.0.0.1:7001", command: true }],
    ...(instanceId ? { instance: instanceId } : {}),
  };
}

function report(id: string, instanceId: string): CompareReport {
  return {
    id, topology: "main", master: "127.0.0.1:7000", replicas: [], match: null, db: 0, status: "running", phase: "master", startedAt: T, finishedAt: null,
    scanned: 300, total: 6000, compared: 300, keysPerSec: 1500, etaSeconds: 4, counts: { ...emptyCounts(), value: 1 }, resolvedOnRecheck: 0, truncated: false,
    maxKeysPerSec: 10000, error: null, differences: [{ key: "k", display: "k", kind: "value", node: "127.0.0.1:7001", detail: "different content" }], instance: instanceId,
  };
}

function backup(id: string, instanceId: string): Backup {
  return {
    id, kind: "rdb", topology: "main", node: "127.0.0.1:7001", status: "running", origin: "manual", requestedBy: "alice", startedAt: T, finishedAt: null,
    replid: null, offset: null, bytes: null, sha256: null, file: null, source: null, checkStatus: null, checkDetail: null, error: null, keys: null, meta: null,
    verifiedAt: null, verifyStatus: null, verifyDetail: null, instance: instanceId,
  };
}

function restoreDrill(id: string, instanceId: string): RestoreDrill {
  return {
    id, backupId: "20261130T010000Z-00000001", kind: "rdb", status: "running", startedAt: T, finishedAt: null, keys: null, differences: null, seconds: null,
    line: null, detail: { compareWithLive: false }, requestedBy: "alice", instance: instanceId,
  };
}

/** Writes one running row of each kind as instance `owner` would; returns their ids. */
async function runningRows(store: Store, owner: string, n: number) {
  const hex = (k: number) => `${n.toString(16).padStart(2, "0")}${k.toString(16).padStart(14, "0")}`;
  const ids = { drill: `drill-${owner}-${n}`, compare: hex(1), backup: `20261130T010000Z-${hex(2).slice(0, 8)}`, restore: `rd-${hex(3)}` };
  await store.drills.save(drill(ids.drill, owner));
  await store.compare.save(report(ids.compare, owner));
  await store.backups.save(backup(ids.backup, owner));
  await store.restoreDrills.save(restoreDrill(ids.restore, owner));
  return ids;
}

type Ids = Awaited<ReturnType<typeof runningRows>>;

/** Each row's status and the text that says why it stopped (the drill's error, the backup's error ...). */
async function states(store: Store, ids: Ids) {
  const d = await store.drills.load(ids.drill);
  const c = await store.compare.load(ids.compare);
  const b = await store.backups.get(ids.backup);
  const r = await store.restoreDrills.get(ids.restore);
  return {
    drill: [d?.status, d?.error ?? null, d?.steps.at(-1)?.detail ?? null],
    compare: [c?.status, c?.error ?? null, c?.scanned],
    backup: [b?.status, b?.error ?? null],
    restore: [r?.status, r?.line ?? null],
  };
}

before(async () => {
  await pgQuery(`create database ${DB_NAME}`);
  coord = await startRedis();
  coordUrl = `redis://127.0.0.1:${coord.port}`;
});

after(async () => {
  for (const i of instances) {
    i.beating = false;
    await closeManagers(i).catch(() => undefined);
    await i.beat;
    i.redis.disconnect();
    await i.store.close().catch(() => undefined);
  }
  await stopAll(coord ? [coord] : []);
  await pgQuery(`drop database if exists ${DB_NAME} with (force)`);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("jobs on several instances (shared PostgreSQL, real coordination Redis)", { concurrency: false }, () => {
  let a: Instance;
  let b: Instance;
  let c: Instance;
  let ofA: Ids;

  test("B and C opening leave live A's running jobs alone and mark only their own earlier ones", async () => {
    a = await instance("A");
    b = await instance("B");
    c = await instance("C");
    ofA = await runningRows(a.store, "A", 1);
    // B's rows from an earlier process with the same id: no process runs them now.
    const ofOldB = await runningRows(b.store, "B", 2);
    const before = await states(a.store, ofA);
    await openManagers(b);
    await openManagers(c);
    await morePasses([b, c]);
    assert.deepEqual(await states(a.store, ofA), before, "A is live: its jobs still run");
    assert.deepEqual(before.drill.slice(0, 1), ["running"]);

    const oldB = await states(b.store, ofOldB);
    assert.deepEqual([oldB.drill[0], oldB.compare[0], oldB.backup[0], oldB.restore[0]], ["interrupted", "interrupted", "failed", "failed"]);
    assert.match(String(oldB.drill[1]), /^interrupted: replscope stopped during the drill; commands sent: REPLICAOF NO ONE on 127\.0\.0\.1:7001 \(no answer recorded: it may have run\)/);
    assert.match(String(oldB.compare[1]), /^interrupted: replscope stopped during the job, in its master phase, after 300 of 6000 keys scanned/);
    assert.equal(oldB.backup[1], "interrupted: replscope stopped while this backup ran");
    assert.match(String(oldB.restore[1]), /interrupted: replscope stopped while it ran/);
  });

  test("once A's heartbeat expires, its jobs are marked interrupted exactly once, naming A", async () => {
    const markedBefore = [b, c].flatMap(sweeps).reduce((n, s) => n + s.stats().marked, 0);
    a.beating = false;
    await a.beat;
    const after = await waitFor(
      "A's jobs marked",
      () => states(a.store, ofA),
      (s) => s.drill[0] === "interrupted" && s.compare[0] === "interrupted" && s.backup[0] === "failed" && s.restore[0] === "failed",
      10_000,
    );
    assert.match(String(after.drill[1]), /^interrupted: the instance A that ran it stopped during the drill; commands sent: REPLICAOF NO ONE on 127\.0\.0\.1:7001/);
    assert.match(String(after.drill[2]), /^the instance A that ran it stopped during the drill; .*Check the topology before the next drill\.$/);
    assert.match(String(after.compare[1]), /^interrupted: the instance A that ran it stopped during the job, in its master phase, after 300 of 6000 keys scanned and 1 difference confirmed$/);
    assert.equal(after.compare[2], 300, "the compare keeps its last checkpoint");
    assert.equal((await a.store.compare.load(ofA.compare))?.differences.length, 1);
    assert.equal(after.backup[1], "interrupted: the instance A that ran it stopped while this backup ran");
    assert.match(String(after.restore[1]), /interrupted: the instance A that ran it stopped while it ran/);

    // B and C both sweep every 100 ms: between them, each row was marked once, and stays as marked.
    await morePasses([b, c], 5);
    const markedAfter = [b, c].flatMap(sweeps).reduce((n, s) => n + s.stats().marked, 0);
    assert.equal(markedAfter - markedBefore, 4, "four rows, one mark each");
    assert.deepEqual(await states(a.store, ofA), after);
    assert.equal((await a.store.drills.load(ofA.drill))?.steps.filter((s) => s.name === "interrupted").length, 1);
  });

  test("a schedule due once is run by exactly one of two managers", async () => {
    const schedule: BackupSchedule = {
      id: randomBytes(8).toString("hex"), topology: "main", everyHours: 24, dailyAt: null, prefer: "replica", keepLast: null, keepDays: null, enabled: true,
      createdAt: T, lastRunAt: null, nextRunAt: T, lastBackupId: null,
    };
    await b.store.backupSchedules.save(schedule);
    // Past the startup grace: without a node the run is recorded as a failed catalogue entry.
    const now = Date.now() + 10 * 60_000;
    await Promise.all([b.managers.backups!.tick(now), c.managers.backups!.tick(now)]);
    const runs = await b.store.backups.list({ origin: `schedule:${schedule.id}` });
    assert.equal(runs.length, 1, `one run, not ${runs.map((r) => `${r.id} by ${r.instance}`).join(", ")}`);
    assert.ok(runs[0]?.instance === "B" || runs[0]?.instance === "C");
    const s = await b.store.backupSchedules.get(schedule.id);
    assert.equal(s?.lastRunAt, now);
    assert.equal(s?.lastBackupId, runs[0]?.id);
    assert.equal(s?.nextRunAt, now + 24 * 3600_000);
    // The recorded run is not due any more, on either instance.
    await Promise.all([b.managers.backups!.tick(now + 1000), c.managers.backups!.tick(now + 1000)]);
    assert.equal((await b.store.backups.list({ origin: `schedule:${schedule.id}` })).length, 1);
  });
  test("without an answer from the coordination Redis no other instance's job is marked", async () => {
    // Only D sweeps now.
    await closeManagers(b);
    await closeManagers(c);
    const ofZ = await runningRows(b.store, "Z", 3); // Z never heartbeats
    const ofOldD = await runningRows(b.store, "D", 4);
    // D's coordination connection points at a port where nothing listens.
    const d = await instance("D", false);
    d.redis.disconnect();
    d.redis = createCoordinationRedis("redis://127.0.0.1:1", { commandTimeoutMs: 200 });
    d.fleet = fleetOn(d.redis, new FleetCoordinator({ redis: d.redis, id: "D", address: "127.0.0.1:3999", topologies: () => [] }), () => []);
    const zBefore = await states(b.store, ofZ);
    await openManagers(d);
    await waitFor("D's sweeps failing", () => sweeps(d).map((s) => s.stats()), (all) => all.every((s) => s.runs >= 1 && s.lastError !== null));
    await morePasses([d], 3);
    assert.deepEqual(await states(b.store, ofZ), zBefore, "Z's jobs are left running while liveness is unknown");
    // Its own earlier rows are its own to mark even so (at open), and only those.
    const oldD = await states(b.store, ofOldD);
    assert.deepEqual([oldD.drill[0], oldD.compare[0], oldD.backup[0], oldD.restore[0]], ["interrupted", "interrupted", "failed", "failed"]);
    assert.equal(sweeps(d).reduce((n, s) => n + s.stats().marked, 0), 4);
    await closeManagers(d);
    // With an answer, Z (not live) is judged: B opening marks its jobs.
    await openManagers(b);
    const z = await states(b.store, ofZ);
    assert.deepEqual([z.drill[0], z.compare[0], z.backup[0], z.restore[0]], ["interrupted", "interrupted", "failed", "failed"]);
    assert.match(String(z.drill[1]), /the instance Z that ran it stopped/);
  });

  test("two instances sweeping at the same instant mark each row once", async () => {
    await closeManagers(b);
    const f = await instance("F");
    const g = await instance("G");
    // Their loops stay idle: only the passes below run.
    await openManagers(f, 60_000);
    await openManagers(g, 60_000);
    const ofE = await runningRows(f.store, "E", 5); // E never heartbeats
    const marked = await Promise.all([...sweeps(f), ...sweeps(g)].map((s) => s.once()));
    assert.deepEqual(marked.flat().sort(), Object.values(ofE).sort(), "each of E's rows marked by one pass only");
    const e = await states(f.store, ofE);
    assert.deepEqual([e.drill[0], e.compare[0], e.backup[0], e.restore[0]], ["interrupted", "interrupted", "failed", "failed"]);
  });
});
