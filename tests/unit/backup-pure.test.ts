// The pure parts of snapshot backups: the RDB header's aux fields (on a real Redis 7.0.15 RDB),
// following a BGSAVE, the redis-cli command line, schedules and retention.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { bgsaveFailureReason, classifyBgsaveError, saveFinished, saveState, staleRdbReason } from "@/lib/backup/bgsave";
import { lzfDecompress, parseRdbHeader, RdbParseError } from "@/lib/backup/rdb-aux";
import { dueSchedules, nextRunAt, retentionVictims } from "@/lib/backup/schedule";
import { rdbSourcePath } from "@/lib/backup/source";
import { checkRdbCommand, parseCheckRdb, redisCliFailure, redisCliRdbCommand, toolEnv } from "@/lib/backup/tools";
import type { BackupSchedule } from "@/lib/backup/types";

const RDB = path.join(__dirname, "..", "fixtures", "redis-7.0.15", "rdb");

describe("RDB header aux fields", () => {
  const file = readFileSync(path.join(RDB, "replica-bgsave.rdb"));

  it("reads repl-id and repl-offset of a replica's BGSAVE (the fork's position)", () => {
    const h = parseRdbHeader(file);
    assert.equal(h.version, 10);
    assert.equal(h.replid, "a19dcd4a873b3c1f55e94a0077af13b58d28bb40");
    assert.equal(h.offset, 91);
    assert.equal(h.aux["redis-ver"], "7.0.15");
    assert.equal(h.aux.ctime, "1796004261");
    assert.equal(h.aux["repl-stream-db"], "0");
  });

  it("agrees with redis-check-rdb's reading of the same file", () => {
    const check = readFileSync(path.join(RDB, "replica-bgsave.check.txt"), "utf8");
    const h = parseRdbHeader(file);
    for (const [k, v] of Object.entries(h.aux)) assert.ok(check.includes(`AUX FIELD ${k} = '${v}'`), `${k}=${v}`);
  });

  it("keeps the complete fields of a header cut short, and refuses what is not an RDB", () => {
    const cut = parseRdbHeader(file.subarray(0, 100));
    assert.equal(cut.aux["redis-ver"], "7.0.15");
    assert.equal(cut.replid, null);
    assert.throws(() => parseRdbHeader(Buffer.from("NOTREDIS0010")), RdbParseError);
    assert.throws(() => parseRdbHeader(Buffer.from("REDIS")), RdbParseError);
  });

  it("decompresses LZF (literal runs and back references)", () => {
    // "abcabcabc": literal "abc" (ctrl 2), then a back reference of 6 bytes at distance 3 (len-2=4 → ctrl 0x80, offset 2).
    const out = lzfDecompress(Buffer.from([2, 0x61, 0x62, 0x63, 0x80, 2]), 9);
    assert.equal(out.toString(), "abcabcabc");
    assert.throws(() => lzfDecompress(Buffer.from([2, 0x61]), 3), RdbParseError);
  });
});

// `saves: null` is a server below 7.0 (no rdb_saves line).
const info = (o: { inProgress?: boolean; saves?: number | null; lastSave?: number; status?: string; replid?: string; offset?: number }) =>
  [
    "# Persistence",
    `rdb_bgsave_in_progress:${o.inProgress ? 1 : 0}`,
    `rdb_last_save_time:${o.lastSave ?? 1700000000}`,
    `rdb_last_bgsave_status:${o.status ?? "ok"}`,
    "rdb_last_bgsave_time_sec:0",
    ...(o.saves === null ? [] : [`rdb_saves:${o.saves ?? 0}`]),
    "# Replication",
    `master_replid:${o.replid ?? "a".repeat(40)}`,
    `master_repl_offset:${o.offset ?? 0}`,
  ].join("\r\n");

