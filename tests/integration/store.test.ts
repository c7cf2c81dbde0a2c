// The store's suite, run against SQLite (temp dir) and PostgreSQL (a database of its own on
// 127.0.0.1:5432, dropped after).
import { describe, test, after, before } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, appendFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "kysely";
import pg from "pg";
import type { TimelineEvent } from "../../lib/timeline/types";
import type { Sample } from "../../lib/monitor/history";
import { openStore, type Store, type StoreOptions } from "../../lib/store";
import type { RestoreDrill } from "../../lib/backup/restore-types";
import { importLegacy } from "../../lib/store/legacy-import";
import { migrations } from "../../lib/store/migrations";
import { storeWriterEvent } from "./fixtures-store-writer";

const PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres";

interface Backend {
  name: "sqlite" | "postgres";
  /** Same location every call: reopening sees the same data. */
  open(opts?: Partial<StoreOptions>): Promise<Store>;
  dataDir: string;
  databaseUrl?: string;
}

async function sqliteBackend(): Promise<Backend & { cleanup(): Promise<void> }> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "replscope-store-"));
  return {
    name: "sqlite",
    dataDir,
    open: (opts = {}) => openStore({ dataDir, ...opts }),
    cleanup: async () => rmSync(dataDir, { recursive: true, force: true }),
  };
}

