// The store's record repositories (drills, compare reports, auth state) and the import of a data
// dir in today's file format, each run against SQLite (a temp data dir) and PostgreSQL (a database
// of its own at 127.0.0.1:5432, created and dropped here).
import { after, afterEach, describe, mock, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { openAuth } from "../../lib/auth/store";
import { emptyCounts, type CompareReport } from "../../lib/compare/report";
import { ReportStore } from "../../lib/compare/store";
import { DrillManager } from "../../lib/drills/runner";
import { DrillStore } from "../../lib/drills/store";
import type { Drill } from "../../lib/drills/types";
import { MonitorHub } from "../../lib/monitor/hub";
import { openStore, type Store } from "../../lib/store";
import { importLegacy } from "../../lib/store/legacy-import";

const PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres";
const FIXTURE = path.resolve(__dirname, "..", "fixtures", "legacy-data-dir");

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), "replscope-records-"));
  dirs.push(d);
  return d;
}

interface Backend {
  name: "sqlite" | "postgres";
  /** A fresh, empty place to open stores on (a data dir, and for PostgreSQL a new database). */
  fresh(): Promise<{ dataDir: string; open: () => Promise<Store> }>;
  done(): Promise<void>;
}

const sqlite: Backend = {
  name: "sqlite",
  fresh() {
    const dataDir = tempDir();
    return Promise.resolve({ dataDir, open: () => openStore({ dataDir }) });
  },
  done: () => Promise.resolve(),
};

function postgres(): Backend {
  const made: string[] = [];
  const admin = async <T>(run: (c: pg.Client) => Promise<T>): Promise<T> => {
    const c = new pg.Client(PG_ADMIN);
    await c.connect();
    try {
      return await run(c);
    } finally {
      await c.end();
    }
  };
  return {
    name: "postgres",
    async fresh() {
      const name = `replscope_records_${process.pid}_${randomBytes(4).toString("hex")}`;
      await admin((c) => c.query(`create database ${name}`));
      made.push(name);
      const dataDir = tempDir();
      return { dataDir, open: () => openStore({ dataDir, databaseUrl: `postgres://postgres@127.0.0.1:5432/${name}` }) };
    },
    async done() {
      for (const name of made) await admin((c) => c.query(`drop database if exists ${name} with (force)`));
    },
  };
}

const T = 1_764_000_000_000;

function drill(id: string, startedAt: number, over: Partial<Drill> = {}): Drill {
  return {
    id, topology: "main", scenario: "promote", target: "127.0.0.1:7001", options: {}, user: "otto", status: "running", startedAt, endedAt: null,
    touches: ["127.0.0.1:7000", "127.0.0.1:7001"], steps: [{ at: startedAt, name: "start", status: "info", detail: "promote on main" }], events: [], report: null, error: null,
    ...over,
  };
}

function event(id: number): Drill["events"][number] {
  return { id, at: T + id, topology: "main", kind: "node:role-changed", node: "127.0.0.1:7001", severity: "info", text: `event ${id}` } satisfies Drill["events"][number];
}

function report(id: string, over: Partial<CompareReport> = {}): CompareReport {
  return {
    id, topology: "main", master: "127.0.0.1:7000", replicas: [], match: null, db: 0, status: "done", phase: "finished", startedAt: T, finishedAt: T + 4000,
    scanned: 6000, total: 6000, compared: 6000, keysPerSec: 1500, etaSeconds: null, counts: { ...emptyCounts(), value: 1 }, resolvedOnRecheck: 0, truncated: false,
    maxKeysPerSec: 10000, error: null, differences: [{ key: "k", display: "k", kind: "value", node: "127.0.0.1:7001", detail: "different content" }],
    ...over,
  };
}

