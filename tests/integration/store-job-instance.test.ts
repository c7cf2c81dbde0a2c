// Migration 0005 (which instance runs a job) on existing data, on SQLite and on PostgreSQL (a
// database of its own, created and dropped here): a store at 0004 holding a running drill and a
// running backup is opened by today's code; the rows read back with no instance, are marked
// interrupted as before by a single instance, and new rows record their instance.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Kysely, Migrator, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { BackupManager } from "../../lib/backup/manager";
import { DrillManager } from "../../lib/drills/runner";
import { DrillStore } from "../../lib/drills/store";
import type { Drill } from "../../lib/drills/types";
import { MonitorHub } from "../../lib/monitor/hub";
import { openStore, type Store } from "../../lib/store";
import { migrations, type DialectName } from "../../lib/store/migrations";
import { workerSqliteDialect, WorkerSqliteDriver } from "../../lib/store/sqlite-worker";
import { pgQuery } from "../support/pg";

const T = 1_764_000_000_000;

/** A store as release 0004 left it: its migrations only, and a running drill and backup written then. */
async function storeAt0004(dialect: DialectName, dataDir: string, databaseUrl?: string): Promise<void> {
  const db = new Kysely<unknown>({
    dialect: databaseUrl ? new PostgresDialect({ pool: new pg.Pool({ connectionString: databaseUrl }) }) : workerSqliteDialect(new WorkerSqliteDriver(path.join(dataDir, "replscope.db"))),
  });
  try {
    const r = await new Migrator({ db, provider: migrations(dialect) }).migrateTo("0004_restore_drills");
    assert.equal(r.error, undefined);
    const { events: _e, ...body } = drill("old-drill");
    await sql`insert into drills (id, topology, scenario, target, "user", status, started_at, ended_at, body, updated_at) values ('old-drill', 'main', 'promote', '127.0.0.1:7001', 'otto', 'running', ${T}, null, ${JSON.stringify(body)}, ${T + 500})`.execute(db);
    await sql`insert into backups (id, kind, topology, node, status, origin, requested_by, started_at, updated_at) values ('20261130T010000Z-000000aa', 'rdb', 'main', '127.0.0.1:7001', 'running', 'manual', 'alice', ${T}, ${T})`.execute(db);
  } finally {
    await db.destroy();
  }
}

function drill(id: string, over: Partial<Drill> = {}): Drill {
  return {
    id, topology: "main", scenario: "promote", target: "127.0.0.1:7001", options: {}, user: "otto", status: "running", startedAt: T, endedAt: null,
    touches: ["127.0.0.1:7000", "127.0.0.1:7001"], steps: [], events: [], report: null, error: null, ...over,
  };
}

async function check(store: Store, dataDir: string): Promise<void> {
  assert.deepEqual(await store.drills.runningRows(), [{ id: "old-drill", instance: null, updatedAt: T + 500 }]);
  assert.deepEqual((await store.backups.runningRows()).map((r) => r.instance), [null]);
  // Alone, as before: a start marks what an earlier process left running.
  const hub = new MonitorHub([]);
  await DrillManager.open(hub, new DrillStore(store.drills));
  const d = await store.drills.load("old-drill");
  assert.equal(d?.status, "interrupted");
  assert.equal(d?.endedAt, T + 500);
  assert.match(d?.error ?? "", /^interrupted: replscope stopped during the drill; no command had been sent/);
  const backups = await BackupManager.open({ hub, config: { users: [], viewerValues: true, host: "127.0.0.1", port: 0, dataDir, topologies: [] }, backups: store.backups, schedules: store.backupSchedules });
  await backups.close();
  assert.equal((await store.backups.get("20261130T010000Z-000000aa"))?.error, "interrupted: replscope stopped while this backup ran");
  // New rows record their instance.
  await store.drills.save(drill("new-drill", { instance: "10.0.0.5:3000" }));
  assert.deepEqual((await store.drills.runningRows()).map((r) => [r.id, r.instance]), [["new-drill", "10.0.0.5:3000"]]);
  assert.equal((await store.drills.load("new-drill"))?.instance, "10.0.0.5:3000");
}

test("migration 0005 on an existing SQLite store", async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "replscope-job-instance-"));
  try {
    await storeAt0004("sqlite", dataDir);
    const store = await openStore({ dataDir });
    try {
      await check(store, dataDir);
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test("migration 0005 on an existing PostgreSQL store", async () => {
  const name = `replscope_job_instance_${process.pid}_${randomBytes(4).toString("hex")}`;
  const databaseUrl = `postgres://postgres@127.0.0.1:5432/${name}`;
  const dataDir = mkdtempSync(path.join(tmpdir(), "replscope-job-instance-pg-"));
  await pgQuery(`create database ${name}`);
  try {
    await storeAt0004("postgres", dataDir, databaseUrl);
    const store = await openStore({ dataDir, databaseUrl });
    try {
      await check(store, dataDir);
    } finally {
      await store.close();
    }
  } finally {
    await pgQuery(`drop database if exists ${name} with (force)`);
    rmSync(dataDir, { recursive: true, force: true });
  }
});
