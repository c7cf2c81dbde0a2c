// A backup cut off by a crash: the next start marks it failed ("interrupted") and removes its
// half-written file and copy temp files; a finished backup, its file and other files stay. And a
// schedule run writes back only its run columns, so an operator's change made meanwhile stays.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { BackupManager } from "../../lib/backup/manager";
import type { Backup, BackupSchedule } from "../../lib/backup/types";
import { MonitorHub } from "../../lib/monitor/hub";
import { openStore } from "../../lib/store";

const row = (id: string, over: Partial<Backup>): Backup => ({
  id, kind: "rdb", topology: "main", node: "127.0.0.1:7001", status: "running", origin: "manual", requestedBy: "alice", startedAt: 1_000, finishedAt: null,
  replid: null, offset: null, bytes: null, sha256: null, file: null, source: null, checkStatus: null, checkDetail: null, error: null, keys: null, meta: null,
  verifiedAt: null, verifyStatus: null, verifyDetail: null, ...over,
});

test("a start after a crash marks running backups failed and removes their partial file", async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "replscope-backup-recovery-"));
  const store = await openStore({ dataDir });
  const hub = new MonitorHub([]);
  let manager: BackupManager | undefined;
  try {
    const cut = row("20261130T010000Z-0000000a", {});
    const done = row("20261130T010000Z-0000000b", { status: "done", finishedAt: 2_000, file: "20261130T010000Z-0000000b.rdb", bytes: 5 });
    await store.backups.save(cut);
    await store.backups.save(done);
    mkdirSync(path.join(dataDir, "backups"));
    writeFileSync(path.join(dataDir, "backups", `${cut.id}.rdb`), "partial");
    writeFileSync(path.join(dataDir, "backups", done.file!), "REDIS");
    const part = path.join(dataDir, "backups", `${cut.id}.rdb.0a1b2c3d.part`);
    const foreign = path.join(dataDir, "backups", "someone-elses.tmp");
    writeFileSync(part, "half a copy");
    writeFileSync(foreign, "not ours");

    manager = await BackupManager.open({ hub, config: { users: [], viewerValues: true, host: "127.0.0.1", port: 0, dataDir, topologies: [] }, backups: store.backups, schedules: store.backupSchedules });
    const after = await store.backups.get(cut.id);
    assert.equal(after?.status, "failed");
    assert.match(after?.error ?? "", /interrupted/);
    assert.equal(existsSync(path.join(dataDir, "backups", `${cut.id}.rdb`)), false);
    assert.equal(existsSync(part), false, "a crashed copy's temp file is removed");
    assert.equal(existsSync(foreign), true, "files of other kinds are left alone");
    assert.equal((await store.backups.get(done.id))?.status, "done");
    assert.equal(existsSync(path.join(dataDir, "backups", done.file!)), true);
    assert.deepEqual(await manager.start({ node: "127.0.0.1:7001", origin: "manual", requestedBy: "alice" }), { status: 404, error: "no node 127.0.0.1:7001 in any topology" });
  } finally {
    await manager?.close();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test("a schedule run never undoes an operator's DELETE or PATCH made while it ran", async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "replscope-backup-schedule-race-"));
  const store = await openStore({ dataDir });
  const hub = new MonitorHub([]);
  let manager: BackupManager | undefined;
  const sched = (id: string): BackupSchedule => ({
    id, topology: "main", everyHours: 1, dailyAt: null, prefer: "replica", keepLast: null, keepDays: null, enabled: true,
    createdAt: 1_000, lastRunAt: null, nextRunAt: 1_000, lastBackupId: null,
  });
  const gone = sched("00000000000000a1");
  const patched = sched("00000000000000b2");
  try {
    await store.backupSchedules.save(gone);
    await store.backupSchedules.save(patched);
    // While each run records its backup (skipped: no such topology), the operator deletes one
    // schedule and changes the other.
    const backups = Object.create(store.backups) as typeof store.backups;
    backups.save = async (b, now) => {
      if (b.origin === `schedule:${gone.id}`) await store.backupSchedules.remove(gone.id);
      if (b.origin === `schedule:${patched.id}`) await store.backupSchedules.save({ ...patched, enabled: false, keepLast: 3, everyHours: 6 });
      return store.backups.save(b, now);
    };
    manager = await BackupManager.open({ hub, config: { users: [], viewerValues: true, host: "127.0.0.1", port: 0, dataDir, topologies: [] }, backups, schedules: store.backupSchedules });
    const now = Date.now() + 10 * 60_000; // past the startup grace, so a run without a node is recorded
    await manager.tick(now);
    assert.equal(await store.backupSchedules.get(gone.id), null, "a deleted schedule is not re-inserted");
    const p = await store.backupSchedules.get(patched.id);
    assert.equal(p?.enabled, false, "the PATCH stays");
    assert.equal(p?.keepLast, 3);
    assert.equal(p?.everyHours, 6);
    assert.equal(p?.lastRunAt, now, "the run is recorded");
    assert.match(p?.lastBackupId ?? "", /^\d{8}T\d{6}Z-/);
    assert.equal(p?.nextRunAt, now + 6 * 3600_000, "the next run follows the schedule as it is now");
  } finally {
    await manager?.close();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