describe("following a BGSAVE", () => {
  it("reads INFO persistence and replication", () => {
    const s = saveState(info({ inProgress: true, saves: 3, offset: 91 }));
    assert.deepEqual(s, { inProgress: true, saves: 3, lastStatus: "ok", lastTimeSec: 0, lastSaveSec: 1700000000, replid: "a".repeat(40), offset: 91 });
  });

  it("a started BGSAVE is over at the first poll with no save running", () => {
    const atReply = saveState(info({ inProgress: true, saves: 2 }));
    assert.equal(saveFinished("started", atReply, saveState(info({ inProgress: true, saves: 2 }))), false);
    assert.equal(saveFinished("started", atReply, saveState(info({ saves: 2 }))), true);
  });

  it("a scheduled BGSAVE is over once a save started after the reply and none runs", () => {
    const atReply = saveState(info({ saves: 4 }));
    assert.equal(saveFinished("scheduled", atReply, saveState(info({ saves: 4 }))), false, "not started yet (the other child still runs)");
    assert.equal(saveFinished("scheduled", atReply, saveState(info({ inProgress: true, saves: 5 }))), false);
    assert.equal(saveFinished("scheduled", atReply, saveState(info({ saves: 5 }))), true);
  });

  it("below Redis 7.0 (no rdb_saves) a scheduled BGSAVE is over once rdb_last_save_time advances, or an RDB child seen has ended", () => {
    const atReply = saveState(info({ saves: null, lastSave: 1700000000 }));
    assert.equal(atReply.saves, null);
    assert.equal(saveFinished("scheduled", atReply, saveState(info({ saves: null, lastSave: 1700000000 }))), false, "not started yet");
    assert.equal(saveFinished("scheduled", atReply, saveState(info({ saves: null, inProgress: true, lastSave: 1700000000 })), true), false, "ours runs");
    assert.equal(saveFinished("scheduled", atReply, saveState(info({ saves: null, lastSave: 1700000007 }))), true, "a save finished after the reply");
    // A failed save does not move rdb_last_save_time: seeing its child come and go is enough.
    assert.equal(saveFinished("scheduled", atReply, saveState(info({ saves: null, status: "err", lastSave: 1700000000 })), true), true);
    assert.equal(saveFinished("scheduled", atReply, saveState(info({ saves: null, status: "err", lastSave: 1700000000 })), false), false);
  });

  it("a copied RDB last written (or created) before the BGSAVE started is stale, within 2 s of clock slack", () => {
    const started = Date.UTC(2026, 10, 30, 3, 0, 0);
    assert.equal(staleRdbReason(started + 500, null, started), null);
    assert.equal(staleRdbReason(started - 1500, null, started), null, "within the slack");
    assert.match(staleRdbReason(started - 60_000, null, started) ?? "", /last written at 2026-11-30T02:59:00.000Z, before this BGSAVE started/);
    assert.equal(staleRdbReason(null, started / 1000 - 1, started), null);
    assert.match(staleRdbReason(null, started / 1000 - 3600, started) ?? "", /created at .* before this BGSAVE started/);
    assert.equal(staleRdbReason(null, null, started), null);
  });

  it("tells a running RDB save from another child from a real refusal", () => {
    assert.equal(classifyBgsaveError("ERR Background save already in progress"), "rdb-in-progress");
    assert.equal(classifyBgsaveError("ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible."), "child-busy");
    assert.equal(classifyBgsaveError("NOPERM this user has no permissions to run the 'bgsave' command"), "other");
  });

  it("takes Redis's reason from the log lines after the last save started (real 7.0.15 lines)", () => {
    const lines = [
      "9599:M 30 Nov 2026 02:03:21.001 * Background saving started by pid 9620",
      "9620:C 30 Nov 2026 02:03:21.010 # Failed opening the temp RDB file temp-9620.rdb (in server root dir /x) for saving: Permission denied",
      "9599:M 30 Nov 2026 02:03:22.004 * Background saving started by pid 9630",
      "9630:C 30 Nov 2026 02:03:22.004 # Failed opening the temp RDB file temp-9630.rdb (in server root dir unknown) for saving: No such file or directory",
      "9599:M 30 Nov 2026 02:03:22.071 # Background saving error",
    ];
    assert.equal(bgsaveFailureReason(lines), "Failed opening the temp RDB file temp-9630.rdb (in server root dir unknown) for saving: No such file or directory");
    assert.equal(bgsaveFailureReason(["9599:M 30 Nov 2026 02:03:22.004 * DB saved on disk"]), null);
  });
});

