// The persistence panel's pure core on INFO captured from redis-server 7.0.15
// (tests/fixtures/redis-7.0.15/info/persistence-*.txt).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseInfo } from "../../lib/redis/info";
import { nextSaveMark, type SaveMark } from "../../lib/persistence/save-cause";
import { parseSavePoints, persistenceView, saveObservation, type PersistenceConfig } from "../../lib/persistence/view";
import { DEFAULT_NO_SAVE_SECONDS, persistenceHazards, roughAge } from "../../lib/persistence/hazards";
import { diffView } from "../../lib/realtime/view-diff";
import { buildViews } from "../../lib/monitor/view";
import { applyPoll, initialState } from "../../lib/monitor/reduce";
import { pollResultOf } from "../../lib/monitor/poll-result";
import { raw, setFields } from "../support/info-fixtures";

const info = (name: string, edits: Record<string, string> = {}) => parseInfo(setFields(raw(name), edits));
const OFF: PersistenceConfig = { save: "", appendonly: false, readAt: 1 };
const SAVES: PersistenceConfig = { save: "3600 1 300 100", appendonly: false, readAt: 1 };
const kinds = (hs: { kind: string }[]) => hs.map((h) => h.kind);
const opts = { noSaveSeconds: DEFAULT_NO_SAVE_SECONDS };

/** The marks a monitor would hold after seeing these INFO captures in order. */
function follow(names: string[]): SaveMark {
  let mark: SaveMark | null = null;
  names.forEach((n, i) => (mark = nextSaveMark(mark, saveObservation(info(n), 1000 * (i + 1)))));
  return mark!;
}

describe("persistenceView", () => {
  test("reads the RDB and AOF fields of a master that just served a full sync", () => {
    const v = persistenceView(info("persistence-off-after-full-sync.txt"), OFF, null);
    assert.equal(v.role, "master");
    assert.equal(v.connectedReplicas, 1);
    assert.equal(v.rdb.lastSaveTime, 1796004215000);
    assert.equal(v.rdb.lastSaveAgeSeconds, 3); // server_time_usec 1796004217.895 - 1796004215, on the node's clock
    assert.equal(v.rdb.saves, 1);
    assert.equal(v.rdb.lastBgsaveStatus, "ok");
    assert.equal(v.rdb.bgsaveInProgress, false);
    assert.equal(v.rdb.bgsaveElapsedSeconds, null);
    assert.equal(v.rdb.lastSaveCause, "unknown");
    assert.equal(v.aof.enabled, false);
    assert.equal(v.aof.currentSize, null, "aof_current_size exists only with AOF on");
    assert.deepEqual(v.config.savePoints, []);
  });

  test("a BGSAVE in progress carries its elapsed seconds", () => {
    const v = persistenceView(info("persistence-bgsave-in-progress.txt"), SAVES, null);
    assert.equal(v.rdb.bgsaveInProgress, true);
    assert.equal(v.rdb.bgsaveElapsedSeconds, 2);
    assert.deepEqual(v.config.savePoints, [{ seconds: 3600, changes: 1 }, { seconds: 300, changes: 100 }]);
  });

  test("AOF on: enabled, sizes and statuses", () => {
    const v = persistenceView(info("persistence-aof-on.txt"), null, null);
    assert.equal(v.aof.enabled, true);
    assert.equal(v.aof.currentSize, 50);
    assert.equal(v.aof.baseSize, 0);
    assert.equal(v.aof.lastWriteStatus, "ok");
    assert.equal(v.aof.rewriteInProgress, false);
    assert.equal(v.config.save, null, "CONFIG not read: unknown, not a default");
  });

  test("counts replicas the master holds in wait_bgsave", () => {
    const v = persistenceView(info("persistence-off-after-full-sync.txt", { slave0: "ip=127.0.0.1,port=27812,state=wait_bgsave,offset=0,lag=0" }), OFF, null);
    assert.equal(v.replicasWaitingBgsave, 1);
  });

  test("parseSavePoints: empty, pairs, malformed", () => {
    assert.deepEqual(parseSavePoints(""), []);
    assert.deepEqual(parseSavePoints("900 1"), [{ seconds: 900, changes: 1 }]);
    assert.equal(parseSavePoints("900"), null);
    assert.equal(parseSavePoints("a b"), null);
  });
});

