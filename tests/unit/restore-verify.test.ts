// The pure core of restore drills: what the sandbox's INFO says after loading an RDB (captured from
// a real 7.0.15 sandbox), the checks that turn facts into differences, and the operator's line.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseInfo } from "../../lib/redis/info";
import { emptyTally, outcome, positionFromRdb, parseCheckRdb, parseRdbLoad, tallyKey, verifyLogical, verifyRdb, MAX_LISTED_DIFFERENCES, type RdbLoadFacts } from "../../lib/backup/verify";
import { checkOne } from "../../lib/backup/restore-logical";
import { loadFailureFromFile, redisReason } from "../../lib/backup/sandbox";
import type { KeyFingerprint } from "../../lib/redis/fingerprint";

// INFO of a 7.0.15 sandbox started on an RDB saved by a master with a backlog (trimmed to the fields used).
const LOADED = [
  "# Persistence", "loading:0", "async_loading:0", "rdb_last_load_keys_expired:1", "rdb_last_load_keys_loaded:2",
  "# Stats", "expired_keys:0",
  "# Replication", "role:master", "master_replid:44457603947998481faa806ded4e34db01d9fe42", "master_replid2:6f9eddfb2025156c4efc9c4945be278ae7c9ba70",
  "master_repl_offset:50", "second_repl_offset:51",
].join("\r\n");
// The same without repl-id aux fields (a master without replicas saved it).
const NO_POSITION = LOADED.replace("master_replid2:6f9eddfb2025156c4efc9c4945be278ae7c9ba70", "master_replid2:0000000000000000000000000000000000000000").replace("second_repl_offset:51", "second_repl_offset:-1");

const CHECK_RDB = `[offset 0] Checking RDB file dump.rdb
[offset 151] AUX FIELD repl-offset = '50'
[offset 127] Checksum OK
[offset 127] \\o/ RDB looks OK! \\o/
[info] 3 keys read
[info] 2 expires
[info] 1 already expired
`;

test("parseRdbLoad reads the loader's counts and the restored replication position", () => {
  const f = parseRdbLoad(parseInfo(LOADED));
  assert.deepEqual(f, { loading: false, keysLoaded: 2, keysExpiredAtLoad: 1, restoredReplid: "6f9eddfb2025156c4efc9c4945be278ae7c9ba70", restoredOffset: 50, expiredSinceLoad: 0 });
  const none = parseRdbLoad(parseInfo(NO_POSITION));
  assert.equal(none.restoredReplid, null);
  assert.equal(none.restoredOffset, null);
});

test("parseCheckRdb reads redis-check-rdb's summary", () => {
  assert.deepEqual(parseCheckRdb(CHECK_RDB), { keysRead: 3, expires: 2, alreadyExpired: 1 });
  assert.equal(parseCheckRdb("--- RDB ERROR DETECTED ---"), null);
});

const load = (o: Partial<RdbLoadFacts> = {}): RdbLoadFacts => ({ ...parseRdbLoad(parseInfo(LOADED)), ...o });
const counts = (total: number) => ({ byType: { string: total }, total, vanished: 0 });

test("verifyRdb: a clean load verifies; every mismatch is one difference", () => {
  const ok = verifyRdb({ load: load(), counts: counts(2), fileSha256: "ab".repeat(32), backup: { replid: "6f9eddfb2025156c4efc9c4945be278ae7c9ba70", sha256: "ab".repeat(32) }, checkRdb: parseCheckRdb(CHECK_RDB) });
  assert.deepEqual(ok.differences, []);
  assert.ok(ok.notes.some((n) => n.includes("6f9eddfb2025156c4efc9c4945be278ae7c9ba70:50")));
  // A key expired in the sandbox during the count is accounted for, not a difference.
  assert.deepEqual(verifyRdb({ load: load({ expiredSinceLoad: 1 }), counts: counts(1), fileSha256: "x", backup: {}, checkRdb: null }).differences, []);
  const bad = verifyRdb({ load: load(), counts: counts(1), fileSha256: "cd".repeat(32), backup: { replid: "f".repeat(40), sha256: "ab".repeat(32) }, checkRdb: { keysRead: 4, expires: 0, alreadyExpired: 0 } });
  assert.deepEqual(bad.differences.map((d) => d.kind), ["sha256", "count", "count", "replication"]);
  assert.match(bad.differences[1]?.detail ?? "", /Redis loaded 2 keys; SCAN found 1 and 0 expired since \(-1\)/);
});

