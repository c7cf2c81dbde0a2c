import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { parseMasterLink, sameLink } from "../../lib/redis/client-list";
import { SyncLedger } from "../../lib/monitor/resync-ledger";
import { applyPoll, initialState } from "../../lib/monitor/reduce";
import { parseInfo, parseReplication } from "../../lib/redis/info";
import { raw } from "../support/info-fixtures";

const client = (name: string): string => readFileSync(path.join(__dirname, "..", "fixtures", "redis-7.0.15", "client", name), "utf8");

describe("parseMasterLink: CLIENT LIST TYPE master on a replica (captured from redis 7.0.15)", () => {
  test("the master client's id, local address and age", () => {
    assert.deepEqual(parseMasterLink(client("replica-master-link.txt")), { id: 18, laddr: "127.0.0.1:46498", ageSeconds: 106 });
  });

  test("after CLIENT KILL TYPE master and a partial resync: same client (id, age), new connection (laddr)", () => {
    const before = parseMasterLink(client("replica-master-link.txt"))!;
    const after = parseMasterLink(client("replica-master-link-after-partial.txt"))!;
    assert.equal(after.id, before.id);
    assert.equal(after.ageSeconds, before.ageSeconds);
    assert.notEqual(after.laddr, before.laddr);
    assert.equal(sameLink(before, after), false);
    assert.equal(sameLink(before, { ...before }), true);
  });

  test("no master client (link down, or a master): null; junk is not a link", () => {
    assert.equal(parseMasterLink(""), null);
    assert.equal(parseMasterLink("id=abc addr=x"), null);
    assert.equal(parseMasterLink("ERR unknown"), null);
  });

  test("only the first line counts, and fields are read by name, not position", () => {
    const two = client("master-replica-links.txt");
    assert.equal(two.trim().split("\n").length, 2);
    assert.deepEqual(parseMasterLink(two), { id: 12, laddr: "127.0.0.1:27001", ageSeconds: 108 });
    assert.deepEqual(parseMasterLink("age=3 laddr=10.0.0.1:5 id=7"), { id: 7, laddr: "10.0.0.1:5", ageSeconds: 3 });
    // a name can't hold spaces, but a field named like another must not be mistaken for it
    assert.deepEqual(parseMasterLink("id=9 name=laddr=evil laddr=1.2.3.4:5 age=1"), { id: 9, laddr: "1.2.3.4:5", ageSeconds: 1 });
    assert.equal(parseMasterLink(`id=1 laddr=${"x".repeat(200)}`)?.laddr, null);
  });
});

describe("SyncLedger: the masters' counters as steps in time", () => {
  const c = (full: number, partialOk: number, partialErr = 0) => ({ full, partialOk, partialErr });

  test("a step is dated (previous sample sent, this reply]; no step for no change or a reset", () => {
    const l = new SyncLedger();
    l.record("m", { sentAt: 98, at: 100, counters: c(2, 0) });
    l.record("m", { sentAt: 198, at: 200, counters: c(2, 0) });
    assert.deepEqual(l.pending(), []);
    l.record("m", { sentAt: 298, at: 300, counters: c(3, 2, 1) });
    assert.deepEqual(l.pending(), [{ master: "m", from: 198, to: 300, full: 1, partial: 2, refused: 1 }]);
    // restart: counters back to 0 is a new baseline, not negative resyncs
    l.record("m", { sentAt: 398, at: 400, counters: c(0, 0) });
    l.record("m", { sentAt: 498, at: 500, counters: c(0, 1) });
    assert.equal(l.pending().length, 2);
    assert.deepEqual(l.lastSample("m"), { counters: c(0, 1), sentAt: 498, at: 500 });
  });

  test("overlapping: only steps whose time meets the window, oldest first", () => {
    const l = new SyncLedger();
    l.record("m", { sentAt: 0, at: 10, counters: c(0, 0) });
    l.record("m", { sentAt: 100, at: 110, counters: c(0, 1) });
    l.record("m", { sentAt: 200, at: 210, counters: c(0, 2) });
    l.record("n", { sentAt: 0, at: 10, counters: c(0, 0) });
    l.record("n", { sentAt: 150, at: 160, counters: c(1, 0) });
    assert.deepEqual(l.overlapping(["m", "n"], 120, 170).map((s) => [s.master, s.from, s.to]), [["n", 0, 160], ["m", 100, 210]]);
    assert.deepEqual(l.overlapping(["m"], 210, 300), []);
  });

  test("takeAll: every unit its evidence allows; another kind stays for someone else", () => {
    const l = new SyncLedger();
    l.record("m", { sentAt: 0, at: 10, counters: c(0, 0) });
    l.record("m", { sentAt: 100, at: 110, counters: c(1, 2, 1) });
    const [step] = l.pending();
    const units = l.takeAll(step!, { only: "partial", prefer: null });
    assert.deepEqual(units.map((u) => u.kind), ["partial", "partial"]);
    assert.deepEqual(l.pending().map((s) => [s.full, s.partial]), [[1, 0]]);
    const [full] = l.takeAll(l.pending()[0]!, { only: null, prefer: null });
    assert.deepEqual(full, { master: "m", kind: "full", refused: true, from: 0, to: 110 });
    assert.deepEqual(l.pending(), []);
  });

  test("pick: the kind the evidence names, else the only kind left, else the preferred, else the commoner", () => {
    const l = new SyncLedger();
    l.record("m", { sentAt: 0, at: 10, counters: c(0, 0) });
    l.record("m", { sentAt: 100, at: 110, counters: c(1, 2) });
    const step = l.pending()[0]!;
    assert.equal(l.pick(step, { only: "full", prefer: null }), "full");
    assert.equal(l.pick(step, { only: null, prefer: "full" }), "full");
    assert.equal(l.pick(step, { only: null, prefer: null }), "partial", "two partial, one full");
    l.take(step, "full");
    assert.equal(l.pick(step, { only: "full", prefer: null }), null, "no full left: the evidence fits nothing here");
    assert.equal(l.pick(step, { only: null, prefer: "full" }), "partial", "only partial left");
    l.take(step, "partial");
    l.take(step, "partial");
    assert.deepEqual(l.pending(), [], "a step with nothing left is dropped");
  });
});

describe("applyPoll: the link and counters read in a poll stay with its sample", () => {
  test("a replica's master link and sync counters, with the send and reply times", () => {
    const repl = parseReplication(parseInfo(raw("replica.txt")).replication ?? {});
    const link = parseMasterLink(client("replica-master-link.txt"));
    const counters = { full: 1, partialOk: 0, partialErr: 0 };
    const s1 = applyPoll(initialState("r", "127.0.0.1", 1), { ok: true, at: 1000, sentAt: 990, latencyMs: 10, repl, counters, masterLink: link });
    assert.deepEqual(s1.samples.at(-1), { sentAt: 990, at: 1000, repl, counters, link });
    // not asked (CLIENT refused): no link key at all, which is not "no link" (null)
    const s2 = applyPoll(s1, { ok: true, at: 1100, latencyMs: 5, repl });
    assert.equal("link" in s2.samples.at(-1)!, false);
    assert.equal(s2.samples.at(-1)!.sentAt, 1095);
    const s3 = applyPoll(s2, { ok: true, at: 1200, latencyMs: 5, repl, masterLink: null });
    assert.equal(s3.samples.at(-1)!.link, null);
  });
});