describe("save cause across polls", () => {
  test("a full sync's BGSAVE moved rdb_last_save_time: replication (captured sequence of one master)", () => {
    const mark = follow(["persistence-off-no-replicas.txt", "persistence-off-after-full-sync.txt"]);
    assert.equal(mark.cause, "replication");
    assert.equal(mark.movedAt, 2000);
  });

  test("a BGSAVE of its own that finished afterwards: save", () => {
    const done = setFields(raw("persistence-bgsave-in-progress.txt"), { rdb_bgsave_in_progress: "0", rdb_last_save_time: "1796004221", rdb_saves: "3" });
    let mark = follow(["persistence-off-no-replicas.txt", "persistence-off-after-full-sync.txt", "persistence-bgsave-in-progress.txt"]);
    assert.equal(mark.replicationBgsave, false, "sync_full did not move while it ran");
    mark = nextSaveMark(mark, saveObservation(parseInfo(done), 9000));
    assert.equal(mark.cause, "save");
  });

  test("a replication BGSAVE seen running, finished at the next round: replication", () => {
    const running = raw("persistence-bgsave-in-progress.txt");
    const before = setFields(running, { rdb_bgsave_in_progress: "0", sync_full: "0", rdb_saves: "1" });
    const after = setFields(running, { rdb_bgsave_in_progress: "0", rdb_last_save_time: "1796004221" });
    let mark = nextSaveMark(null, saveObservation(parseInfo(before), 1));
    mark = nextSaveMark(mark, saveObservation(parseInfo(running), 2));
    assert.equal(mark.replicationBgsave, true);
    mark = nextSaveMark(mark, saveObservation(parseInfo(after), 3));
    assert.equal(mark.cause, "replication");
  });

  test("a replica loading its master's snapshot moves the time without a save of its own: replication", () => {
    const before = setFields(raw("persistence-replica-after-full-sync.txt"), { rdb_last_save_time: "1796004214" });
    let mark = nextSaveMark(null, saveObservation(parseInfo(before), 1));
    mark = nextSaveMark(mark, saveObservation(info("persistence-replica-after-full-sync.txt"), 2));
    assert.equal(mark.cause, "replication");
  });

  test("a restart (rdb_saves back to 0) is no save: unknown", () => {
    let mark = follow(["persistence-off-no-replicas.txt", "persistence-off-after-full-sync.txt"]);
    mark = nextSaveMark(mark, saveObservation(info("persistence-off-no-replicas.txt", { rdb_last_save_time: "1796009999" }), 5));
    assert.equal(mark.cause, "unknown");
  });
});

