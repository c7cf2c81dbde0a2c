import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseInfo, parseReplication, type ReplicationInfo } from "../../lib/redis/info";
import { backlogCoverage, positionOf, predictPsync, REASON_TEXT, type ReplicaPosition } from "../../lib/monitor/sync";
import { raw, setField, setFields } from "../support/info-fixtures";


const repl = (text: string): ReplicationInfo => parseReplication(parseInfo(text).replication ?? {});

/** The replication ID master.txt, replica.txt and chained-replica.txt share. */
const REPLID = "23ab9a1324da2c40134c1ea1836e6e9d22f46b93";
/** promoted.txt's new ID (its replid2 is REPLID, valid up to second_repl_offset 1969). */
const PROMOTED_REPLID = "fc81436809707bad5eae22eedb7c0dff63879f2b";
const OTHER_REPLID = "e2713a04802a271ac189f08794134db93a6d9387";

const master = (): ReplicationInfo => repl(raw("master.txt"));
const promoted = (): ReplicationInfo => repl(raw("promoted.txt"));
const at = (offset: number, replid: string = REPLID): ReplicaPosition => ({ replid, offset });

describe("positionOf: what a replica will send in PSYNC", () => {
  test("a replica's position is its master_replid and slave_repl_offset", () => {
    assert.deepEqual(positionOf(repl(raw("replica.txt"))), { replid: REPLID, offset: 1968 });
    const moved = repl(setFields(raw("replica.txt"), { slave_repl_offset: "1500", master_repl_offset: "1968" }));
    assert.deepEqual(positionOf(moved), { replid: REPLID, offset: 1500 });
  });

  test("null when the node never answered", () => {
    assert.equal(positionOf(null), null);
  });
});

describe("predictPsync mirrors masterTryPartialResynchronization (Redis 7.0)", () => {
  test("the fixture replicas are inside their master's backlog: partial", () => {
    assert.deepEqual(predictPsync(positionOf(repl(raw("replica.txt"))), master()), { kind: "partial" });
    assert.deepEqual(predictPsync(positionOf(repl(raw("replica-2.txt"))), master()), { kind: "partial" });
    // the chained replica asks its own master (replica.txt), which keeps a backlog too
    assert.deepEqual(predictPsync(positionOf(repl(raw("chained-replica-link-down.txt"))), repl(raw("replica.txt"))), { kind: "partial" });
  });

  test("the backlog window is inclusive at both ends: [first_byte_offset, first_byte_offset + histlen]", () => {
    // master.txt: first byte 1, histlen 1968 → PSYNC offsets 1..1969, i.e. replica offsets 0..1968
    assert.deepEqual(predictPsync(at(0), master()), { kind: "partial" });
    assert.deepEqual(predictPsync(at(1968), master()), { kind: "partial" });
    assert.deepEqual(predictPsync(at(1969), master()), { kind: "full", reason: "lack-of-backlog" });
  });

  test("psync offset before the backlog start: full for lack of backlog", () => {
    // the master wrote on and its backlog now starts at 1001 (histlen 968, still ending at 1968)
    const m = repl(setFields(raw("master.txt"), { repl_backlog_first_byte_offset: "1001", repl_backlog_histlen: "968" }));
    assert.deepEqual(predictPsync(at(999), m), { kind: "full", reason: "lack-of-backlog" }); // asks for 1000
    assert.deepEqual(predictPsync(at(1000), m), { kind: "partial" }); // asks for 1001, the first byte held
    assert.deepEqual(predictPsync(at(1968), m), { kind: "partial" });
  });

  test("a different replication ID: full, replid-mismatch (before any offset check)", () => {
    assert.deepEqual(predictPsync(at(1968, OTHER_REPLID), master()), { kind: "full", reason: "replid-mismatch" });
    // even an offset the backlog would cover does not help
    assert.deepEqual(predictPsync(at(5, OTHER_REPLID), master()), { kind: "full", reason: "replid-mismatch" });
    // a replica whose INFO shows another history, against master.txt
    const other = repl(setField(raw("replica.txt"), "master_replid", OTHER_REPLID));
    assert.deepEqual(predictPsync(positionOf(other), master()), { kind: "full", reason: "replid-mismatch" });
  });

  test("the old ID of a promoted master (replid2) continues up to second_repl_offset", () => {
    const p = promoted();
    assert.equal(p.replid2, REPLID);
    assert.equal(p.secondReplOffset, 1969);
    // the replica of the old master at 1968 asks for 1969 == second_repl_offset: partial
    assert.deepEqual(predictPsync(at(1968), p), { kind: "partial" });
    // one byte further than the old history this master inherited
    assert.deepEqual(predictPsync(at(1969), p), { kind: "full", reason: "second-id-offset-ahead" });
    // and the new ID works the usual way
    assert.deepEqual(predictPsync(at(1968, PROMOTED_REPLID), p), { kind: "partial" });
    assert.deepEqual(predictPsync(at(1969, PROMOTED_REPLID), p), { kind: "full", reason: "lack-of-backlog" });
  });

  test("a replid2 match still needs the backlog to hold the bytes", () => {
    const p = repl(setFields(raw("promoted.txt"), { repl_backlog_first_byte_offset: "1500", repl_backlog_histlen: "469" }));
    assert.deepEqual(predictPsync(at(1000), p), { kind: "full", reason: "lack-of-backlog" }); // 1001 <= 1969 but < 1500
    assert.deepEqual(predictPsync(at(1499), p), { kind: "partial" });
  });

  test("an ID unknown to a promoted master (neither replid nor replid2) is a mismatch", () => {
    assert.deepEqual(predictPsync(at(10, OTHER_REPLID), promoted()), { kind: "full", reason: "replid-mismatch" });
  });

  test("no position, no replication ID or a negative offset: new replica", () => {
    assert.deepEqual(predictPsync(null, master()), { kind: "full", reason: "new-replica" });
    assert.deepEqual(predictPsync({ replid: null, offset: 1968 }, master()), { kind: "full", reason: "new-replica" });
    assert.deepEqual(predictPsync(at(-1), master()), { kind: "full", reason: "new-replica" });
  });

  test("an inactive backlog can serve nothing: lack of backlog", () => {
    const m = repl(setField(raw("master.txt"), "repl_backlog_active", "0"));
    assert.equal(m.backlog.active, false);
    assert.deepEqual(predictPsync(at(1968), m), { kind: "full", reason: "lack-of-backlog" });
  });

  test("every reason has operator text", () => {
    assert.match(REASON_TEXT["lack-of-backlog"], /backlog/);
    assert.match(REASON_TEXT["replid-mismatch"], /replication ID/);
    assert.match(REASON_TEXT["new-replica"], /new replica/);
    assert.match(REASON_TEXT["second-id-offset-ahead"], /second replication ID/);
  });
});