describe("redis-cli --rdb and redis-check-rdb command lines", () => {
  it("passes the password in REDISCLI_AUTH, never in argv", () => {
    const cmd = redisCliRdbCommand({ host: "127.0.0.1", port: 6390, username: "backup", password: "s3cret-pass" }, "/data/backups/x.part");
    assert.deepEqual(cmd.args, ["-h", "127.0.0.1", "-p", "6390", "--user", "backup", "--no-auth-warning", "--rdb", "/data/backups/x.part"]);
    assert.ok(!cmd.args.some((a) => a.includes("s3cret-pass")));
    assert.deepEqual(cmd.env, { REDISCLI_AUTH: "s3cret-pass" });
    assert.ok(!cmd.args.includes("-a") && !cmd.args.includes("--pass"));
  });

  it("sets no REDISCLI_AUTH without a password (an empty one would make redis-cli send AUTH)", () => {
    assert.deepEqual(redisCliRdbCommand({ host: "127.0.0.1", port: 1 }, "/f").env, {});
  });

  it("adds the topology's TLS settings", () => {
    const cmd = redisCliRdbCommand({ host: "::1", port: 6380, tls: { ca: "/ca.pem", cert: "/c.pem", key: "/k.pem", servername: "redis.local", rejectUnauthorized: false } }, "/f");
    assert.deepEqual(cmd.args.slice(4), ["--tls", "--cacert", "/ca.pem", "--cert", "/c.pem", "--key", "/k.pem", "--sni", "redis.local", "--insecure", "--no-auth-warning", "--rdb", "/f"]);
  });

  it("gives tools a scrubbed environment (no REPLSCOPE_* secrets, no stale REDISCLI_AUTH)", () => {
    process.env.REPLSCOPE_PASSWORD_TEST_ONLY = "x";
    process.env.REDISCLI_AUTH = "stale";
    try {
      const env = toolEnv({});
      assert.equal(env.REPLSCOPE_PASSWORD_TEST_ONLY, undefined);
      assert.equal(env.REDISCLI_AUTH, undefined);
      assert.equal(env.PATH, process.env.PATH);
    } finally {
      delete process.env.REPLSCOPE_PASSWORD_TEST_ONLY;
      delete process.env.REDISCLI_AUTH;
    }
  });

  it("reads redis-check-rdb's verdict and key count (real output)", () => {
    const out = readFileSync(path.join(RDB, "replica-bgsave.check.txt"), "utf8");
    assert.deepEqual(parseCheckRdb(out, 0).ok, true);
    assert.equal(parseCheckRdb(out, 0).keys, 2);
    assert.equal(parseCheckRdb("--- RDB ERROR DETECTED ---\n[offset 9] Unexpected EOF reading RDB file", 1).ok, false);
    assert.deepEqual(checkRdbCommand("/f").args, ["/f"]);
  });

  it("says why a fetch failed, in redis-cli's words or 'not installed'", () => {
    const refused = redisCliFailure({ code: 1, signal: null, timedOut: false, spawnError: null, output: "sending REPLCONF capa eof\nSYNC with master failed: -NOPERM this user has no permissions to run the 'sync' command\n" });
    assert.match(refused, /NOPERM/);
    assert.doesNotMatch(refused, /sending REPLCONF/);
    assert.equal(redisCliFailure({ code: null, signal: null, timedOut: false, spawnError: "redis-cli is not installed (not found on PATH)", output: "" }), "redis-cli is not installed (not found on PATH)");
  });
});

describe("where a node's RDB file may be copied from", () => {
  const base = { host: "127.0.0.1", dir: "/var/lib/redis", dbfilename: "dump.rdb", configKnown: true, trustedDirs: 1 };
  it("joins dir and dbfilename for a loopback node", () => assert.deepEqual(rdbSourcePath(base), { path: "/var/lib/redis/dump.rdb" }));
  it("refuses remote nodes, unknown or odd paths, and no configured dirs", () => {
    for (const o of [{ host: "10.0.0.5" }, { trustedDirs: 0 }, { configKnown: false }, { dir: "relative" }, { dbfilename: "../x.rdb" }, { dir: "/a\0b" }]) {
      assert.ok("unusable" in rdbSourcePath({ ...base, ...o }), JSON.stringify(o));
    }
  });
});

const HOUR = 3600_000;
const sched = (o: Partial<BackupSchedule>): BackupSchedule => ({
  id: "0123456789abcdef", topology: "main", everyHours: null, dailyAt: null, prefer: "replica", keepLast: null, keepDays: null,
  enabled: true, createdAt: Date.UTC(2026, 10, 30, 1, 0), lastRunAt: null, nextRunAt: null, lastBackupId: null, ...o,
});