describe("persistenceHazards", () => {
  test("master with persistence off and a replica: an empty restart wipes the replicas", () => {
    const v = persistenceView(info("persistence-off-after-full-sync.txt"), OFF, null);
    const hs = persistenceHazards(v, opts);
    const h = hs.find((x) => x.kind === "persistence-off-with-replicas");
    assert.ok(h, kinds(hs).join());
    assert.equal(h.severity, "critical");
    assert.match(h.text, /empty restart wipes the replicas/);
  });

  test("persistence off without replicas, or with save points, or AOF on: no such hazard", () => {
    assert.ok(!kinds(persistenceHazards(persistenceView(info("persistence-off-no-replicas.txt"), OFF, null), opts)).includes("persistence-off-with-replicas"));
    assert.ok(!kinds(persistenceHazards(persistenceView(info("persistence-off-after-full-sync.txt"), SAVES, null), opts)).includes("persistence-off-with-replicas"));
    const aof = persistenceView(info("persistence-off-after-full-sync.txt", { aof_enabled: "1" }), OFF, null);
    assert.ok(!kinds(persistenceHazards(aof, opts)).includes("persistence-off-with-replicas"));
  });

  test("CONFIG refused: save points unknown, no persistence-off claim, an info note", () => {
    const hs = persistenceHazards(persistenceView(info("persistence-off-after-full-sync.txt"), null, null), opts);
    assert.deepEqual(kinds(hs), ["config-unknown"]);
    assert.equal(hs[0]!.severity, "info");
  });

  test("last BGSAVE failed: says Redis's status", () => {
    const hs = persistenceHazards(persistenceView(info("persistence-bgsave-failed.txt"), OFF, null), opts);
    const h = hs.find((x) => x.kind === "bgsave-failed");
    assert.ok(h);
    assert.equal(h.badge, "last BGSAVE failed");
    assert.match(h.text, /rdb_last_bgsave_status:err/);
  });

  test("no successful save for longer than the threshold, only where save points are set", () => {
    const old = info("persistence-off-after-full-sync.txt", { server_time_usec: String((1796004215 + 3 * 86400 + 60) * 1e6) });
    const hs = persistenceHazards(persistenceView(old, SAVES, null), opts);
    const h = hs.find((x) => x.kind === "no-recent-save");
    assert.ok(h, kinds(hs).join());
    assert.equal(h.badge, "no save for 3 d");
    assert.ok(!kinds(persistenceHazards(persistenceView(old, OFF, null), opts)).includes("no-recent-save"), "no save points: not expected to save");
    assert.ok(!kinds(persistenceHazards(persistenceView(old, SAVES, null), { noSaveSeconds: 4 * 86400 })).includes("no-recent-save"), "the threshold is honoured");
  });

  test("rdb_saves 0: the last save time is the start; the uptime counts", () => {
    const v = persistenceView(info("persistence-off-no-replicas.txt", { uptime_in_seconds: String(2 * 86400) }), SAVES, null);
    const h = persistenceHazards(v, opts).find((x) => x.kind === "no-recent-save");
    assert.ok(h);
    assert.match(h.text, /since the node started/);
  });

  test("the age grows with the time since the sample", () => {
    const v = persistenceView(info("persistence-off-after-full-sync.txt"), SAVES, null);
    assert.ok(!kinds(persistenceHazards(v, opts)).includes("no-recent-save"));
    assert.ok(kinds(persistenceHazards(v, { ...opts, sinceSampleSeconds: 25 * 3600 })).includes("no-recent-save"));
  });

  test("a save from a full sync is flagged: not a backup", () => {
    const mark = follow(["persistence-off-no-replicas.txt", "persistence-off-after-full-sync.txt"]);
    const hs = persistenceHazards(persistenceView(info("persistence-off-after-full-sync.txt"), SAVES, mark), opts);
    const h = hs.find((x) => x.kind === "save-from-replication");
    assert.ok(h);
    assert.match(h.text, /not a backup/);
  });

  test("roughAge is coarse", () => {
    assert.equal(roughAge(30), "1 min");
    assert.equal(roughAge(7200), "2 h");
    assert.equal(roughAge(3 * 86400 + 5), "3 d");
  });
});

describe("persistence badges on the node view", () => {
  test("diffView compares the badge list by content: equal lists send nothing, a new badge is a patch", () => {
    const config = { logfile: null, dir: null, disklessSync: false, disklessSyncDelay: null, save: "", appendonly: false, readAt: 1 };
    const state = (text: string) => applyPoll(initialState("127.0.0.1:27811", "127.0.0.1", 27811), pollResultOf({ info: text, at: 1000, latencyMs: 1, config }));
    const off = raw("persistence-off-after-full-sync.txt");
    const a = buildViews([state(off)], undefined, undefined, undefined, 1000)[0]!;
    const b = buildViews([state(off)], undefined, undefined, undefined, 1000)[0]!;
    assert.deepEqual(a.persistenceBadges?.map((x) => x.badge), ["persistence off"]);
    assert.notEqual(a.persistenceBadges, b.persistenceBadges);
    assert.equal(diffView(a, b), undefined);
    const failed = buildViews([state(setFields(off, { rdb_last_bgsave_status: "err" }))], undefined, undefined, undefined, 1000)[0]!;
    assert.deepEqual(diffView(a, failed)?.persistenceBadges?.map((x) => x.badge), ["persistence off", "last BGSAVE failed"]);
  });
});