test("verifyRdb: the catalogue's approximate offset and key count are notes, not differences", () => {
  const v = verifyRdb({ load: load(), counts: counts(2), fileSha256: "x", backup: { replid: "6f9eddfb2025156c4efc9c4945be278ae7c9ba70", offset: 64, keys: 3 }, checkRdb: null });
  assert.deepEqual(v.differences, []);
  assert.ok(v.notes.some((n) => /recorded offset 64; the RDB's own \(fork-time\) offset is 50/.test(n)));
  assert.ok(v.notes.some((n) => /about 3 keys/.test(n)));
  assert.ok(v.notes.some((n) => /redis-check-rdb was not run/.test(n)));
});

const fp = (o: Partial<KeyFingerprint> = {}): KeyFingerprint => ({ type: "hash", length: 2, digest: "d1", expireAtMs: -1, ...o });

test("checkOne: file entry against the sandbox key", () => {
  const now = 1_000_000;
  const p = { type: "hash", expireAt: -1, payload: Buffer.from("x") };
  assert.deepEqual(checkOne(p, fp(), fp(), now), { kind: "same" });
  assert.equal(checkOne(p, null, fp(), now).kind, "missing");
  assert.deepEqual(checkOne({ ...p, expireAt: now - 1 }, null, fp(), now), { kind: "expired" });
  assert.equal(checkOne({ ...p, expireAt: now + 5000 }, null, fp(), now).kind, "missing");
  assert.equal(checkOne(p, fp({ type: "set" }), fp(), now).kind, "type");
  assert.equal(checkOne(p, fp({ expireAtMs: 5 }), fp(), now).kind, "ttl");
  const v = checkOne(p, fp({ digest: "d2" }), fp(), now);
  assert.deepEqual(v, { kind: "value", detail: "same length (2), different content" });
  assert.deepEqual(checkOne(p, fp({ length: 3 }), fp(), now), { kind: "value", detail: "length 2 in the file, 3 in the sandbox" });
  // Over the read limits on either side, or written in parts: compared by type and expiry only.
  assert.deepEqual(checkOne(p, fp({ digest: null }), fp({ digest: null }), now), { kind: "unverified" });
  assert.deepEqual(checkOne({ ...p, payload: null }, fp(), null, now), { kind: "unverified" });
});

test("logical tally: exact counts, a bounded list, extra keys found by the SCAN total", () => {
  const t = emptyTally();
  for (let i = 0; i < 3; i++) tallyKey(t, "string", `k${i}`, { kind: "same" });
  tallyKey(t, "hash", "gone", { kind: "expired" });
  assert.deepEqual(verifyLogical(t, { byType: { string: 3 }, total: 3, vanished: 0 }).differences, []);
  const v = verifyLogical(t, { byType: { string: 4 }, total: 4, vanished: 0 });
  assert.equal(v.total, 1);
  assert.equal(v.differences[0]?.kind, "extra");
  const many = emptyTally();
  for (let i = 0; i < MAX_LISTED_DIFFERENCES + 50; i++) tallyKey(many, "set", `m${i}`, { kind: "missing", detail: "absent" });
  const m = verifyLogical(many, { byType: {}, total: 0, vanished: 0 });
  assert.equal(m.total, MAX_LISTED_DIFFERENCES + 50);
  assert.equal(m.differences.length, MAX_LISTED_DIFFERENCES);
  assert.equal(many.missing, MAX_LISTED_DIFFERENCES + 50);
});

test("outcome: the operator's line", () => {
  assert.deepEqual(outcome(12345, 0, 3.21), { status: "verified", keys: 12345, differences: 0, seconds: 3.21, line: "backup verified: 12,345 keys, 0 differences, restored in 3.2 s" });
  assert.equal(outcome(10, 1, 42).line, "backup restored with 1 difference: 10 keys, restored in 42 s");
  assert.equal(outcome(10, 3, 1).status, "differences");
});

test("a drill with unchecked parts is 'partial', never 'verified', and its line says what was not checked", () => {
  // RDB: neither redis-check-rdb nor a recorded sha256 gives a count independent of the loader.
  const alone = verifyRdb({ load: load(), counts: counts(2), fileSha256: "x", backup: {}, checkRdb: null });
  assert.deepEqual(alone.differences, []);
  assert.equal(alone.unchecked?.length, 1);
  assert.equal(outcome(2, 0, 1, alone.unchecked).status, "partial");
  assert.match(outcome(2, 0, 1, alone.unchecked).line, /^backup partly verified: 2 keys, 0 differences, .*no independent key count/);
  // A recorded sha256 or redis-check-rdb is enough.
  assert.deepEqual(verifyRdb({ load: load(), counts: counts(2), fileSha256: "x", backup: { sha256: "x" }, checkRdb: null }).unchecked, []);
  assert.deepEqual(verifyRdb({ load: load(), counts: counts(2), fileSha256: "x", backup: {}, checkRdb: parseCheckRdb(CHECK_RDB) }).unchecked, []);
  // Logical: keys over the read limits or written in parts.
  const t = emptyTally();
  tallyKey(t, "string", "a", { kind: "same" });
  tallyKey(t, "hash", "big", { kind: "unverified" });
  const v = verifyLogical(t, { byType: { string: 1, hash: 1 }, total: 2, vanished: 0 });
  const o = outcome(2, v.total ?? 0, 1, v.unchecked);
  assert.equal(o.status, "partial");
  assert.match(o.line, /\(1 key checked by type and expiry only\)$/);
  // Differences win over "partial".
  assert.equal(outcome(2, 1, 1, v.unchecked).status, "differences");
});

test("an offset mismatch is a difference when the catalogue read the offset from the RDB itself", () => {
  const v = verifyRdb({ load: load(), counts: counts(2), fileSha256: "x", backup: { replid: "6f9eddfb2025156c4efc9c4945be278ae7c9ba70", offset: 64, offsetFromRdb: true, sha256: "x" }, checkRdb: null });
  assert.deepEqual(v.differences.map((d) => d.kind), ["replication"]);
  assert.match(v.differences[0]?.detail ?? "", /recorded offset 64 from the RDB's aux fields; the restored RDB carries 50/);
  assert.equal(positionFromRdb({ position: { source: "rdb-aux", replid: "r", offset: 1 } }), true);
  assert.equal(positionFromRdb({ position: { source: "info-range" } }), false);
  assert.equal(positionFromRdb(null), false);
});

test("a load failure blames the file only when redis-server stopped on its own over the file's content", () => {
  assert.equal(loadFailureFromFile("Wrong RDB checksum expected: (abc) got (def). Aborting now.", true), true);
  // Redis says this for a truncated file.
  assert.equal(loadFailureFromFile("Short read or OOM loading DB. Unrecoverable error, aborting now. — Unexpected EOF reading RDB file", true), true);
  assert.equal(loadFailureFromFile("Out Of Memory allocating 1048576 bytes!", true), false);
  assert.equal(loadFailureFromFile("Can't handle RDB format version 11", true), false);
  assert.equal(loadFailureFromFile("The RDB file contains AUX module data I can't load: no matching module 'x'", true), false);
  assert.equal(loadFailureFromFile("Wrong RDB checksum", false), false);
});

test("redisReason keeps Redis's own error lines from a sandbox log, not the generic warnings", () => {
  const log = [
    "9343:M 30 Nov 2026 02:02:58.608 # Server initialized",
    "9343:M 30 Nov 2026 02:02:58.608 # WARNING Memory overcommit must be enabled!",
    "9343:M 30 Nov 2026 02:02:58.609 * Loading RDB produced by version 7.0.15",
    "9343:M 30 Nov 2026 02:02:58.610 # Wrong RDB checksum expected: (a) got (b). Aborting now.",
    "9343:M 30 Nov 2026 02:02:58.610 # Internal error in RDB reading offset 0, function at rdb.c:3207 -> RDB CRC error",
  ].join("\n");
  assert.equal(redisReason(log), "Wrong RDB checksum expected: (a) got (b). Aborting now. — Internal error in RDB reading offset 0, function at rdb.c:3207 -> RDB CRC error");
  assert.equal(redisReason("1:M x * Ready to accept connections"), null);
});