describe("schedule next run", () => {
  it("every N hours: at creation first, then N hours after the last run", () => {
    const s = sched({ everyHours: 6 });
    assert.equal(nextRunAt(s, s.createdAt), s.createdAt);
    assert.equal(nextRunAt({ ...s, lastRunAt: s.createdAt }, s.createdAt), s.createdAt + 6 * HOUR);
  });
  it("every N hours after an outage: the next slot after now, not a burst", () => {
    const last = Date.UTC(2026, 10, 30, 0, 0);
    const now = last + 20 * HOUR + 5;
    assert.equal(nextRunAt(sched({ everyHours: 6, lastRunAt: last }), now), last + 24 * HOUR);
  });
  it("daily at HH:MM UTC: today if still ahead, else tomorrow", () => {
    const s = sched({ dailyAt: "03:30" });
    assert.equal(nextRunAt(s, Date.UTC(2026, 10, 30, 2, 0)), Date.UTC(2026, 10, 30, 3, 30));
    assert.equal(nextRunAt(s, Date.UTC(2026, 10, 30, 3, 30)), Date.UTC(2026, 11, 1, 3, 30));
    assert.equal(nextRunAt(s, Date.UTC(2026, 11, 31, 23, 59)), Date.UTC(2027, 0, 1, 3, 30));
  });
  it("due: enabled schedules whose time has come, earliest first", () => {
    const now = Date.UTC(2026, 10, 30, 5);
    const due = dueSchedules([sched({ id: "a", nextRunAt: now }), sched({ id: "b", nextRunAt: now - 10 }), sched({ id: "c", nextRunAt: now + 1 }), sched({ id: "d", nextRunAt: now - 5, enabled: false })], now);
    assert.deepEqual(due.map((s) => s.id), ["b", "a"]);
  });
});

describe("retention", () => {
  const now = Date.UTC(2026, 10, 30, 12);
  type Check = "ok" | "failed" | "skipped" | null;
  const b = (id: string, hoursAgo: number, status: "done" | "failed" | "running" = "done", checkStatus: Check = "ok", verifyStatus: string | null = null) => ({
    id,
    status,
    startedAt: now - hoursAgo * HOUR,
    checkStatus: status === "done" ? checkStatus : null,
    verifyStatus,
  });
  const all = [b("b1", 1), b("b2", 2, "failed"), b("b3", 3), b("b4", 30), b("b5", 50, "running"), b("b6", 80)];

  it("keepLast K keeps the newest K good backups and newer failures", () => {
    assert.deepEqual(retentionVictims(all, { keepLast: 2, keepDays: null }, now).sort(), ["b4", "b6"]);
  });
  it("keepDays D keeps what started in the last D days", () => {
    assert.deepEqual(retentionVictims(all, { keepLast: null, keepDays: 1 }, now).sort(), ["b4", "b6"]);
    assert.deepEqual(retentionVictims(all, { keepLast: null, keepDays: 2 }, now), ["b6"]);
  });
  it("both rules: whatever either keeps stays", () => {
    assert.deepEqual(retentionVictims(all, { keepLast: 1, keepDays: 2 }, now), ["b6"]);
  });
  it("never a running backup, and nothing without a rule", () => {
    assert.ok(!retentionVictims(all, { keepLast: 1, keepDays: null }, now).includes("b5"));
    assert.deepEqual(retentionVictims(all, { keepLast: null, keepDays: null }, now), []);
  });
  it("a done backup whose check failed does not count toward keepLast: the last good one stays", () => {
    const bad = [b("c1", 1, "done", "failed"), b("c2", 2, "done", "failed"), b("c3", 3, "done", "ok"), b("c4", 4, "done", "ok")];
    // keepLast 2 with corrupt c1, c2 newest: the good ones c3, c4 are the two kept, c1/c2 are newer history.
    assert.deepEqual(retentionVictims(bad, { keepLast: 2, keepDays: null }, now), []);
    assert.deepEqual(retentionVictims(bad, { keepLast: 1, keepDays: null }, now), ["c4"]);
    // A drill that failed makes a backup not good either.
    const drilled = [b("d1", 1, "done", "ok", "failed"), b("d2", 2, "done", "ok", "ok"), b("d3", 3)];
    assert.deepEqual(retentionVictims(drilled, { keepLast: 1, keepDays: null }, now), ["d3"]);
  });
  it("keepDays never deletes the newest good backup, nor the newest one whose check passed", () => {
    const old = [b("e1", 30, "done", "failed"), b("e2", 40, "done", "skipped"), b("e3", 50, "done", "ok"), b("e4", 60, "done", "ok"), b("e5", 70, "failed")];
    assert.deepEqual(retentionVictims(old, { keepLast: null, keepDays: 1 }, now), ["e1", "e4", "e5"]);
  });
});