for (const make of [() => sqlite, postgres]) {
  const backend = make();
  describe(`record repositories on ${backend.name}`, () => {
    const open: Store[] = [];
    const track = async (s: Promise<Store>) => {
      const store = await s;
      open.push(store);
      return store;
    };
    const close = async (s: Store) => {
      open.splice(open.indexOf(s), 1);
      await s.close();
    };
    afterEach(async () => {
      mock.timers.reset();
      for (const s of open.splice(0)) await s.close();
    });
    after(() => backend.done());

    test("drills: a running drill's saver appends only new events; list reads the summary columns; load gives it all back", async () => {
      const place = await backend.fresh();
      const store = await track(place.open());
      const records = new DrillStore(store.drills);
      const d = drill("6f1d2c3b-0000-4000-8000-0000000000a1", T);
      const save = records.saver();
      await save(d);
      d.events.push(event(1), event(2));
      d.steps.push({ at: T + 5, name: "promote", status: "started", detail: "REPLICAOF NO ONE on 127.0.0.1:7001", command: true });
      await save(d);
      d.events.push(event(3));
      await save(d);
      const rows = await store.db.selectFrom("drill_events").select(["seq", "event"]).where("drill_id", "=", d.id).orderBy("seq").execute();
      assert.deepEqual(rows.map((r) => [Number(r.seq), (JSON.parse(r.event) as { id: number }).id]), [[0, 1], [1, 2], [2, 3]], "each event stored once, in order");

      const listedRunning = await records.list();
      assert.deepEqual(listedRunning.map((x) => [x.id, x.status, x.report]), [[d.id, "running", null]]);
      d.status = "done";
      d.endedAt = T + 9000;
      d.report = {
        startedAt: T, actionAt: T + 5, endedAt: T + 9000, oldMaster: "127.0.0.1:7000", newMaster: "127.0.0.1:7001", detectMs: 10, promoteMs: 300, writeOutageMs: 450, lostWrites: 2,
        canary: { sent: 80, acked: 78, failed: 3, lostSeqs: [1, 2] }, replicas: [], secondIdGap: null, finalTopology: [],
      };
      await save(d);
      const [item] = await records.list();
      assert.deepEqual(item, {
        id: d.id, topology: "main", scenario: "promote", target: "127.0.0.1:7001", user: "otto", status: "done", startedAt: T, endedAt: T + 9000,
        report: { newMaster: "127.0.0.1:7001", writeOutageMs: 450, lostWrites: 2, canary: { sent: 80, failed: 3 } },
      });
      assert.deepEqual(await records.load(d.id), d, "the whole drill, events included");
      assert.equal(await records.load("6f1d2c3b-0000-4000-8000-0000000000ff"), null);
    });

    test("drills: one cut off by a crash is interrupted at its last write, once; prune keeps the newest and drops their events", async () => {
      const place = await backend.fresh();
      let store = await track(place.open());
      const cut = drill("6f1d2c3b-0000-4000-8000-0000000000b1", T, {
        events: [event(7)],
        steps: [{ at: T, name: "pause", status: "started", detail: "CLIENT PAUSE 5000 ALL on 127.0.0.1:7000", command: true }],
      });
      await store.drills.save(cut, 0, T + 1234);
      await store.drills.save(drill("6f1d2c3b-0000-4000-8000-0000000000b2", T + 1, { status: "done", endedAt: T + 50 }), 0, T + 50);
      await close(store);

      store = await track(place.open());
      const manager = await DrillManager.open(new MonitorHub([]), new DrillStore(store.drills));
      const back = await manager.get(cut.id);
      assert.equal(back?.status, "interrupted");
      assert.equal(back?.endedAt, T + 1234, "ended when its last record was written");
      assert.match(back?.steps.at(-1)?.detail ?? "", /CLIENT PAUSE 5000 ALL on 127\.0\.0\.1:7000 \(no answer recorded: it may have run\)/);
      assert.deepEqual(back?.events, [event(7)], "its events are kept");
      assert.equal((await manager.get("6f1d2c3b-0000-4000-8000-0000000000b2"))?.status, "done", "finished drills are left alone");
      assert.deepEqual(await new DrillStore(store.drills).recoverInterrupted(), [], "nothing left to mark");

      for (let i = 0; i < 5; i++) await store.drills.save(drill(`6f1d2c3b-0000-4000-8000-0000000000c${i}`, T + 100 + i, { status: "done", events: [event(i)] }));
      assert.equal(await store.drills.prune(3), 4);
      assert.deepEqual((await store.drills.list()).map((x) => x.id), ["6f1d2c3b-0000-4000-8000-0000000000c4", "6f1d2c3b-0000-4000-8000-0000000000c3", "6f1d2c3b-0000-4000-8000-0000000000c2"]);
      const left = await store.db.selectFrom("drill_events").select("drill_id").execute();
      assert.deepEqual(left.map((r) => r.drill_id).sort(), ["6f1d2c3b-0000-4000-8000-0000000000c2", "6f1d2c3b-0000-4000-8000-0000000000c3", "6f1d2c3b-0000-4000-8000-0000000000c4"]);
    });

    test("compare: list has no differences; a running report is interrupted at its last checkpoint; remove and prune", async () => {
      const place = await backend.fresh();
      let store = await track(place.open());
      await store.compare.save(report("00000000000000a1"), T + 10);
      await store.compare.save(report("00000000000000a2", { status: "running", phase: "master", finishedAt: null, scanned: 1200, etaSeconds: 40 }), T + 20);
      await close(store);

      store = await track(place.open());
      const reports = new ReportStore(store.compare);
      assert.deepEqual(await reports.recoverInterrupted(), ["00000000000000a2"]);
      assert.deepEqual(await reports.recoverInterrupted(), []);
      const cut = await reports.load("00000000000000a2");
      assert.equal(cut?.status, "interrupted");
      assert.equal(cut?.finishedAt, T + 20);
      assert.equal(cut?.differences.length, 1, "the differences found so far are kept");
      assert.match(cut?.error ?? "", /in its master phase, after 1200 of 6000 keys scanned and 1 difference confirmed/);
      const listed = await reports.list();
      assert.deepEqual(listed.map((r) => r.id).sort(), ["00000000000000a1", "00000000000000a2"]);
      for (const r of listed) assert.equal("differences" in r, false);
      assert.equal(await reports.remove("00000000000000a1"), true);
      assert.equal(await reports.remove("00000000000000a1"), false);
      assert.equal(await reports.load("00000000000000a1"), null);
      assert.equal(await reports.load("../etc/passwd"), null, "ids are checked");

      for (let i = 0; i < 4; i++) await store.compare.save(report(`00000000000000b${i}`), T + 100 + i);
      await store.compare.prune(2);
      assert.deepEqual((await store.compare.list()).map((r) => r.id), ["00000000000000b3", "00000000000000b2"]);
    });

    test("auth: first start stores only the hash; sessions, logout, log out everywhere and the session bound are written through and survive a restart", async () => {
      const place = await backend.fresh();
      let store = await track(place.open());
      let auth = await openAuth(store.auth, undefined, undefined, [], { maxSessions: 3 });
      const pw = auth.generatedPassword ?? "";
      assert.ok(pw.length >= 16);
      const state = await store.auth.getState();
      assert.match(state.passwordHash ?? "", /^scrypt\$/);
      assert.ok(!JSON.stringify(state).includes(pw), "the password itself is not stored");

      const tokens = [0, 1, 2, 3].map(() => auth.issue({ user: "admin", role: "operator" }));
      // The bound holds 3: the one closest to expiry (the first) ended.
      assert.equal(auth.verify(tokens[0]!), null);
      assert.ok(auth.revoke(tokens[1]!));
      await auth.flush();
      assert.equal((await store.auth.sessions()).length, 2, "the store holds what memory holds");
      await close(store);

      store = await track(place.open());
      auth = await openAuth(store.auth, undefined, undefined, [], { maxSessions: 3 });
      assert.equal(auth.generatedPassword, null);
      assert.ok(auth.checkLogin("admin", pw));
      assert.deepEqual([tokens[0], tokens[1], tokens[2], tokens[3]].map((t) => auth.verify(t!)?.user ?? null), [null, null, "admin", "admin"]);
      auth.logoutEverywhere();
      await auth.flush();
      await close(store);

      store = await track(place.open());
      auth = await openAuth(store.auth);
      for (const t of tokens) assert.equal(auth.verify(t), null, "log out everywhere holds after a restart");
      assert.equal((await store.auth.getState()).generation, "1");
      assert.ok(auth.verify(auth.issue({ user: "admin", role: "operator" })));
    });

    test("legacy import: a data dir written by today's code is imported once, its files moved aside, and reads back as before", async () => {
      const place = await backend.fresh();
      cpSync(path.join(FIXTURE, "records"), place.dataDir, { recursive: true, preserveTimestamps: true });
      const tokens = JSON.parse(readFileSync(path.join(FIXTURE, "records-tokens.json"), "utf8")) as { keep: string; gone: string; password: string };
      const cutFile = path.join(place.dataDir, "drills", "0b5e7a10-0000-4000-8000-00000000000e.json");
      const cutWritten = Math.round(statSync(cutFile).mtimeMs);
      const reportWritten = Math.round(statSync(path.join(place.dataDir, "compare", "00000000000000d2.meta.json")).mtimeMs);
      const legacyAuth = readFileSync(path.join(place.dataDir, "auth.json"), "utf8");
      // The fixture's sessions were opened when it was written (12 h sessions): play the import then.
      const keepExp = (JSON.parse(Buffer.from(tokens.keep.split(".")[0]!, "base64url").toString("utf8")) as { exp: number }).exp;
      const then = keepExp - 60 * 60 * 1000;

      let store = await track(place.open());
      const r = await importLegacy(store, place.dataDir, then);
      assert.deepEqual({ drills: r.drills, compare: r.compare, auth: r.auth, skipped: r.skipped }, { drills: 2, compare: 2, auth: true, skipped: 0 });
      assert.deepEqual(r.movedTo.map((p) => path.basename(p)).sort(), [`auth.json.imported-${then}`, `compare.imported-${then}`, `drills.imported-${then}`]);
      assert.equal(existsSync(path.join(place.dataDir, "drills")), false);
      assert.equal(readFileSync(path.join(place.dataDir, `auth.json.imported-${then}`), "utf8"), legacyAuth, "never deleted, never changed");
      assert.equal(readdirSync(path.join(place.dataDir, `drills.imported-${then}`)).length, 2);

      const again = await importLegacy(store, place.dataDir, then + 1);
      assert.deepEqual(again.movedTo, [], "imported once");
      await close(store);

      store = await track(place.open());
      const manager = await DrillManager.open(new MonitorHub([]), new DrillStore(store.drills));
      const done = await manager.get("0b5e7a10-0000-4000-8000-00000000000d");
      assert.equal(done?.status, "done");
      assert.equal(done?.events.length, 2);
      assert.equal(done?.report?.lostWrites, 2);
      const cut = await manager.get("0b5e7a10-0000-4000-8000-00000000000e");
      assert.equal(cut?.status, "interrupted", "a drill the old process left running is interrupted, as before");
      assert.equal(cut?.endedAt, cutWritten, "as of its file's last write");
      assert.match(cut?.steps.at(-1)?.detail ?? "", /CLIENT PAUSE 5000 ALL on 127\.0\.0\.1:7000 \(no answer recorded/);
      assert.deepEqual((await manager.list()).map((d) => [d.id, d.status, d.report?.writeOutageMs ?? null]), [
        ["0b5e7a10-0000-4000-8000-00000000000e", "interrupted", null],
        ["0b5e7a10-0000-4000-8000-00000000000d", "done", 450],
      ]);

      const reports = new ReportStore(store.compare);
      assert.deepEqual(await reports.recoverInterrupted(), ["00000000000000d2"]);
      const interrupted = await reports.load("00000000000000d2");
      assert.equal(interrupted?.finishedAt, reportWritten);
      assert.equal((await reports.load("00000000000000d1"))?.differences[0]?.key, "k:1");

      mock.timers.enable({ apis: ["Date"], now: then });
      const auth = await openAuth(store.auth);
      assert.equal(auth.generatedPassword, null, "the imported password hash is used, nothing is generated");
      assert.ok(auth.checkLogin("admin", tokens.password));
      assert.equal(auth.verify(tokens.keep)?.user, "admin", "an open session of the old process stays open");
      assert.equal(auth.verify(tokens.gone), null, "a session it had logged out stays ended");
    });

    test("legacy import: an auth.json that is not replscope's is refused and left where it is", async () => {
      const place = await backend.fresh();
      const foreign = JSON.stringify({ version: 2 });
      writeFileSync(path.join(place.dataDir, "auth.json"), foreign);
      const store = await track(place.open());
      await assert.rejects(importLegacy(store, place.dataDir), /not a replscope auth file/);
      assert.equal(readFileSync(path.join(place.dataDir, "auth.json"), "utf8"), foreign);
      assert.deepEqual(await store.auth.getState(), {});
    });
  });
}