async function postgresBackend(): Promise<Backend & { cleanup(): Promise<void> }> {
  const name = `replscope_test_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client(PG_ADMIN);
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const databaseUrl = `postgres://postgres@127.0.0.1:5432/${name}`;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "replscope-store-pg-"));
  return {
    name: "postgres",
    dataDir,
    databaseUrl,
    open: (opts = {}) => openStore({ dataDir, databaseUrl, ...opts }),
    cleanup: async () => {
      rmSync(dataDir, { recursive: true, force: true });
      const c = new pg.Client(PG_ADMIN);
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

const ev = (id: number, over: Partial<TimelineEvent> = {}): TimelineEvent => ({
  id,
  at: 1_700_000_000_000 + id * 1000,
  topology: "main",
  kind: "node:up",
  node: "10.0.0.1:6379",
  severity: "info",
  text: `event ${id}`,
  ...over,
});

const sample = (i: number): Sample => ({ replOffset: 1000 + i, lagBytes: i % 10, lagSeconds: null, opsPerSec: i, usedMemory: 5000 + (i % 7), writeRate: 2 });

const HOUR = 3600_000;

for (const make of [sqliteBackend, postgresBackend]) {
  describe(`store on ${make.name.replace("Backend", "")}`, () => {
    let b: Backend & { cleanup(): Promise<void> };
    let store: Store;
    before(async () => {
      b = await make();
      store = await b.open();
    });
    after(async () => {
      await store?.close();
      await b?.cleanup();
    });

    test("events: insert and query with every filter, paging, limits", async () => {
      const events = Array.from({ length: 40 }, (_, i) =>
        ev(i + 1, { node: i % 2 ? "a:6379" : "b:6379", kind: i % 4 === 0 ? "replica:link-down" : "node:up", topology: i < 30 ? "main" : "cache", ...(i === 5 ? { data: { n: 1, ok: true, none: null, s: "x" } } : {}) }),
      );
      store.events.queue(events);
      await store.flush();
      const ids = async (q: Parameters<Store["events"]["query"]>[0]) => (await store.events.query(q)).map((e) => e.id);
      assert.deepEqual(await ids({ topology: "main", node: "b:6379", kinds: ["replica:link-down"] }), [1, 5, 9, 13, 17, 21, 25, 29]);
      assert.deepEqual(await ids({ topology: "cache", limit: 4 }), [37, 38, 39, 40]);
      assert.deepEqual(await ids({ topology: "cache", limit: 4, beforeId: 37 }), [33, 34, 35, 36]);
      assert.deepEqual(await ids({ since: ev(10).at, until: ev(12).at }), [10, 11, 12]);
      assert.deepEqual(await ids({ limit: 0 }), []);
      assert.equal((await store.events.query({})).length, 40);
      assert.deepEqual((await store.events.query({ since: ev(6).at, until: ev(6).at }))[0], events[5]);
      assert.equal(await store.events.maxId(), 40);
      // The same id again is kept as it was (an import run twice).
      store.events.queue([ev(40, { text: "changed" })]);
      await store.flush();
      assert.equal((await store.events.query({ limit: 1 }))[0]?.text, "event 40");
    });

    test("a statement that cannot commit is dropped alone; the writes around it are kept", async () => {
      const before = store.writerStats().dropped;
      const bad = store.db.insertInto("events").values({ id: 500 } as never).compile(); // NOT NULL columns missing
      store.enqueue({ sql: bad.sql, params: bad.parameters });
      store.events.queue([ev(501)]);
      await store.flush();
      assert.deepEqual((await store.events.query({ since: ev(500).at, until: ev(501).at })).map((e) => e.id), [501]);
      assert.equal(store.writerStats().dropped, before + 1);
      assert.match(store.writerStats().lastWriteError ?? "", /null/i);
    });

    test("audit: filters, newest `limit` oldest first, optional fields round-trip", async () => {
      for (let i = 0; i < 30; i++) {
        store.audit.queue({
            at: 1000 + i,
            user: i % 2 ? "alice" : "bob",
            role: "operator",
            action: i % 3 ? "drill:start" : "login",
            topology: i % 3 ? "main" : null,
            nodes: i % 3 ? ["10.0.0.1:6379"] : [],
            ...(i === 7 ? { params: { scenario: "switchover", n: 2 } } : {}),
            result: i === 9 ? "denied" : "ok",
            ...(i === 9 ? { error: "no role" } : {}),
          });
      }
      await store.flush();
      const ats = async (q: Parameters<Store["audit"]["query"]>[0]) => (await store.audit.query(q)).map((e) => e.at);
      assert.deepEqual(await ats({ user: "alice", action: "login" }), [1003, 1009, 1015, 1021, 1027]);
      assert.deepEqual(await ats({ since: 1010, until: 1012 }), [1010, 1011, 1012]);
      assert.deepEqual(await ats({ limit: 3 }), [1027, 1028, 1029]);
      const [seven] = await store.audit.query({ since: 1007, until: 1007 });
      assert.deepEqual(seven, { at: 1007, user: "alice", role: "operator", action: "drill:start", topology: "main", nodes: ["10.0.0.1:6379"], params: { scenario: "switchover", n: 2 }, result: "ok" });
      const [nine] = await store.audit.query({ since: 1009, until: 1009 });
      assert.equal(nine?.error, "no role");
      assert.equal(nine?.topology, null);
      assert.equal(nine?.params, undefined);
    });

    test("metrics: 1 s samples roll up into minutes and hours; the span picks the tier", async () => {
      const t0 = Math.floor(1_800_000_000_000 / HOUR) * HOUR;
      // Two hours and a bit, one sample every 10 s; the maintenance loop's rollup every 10 minutes.
      store.metrics.record("main", "10.0.0.8:6379", t0, sample(0));
      for (let i = 0; i <= (2 * HOUR + 5 * 60_000) / 10_000; i++) {
        const t = t0 + i * 10_000;
        if (t % (10 * 60_000) === 0) await store.metrics.rollup(t);
        store.metrics.record("main", "10.0.0.9:6379", t, sample(i));
      }
      await store.metrics.rollup(t0 + 2 * HOUR + 5 * 60_000 + 10_000);
      // Idempotent: running it again changes nothing.
      await store.metrics.rollup(t0 + 2 * HOUR + 5 * 60_000 + 10_000);

      const fine = await store.metrics.history("main", "10.0.0.9:6379", t0 + 2 * HOUR, t0 + 2 * HOUR + 30 * 60_000);
      assert.deepEqual(fine.t.slice(0, 3), [t0 + 2 * HOUR, t0 + 2 * HOUR + 10_000, t0 + 2 * HOUR + 20_000]);
      assert.equal(fine.t.length, 31); // 2 h 0 s … 2 h 5 min, every 10 s
      for (const col of ["replOffset", "lagBytes", "lagSeconds", "opsPerSec", "usedMemory", "writeRate"] as const) assert.equal(fine[col].length, 31);
      assert.equal(fine.lagSeconds[0], null);

      const minutes = await store.metrics.history("main", "10.0.0.9:6379", t0, t0 + 2 * 86400_000);
      // Minutes 0 … 124 are closed (minute 125 is still open).
      assert.equal(minutes.t.length, 125);
      assert.equal(minutes.t[1], t0 + 60_000);
      // Minute 1 holds samples i = 6 … 11: last offset, max lag, average ops, max memory.
      assert.equal(minutes.replOffset[1], 1011);
      assert.equal(minutes.lagBytes[1], 9);
      assert.equal(minutes.opsPerSec[1], (6 + 7 + 8 + 9 + 10 + 11) / 6);
      assert.equal(minutes.usedMemory[1], 5006);
      assert.equal(minutes.lagSeconds[1], null);

      const hours = await store.metrics.history("main", "10.0.0.9:6379", t0, t0 + 30 * 86400_000);
      assert.deepEqual(hours.t, [t0, t0 + HOUR]);
      assert.equal(hours.replOffset[0], 1000 + 359);
      assert.equal(hours.opsPerSec[0], 359 / 2);

      // Another node's rows never leak in; an unknown node is empty, not an error.
      assert.equal((await store.metrics.history("main", "10.0.0.8:6379", t0, t0 + 60_000)).t.length, 1);
      assert.deepEqual((await store.metrics.history("main", "10.0.0.8:6379", t0, t0 + 2 * 86400_000)).lagBytes, [0]);
      assert.equal((await store.metrics.history("other", "10.0.0.9:6379", t0, t0 + 60_000)).t.length, 0);
    });

    test("retention is a DELETE: events and audit by count, metric tiers by age", async () => {
      const s = await b.open({ maxEvents: 10, maxAudit: 5 });
      try {
        s.events.queue(Array.from({ length: 30 }, (_, i) => ev(1000 + i)));
        for (let i = 0; i < 12; i++) s.audit.queue({ at: 5000 + i, user: "r", role: "viewer", action: "x", topology: null, nodes: [], result: "ok" });
        const now = 1_900_000_000_000;
        await s.metrics.insertRows("metric_1s", "ret", "n:1", [{ t: now - HOUR - 1, sample: sample(1) }, { t: now - HOUR + 1, sample: sample(2) }]);
        await s.metrics.insertRows("metric_1m", "ret", "n:1", [{ t: now - 7 * 86400_000 - 1, sample: sample(1) }, { t: now - 60_000, sample: sample(2) }]);
        await s.metrics.insertRows("metric_1h", "ret", "n:1", [{ t: now - 90 * 86400_000 - 1, sample: sample(1) }, { t: now - HOUR, sample: sample(2) }]);
        await s.retain(now);
        assert.deepEqual((await s.events.query({ limit: 5000 })).map((e) => e.id), Array.from({ length: 10 }, (_, i) => 1020 + i));
        assert.deepEqual((await s.audit.query({ user: "r" })).length, 5);
        const rows = async (tier: "metric_1s" | "metric_1m" | "metric_1h") =>
          (await s.db.selectFrom(tier).innerJoin("metric_nodes", "metric_nodes.id", `${tier}.node_id`).select(`${tier}.t`).where("metric_nodes.topology", "=", "ret").execute()).map((r) => Number(r.t));
        assert.deepEqual(await rows("metric_1s"), [now - HOUR + 1]);
        // Retention first ran the rollups, which may add young rows; no old row is left.
        const minutes = await rows("metric_1m");
        assert.ok(minutes.includes(now - 60_000) && minutes.every((t) => t >= now - 7 * 86400_000), String(minutes));
        const hours = await rows("metric_1h");
        assert.ok(hours.includes(now - HOUR) && hours.every((t) => t >= now - 90 * 86400_000), String(hours));
      } finally {
        await s.close();
      }
    });

    test("migrations are idempotent on reopen; close flushes the write-behind queue", async () => {
      await store.close();
      const a = await b.open();
      a.events.queue([ev(7777)]);
      a.audit.queue({ at: 7777, user: "closer", role: "operator", action: "x", topology: null, nodes: [], result: "ok" });
      a.metrics.record("close", "n:1", 1_800_000_030_000, sample(3));
      await a.close(); // no flush() first
      store = await b.open();
      assert.equal((await store.events.query({ since: ev(7777).at, until: ev(7777).at })).length, 1);
      assert.equal((await store.audit.query({ user: "closer" })).length, 1);
      assert.deepEqual((await store.metrics.history("close", "n:1", 1_800_000_029_000, 1_800_000_090_000)).t, [1_800_000_030_000]);
      // Each migration ran once, however often the store was opened.
      const ran = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(store.db);
      const defined = Object.keys(await migrations(store.dialect).getMigrations()).sort();
      assert.deepEqual(ran.rows.map((r) => r.name), defined);
    });

    test("drills, compare reports and auth state round-trip", async () => {
      const drill = { id: "drill-0001", topology: "main", scenario: "switchover", target: "10.0.0.2:6379", options: {}, user: "alice", status: "running", startedAt: 5, endedAt: null, touches: ["10.0.0.1:6379"], steps: [], events: [ev(1)], report: null, error: null } as const;
      await store.drills.save({ ...drill, steps: [], touches: [...drill.touches], events: [...drill.events] } as never);
      await store.drills.save({ ...drill, status: "passed", endedAt: 9, steps: [], touches: [...drill.touches], events: [ev(1), ev(2)] } as never);
      const d = await store.drills.load("drill-0001");
      assert.equal(d?.status, "passed");
      assert.deepEqual(d?.events.map((e) => e.id), [1, 2]);
      assert.equal((await store.drills.list())[0]?.id, "drill-0001");
      assert.equal((await store.drills.running()).length, 0);

      const report = { id: "0123456789abcdef", topology: "main", status: "done", startedAt: 1, finishedAt: 2, differences: [{ key: "k" }] };
      await store.compare.save(report as never, 10);
      assert.deepEqual((await store.compare.load(report.id))?.differences, [{ key: "k" }]);
      assert.equal((await store.compare.list())[0]?.id, report.id);
      assert.equal(await store.compare.remove(report.id), true);
      assert.equal(await store.compare.remove(report.id), false);

      await store.auth.setState({ passwordHash: "scrypt$x", generation: "1" });
      await store.auth.setState({ generation: "2" });
      assert.deepEqual(await store.auth.getState(), { passwordHash: "scrypt$x", generation: "2" });
      await store.auth.putUser({ name: "alice", passwordHash: "h", role: "operator" });
      assert.deepEqual(await store.auth.users(), [{ name: "alice", passwordHash: "h", role: "operator" }]);
      await store.auth.putSession({ sid: "s1", user: "alice", expiresAt: 100 });
      await store.auth.putSession({ sid: "s2", user: "alice", expiresAt: 300 });
      assert.deepEqual((await store.auth.sessions(200)).map((s) => s.sid), ["s2"]);
      assert.equal(await store.auth.pruneSessions(200), 1);
      await store.auth.deleteAllSessions();
      assert.deepEqual(await store.auth.sessions(0), []);
    });

    test("backups and backup schedules round-trip (migration 0003)", async () => {
      const base = {
        kind: "rdb", topology: "main", node: "127.0.0.1:7001", status: "running", origin: "manual", requestedBy: "alice", finishedAt: null,
        replid: null, offset: null, bytes: null, sha256: null, file: null, source: null, checkStatus: null, checkDetail: null, error: null, keys: null,
        meta: null, verifiedAt: null, verifyStatus: null, verifyDetail: null,
      } as const;
      await store.backups.save({ ...base, id: "20261130T010000Z-00000001", startedAt: 1_000 });
      await store.backups.save({ ...base, id: "20261130T010000Z-00000002", startedAt: 2_000, origin: "schedule:0123456789abcdef", topology: "other" });
      // A big offset and byte count survive both dialects as numbers.
      const done = { ...base, id: "20261130T010000Z-00000001", startedAt: 1_000, status: "done", finishedAt: 5_000, replid: "a".repeat(40), offset: 2 ** 40 + 7, bytes: 3 * 2 ** 32, sha256: "f".repeat(64), file: "20261130T010000Z-00000001.rdb", source: "file", checkStatus: "ok", keys: 12, meta: { position: { source: "rdb-aux" } } } as const;
      await store.backups.save(done);
      assert.deepEqual(await store.backups.get(done.id), done);
      assert.deepEqual((await store.backups.list()).map((x) => x.id), ["20261130T010000Z-00000002", done.id]);
      assert.deepEqual((await store.backups.list({ topology: "main" })).map((x) => x.id), [done.id]);
      assert.deepEqual((await store.backups.list({ origin: "schedule:0123456789abcdef" })).map((x) => x.id), ["20261130T010000Z-00000002"]);
      assert.deepEqual((await store.backups.running()).map((x) => x.id), ["20261130T010000Z-00000002"]);
      assert.equal(await store.backups.setVerification(done.id, { at: 9_000, status: "verified", detail: "12 keys, 0 differences" }), true);
      assert.equal((await store.backups.get(done.id))?.verifyDetail, "12 keys, 0 differences");
      assert.equal(await store.backups.remove(done.id), true);
      assert.equal(await store.backups.remove(done.id), false);

      const sch = { id: "0123456789abcdef", topology: "main", everyHours: 1.5, dailyAt: null, prefer: "replica", keepLast: 3, keepDays: 0.5, enabled: true, createdAt: 1, lastRunAt: null, nextRunAt: 1, lastBackupId: null };
      await store.backupSchedules.save(sch);
      await store.backupSchedules.save({ ...sch, enabled: false, lastRunAt: 2, nextRunAt: 5_400_002, lastBackupId: "20261130T010000Z-00000002" });
      assert.deepEqual(await store.backupSchedules.get(sch.id), { ...sch, enabled: false, lastRunAt: 2, nextRunAt: 5_400_002, lastBackupId: "20261130T010000Z-00000002" });
      assert.equal((await store.backupSchedules.list()).length, 1);
      assert.equal(await store.backupSchedules.remove(sch.id), true);
      assert.equal(await store.backupSchedules.get(sch.id), null);
    });

    test("restore drills round-trip (migration 0004)", async () => {
      const running = { id: "rd-0000000000000001", backupId: "20261130T010000Z-00000001", kind: "rdb", status: "running", startedAt: 1_000, finishedAt: null, keys: null, differences: null, seconds: null, line: null, detail: { compareWithLive: true }, requestedBy: "alice" } as const;
      await store.restoreDrills.save(running);
      await store.restoreDrills.save({ ...running, id: "rd-0000000000000002", backupId: "0123456789abcdef", kind: "logical", startedAt: 2_000 });
      assert.deepEqual((await store.restoreDrills.running()).map((d) => d.id).sort(), ["rd-0000000000000001", "rd-0000000000000002"]);
      // Key counts past 2^32 and fractional seconds survive both dialects as numbers.
      const done: RestoreDrill = { ...running, status: "verified", finishedAt: 9_000, keys: 3 * 2 ** 32, differences: 0, seconds: 1.25, line: "backup verified: 12,884,901,888 keys, 0 differences, restored in 1.3 s", detail: { byType: { string: 3 * 2 ** 32 }, differences: [], notes: ["n"], restoreSeconds: 1.25 } };
      await store.restoreDrills.save(done);
      assert.deepEqual(await store.restoreDrills.get(done.id), done);
      assert.deepEqual((await store.restoreDrills.list()).map((d) => d.id), ["rd-0000000000000002", done.id]);
      assert.deepEqual((await store.restoreDrills.list({ backupId: "0123456789abcdef" })).map((d) => d.id), ["rd-0000000000000002"]);
      assert.deepEqual((await store.restoreDrills.running()).map((d) => d.id), ["rd-0000000000000002"]);
      assert.equal(await store.restoreDrills.prune(1), 1);
      assert.equal(await store.restoreDrills.get(done.id), null);
    });

    test("legacy data dir (today's JSONL) is imported once, then moved aside, never deleted", async () => {
      // A location of its own (a fresh database on PostgreSQL): ids 1… are taken by the tests above.
      const fresh = await make();
      const dir = fresh.dataDir;
      try {
        cpSync(path.join(__dirname, "../fixtures/legacy-data-dir"), dir, { recursive: true });
        // A torn line, as a crash left it, is skipped.
        appendFileSync(path.join(dir, "events", "events-000003.jsonl"), '{"id":26,"at":17');
        const s = await fresh.open();
        try {
          const r = await importLegacy(s, dir, 42);
          assert.equal(r.events, 25);
          assert.equal(r.audit, 6);
          assert.equal(r.skipped, 1);
          assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith("events") || f.startsWith("audit")).sort(), ["audit.imported-42", "events.imported-42"]);
          const events = await s.events.query({ topology: "cache", limit: 5000 });
          assert.deepEqual(events.map((e) => e.id), [1, 4, 7, 10, 13, 16, 19, 22, 25]);
          assert.deepEqual((await s.events.query({ since: 1_700_000_002_000, until: 1_700_000_002_000 }))[0], {
            id: 2, at: 1_700_000_002_000, topology: "main", kind: "replica:link-down", node: "10.0.0.1:6379", severity: "warning", text: "legacy event 2", data: { n: 2, ok: true, none: null },
          });
          const audit = await s.audit.query({});
          assert.deepEqual(audit.map((e) => e.user), ["bob", "alice", "bob", "alice", "bob", "alice"]);
          assert.deepEqual(audit[2]?.params, { scenario: "switchover" });
          assert.equal(audit[5]?.error, "boom");
          // Second start: nothing left to import.
          const again = await importLegacy(s, dir, 43);
          assert.deepEqual(again, { events: 0, audit: 0, drills: 0, compare: 0, auth: false, skipped: 0, movedTo: [] });
          assert.ok(existsSync(path.join(dir, "events.imported-42", "events-000001.jsonl")));
        } finally {
          await s.close();
        }
      } finally {
        await fresh.cleanup();
      }
    });

    test("kill -9 while writing: never corrupt, and what was queued well before the kill is there", async (t) => {
      const k = await make();
      t.after(() => k.cleanup());
      const fixture = path.join(__dirname, "fixtures-store-writer.ts");
      for (let round = 1; round <= 2; round++) {
        const child = spawn(process.execPath, ["--import", "tsx", fixture, k.dataDir, k.databaseUrl ?? ""], {
          env: { ...process.env, REPLSCOPE_STORE_WRITER: "1" },
          stdio: ["ignore", "pipe", "pipe"],
        });
        const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.once("exit", (code, sig) => resolve(sig ?? code)));
        let stderr = "";
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        // id -> when the parent saw "queued <id>".
        const seen: { id: number; at: number }[] = [];
        let buffered = "";
        const enough = new Promise<void>((resolve, reject) => {
          child.stdout.on("data", (d: Buffer) => {
            buffered += d.toString();
            const lines = buffered.split("\n");
            buffered = lines.pop() ?? "";
            for (const l of lines) seen.push({ id: Number(l.split(" ")[1]), at: Date.now() });
            const first = seen[0];
            // Kill once the writer has been queueing for a good while (several flush intervals).
            if (first && Date.now() - first.at > 1500 && child.exitCode === null && !child.killed) {
              child.kill("SIGKILL");
              resolve();
            }
          });
          setTimeout(() => reject(new Error(`writer never got going: ${stderr}`)), 30_000).unref();
        });
        await enough;
        const killedAt = Date.now();
        assert.equal(await exited, "SIGKILL", stderr);
        // Generous margin (1 s, five times the 200 ms promise) so a loaded machine cannot fail it.
        const mustHave = seen.filter((s) => s.at <= killedAt - 1000).at(-1)?.id ?? 0;
        const lastQueued = seen.at(-1)?.id ?? 0;
        assert.ok(mustHave > 0, "the writer ran long enough");

        const s = await k.open();
        try {
          if (k.name === "sqlite") {
            const check = await sql<{ integrity_check: string }>`pragma integrity_check`.execute(s.db);
            assert.deepEqual(check.rows, [{ integrity_check: "ok" }]);
          }
          const ids = (await s.db.selectFrom("events").select("id").orderBy("id").execute()).map((r) => Number(r.id));
          const from = ids[0] ?? 0;
          // Whole transactions only: no gaps, and everything queued a second before the kill.
          ids.forEach((id, i) => assert.equal(id, from + i));
          const last = ids.at(-1) ?? 0;
          assert.ok(last >= mustHave, `round ${round}: last stored ${last} >= queued 1 s before the kill ${mustHave}`);
          assert.deepEqual((await s.events.query({ since: storeWriterEvent(last).at, until: storeWriterEvent(last).at }))[0], storeWriterEvent(last));
          const lostMs = killedAt - (seen.find((x) => x.id === last + 1)?.at ?? killedAt);
          t.diagnostic(`${k.name} round ${round}: lost the last ${lastQueued - last} events, queued in the last ${lostMs} ms before the kill`);
        } finally {
          await s.close();
        }
      }
    });
  });
}