describe("backlogCoverage: how much more the master may write before a drop means FULL", () => {
  test("caught-up replica of master.txt: the whole backlog size is headroom", () => {
    const c = backlogCoverage(at(1968), master(), 1024);
    assert.deepEqual(c, { canPartial: true, headroomBytes: 1_048_576, headroomSeconds: 1024 });
  });

  test("headroom = replica offset + backlog size − master offset", () => {
    const m = repl(setFields(raw("master.txt"), { master_repl_offset: "501968", repl_backlog_histlen: "501968" }));
    const c = backlogCoverage(at(1968), m, 1000);
    assert.equal(c.canPartial, true);
    assert.equal(c.headroomBytes, 1_048_576 - 500_000);
    assert.equal(c.headroomSeconds, 548.576);
  });

  test("headroomSeconds is null when the master is not writing (rate 0 or unknown)", () => {
    assert.equal(backlogCoverage(at(1968), master(), 0).headroomSeconds, null);
    assert.equal(backlogCoverage(at(1968), master(), null).headroomSeconds, null);
    assert.equal(backlogCoverage(at(1968), master(), 0).headroomBytes, 1_048_576);
  });

  test("no headroom when a partial resync is already impossible", () => {
    const mismatch = backlogCoverage(at(1968, OTHER_REPLID), master(), 1000);
    assert.deepEqual(mismatch, { canPartial: false, headroomBytes: 0, headroomSeconds: 0 });
    const outside = backlogCoverage(at(1969), master(), null);
    assert.deepEqual(outside, { canPartial: false, headroomBytes: 0, headroomSeconds: null });
  });

  test("never negative, even when the backlog holds more than repl_backlog_size", () => {
    // Redis 7.0 trims the backlog a whole block at a time, so histlen can exceed the size for a while
    const m = repl(
      setFields(raw("master.txt"), { master_repl_offset: "20000", repl_backlog_size: "16384", repl_backlog_histlen: "20000" }),
    );
    const c = backlogCoverage(at(100), m, 500);
    assert.equal(c.canPartial, true);
    assert.equal(c.headroomBytes, 0);
    assert.equal(c.headroomSeconds, 0);
  });

  test("a replica following a promoted master's old ID is covered like any other", () => {
    const c = backlogCoverage(at(1968), promoted(), null);
    assert.deepEqual(c, { canPartial: true, headroomBytes: 1_048_576, headroomSeconds: null });
  });
});
