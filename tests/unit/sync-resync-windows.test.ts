import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { MasterLink } from "../../lib/redis/client-list";
import { ResyncWindows, windowBetween, type Answer } from "../../lib/monitor/resync-windows";

const LINK: MasterLink = { id: 7, laddr: "127.0.0.1:51000", ageSeconds: 30 };
const KEPT: MasterLink = { ...LINK, laddr: "127.0.0.1:51002" };
const NEW: MasterLink = { id: 9, laddr: "127.0.0.1:51004", ageSeconds: 0 };

const replica = (at: number, link: MasterLink | null | undefined, over: Partial<Answer> = {}): Answer => ({ sentAt: at - 2, at, role: "replica", runId: "r", replid: "a", online: true, link, ...over });
const master = (at: number, replid = "a", over: Partial<Answer> = {}): Answer => ({ sentAt: at - 2, at, role: "master", runId: "m", replid, online: false, link: undefined, ...over });

describe("windowBetween: two answers prove no resync, or leave a window", () => {
  test("the very same master link: no resync", () => {
    assert.equal(windowBetween(replica(100, LINK), replica(200, LINK)), null);
  });

  test("the same master client on a new connection: a window with partial resyncs only", () => {
    assert.deepEqual(windowBetween(replica(100, LINK), replica(200, KEPT)), { from: 98, to: 200, partialOnly: true });
  });

  test("a new master client, an unknown link, a link down, a restart: a window of any kind", () => {
    for (const b of [replica(200, NEW), replica(200, undefined), replica(200, null, { online: false }), replica(200, LINK, { runId: "other" })]) {
      assert.deepEqual(windowBetween(replica(100, LINK), b), { from: 98, to: 200, partialOnly: false }, JSON.stringify(b));
    }
  });

  test("a master with the same replication ID: no resync; a new ID (it was a replica meanwhile) or a role change: a window", () => {
    assert.equal(windowBetween(master(100), master(200)), null);
    assert.deepEqual(windowBetween(master(100), master(200, "b")), { from: 98, to: 200, partialOnly: false });
    assert.deepEqual(windowBetween(replica(100, LINK), master(200)), { from: 98, to: 200, partialOnly: false });
    assert.deepEqual(windowBetween(master(100), replica(200, LINK)), { from: 98, to: 200, partialOnly: false });
  });
});

describe("ResyncWindows: who may own a count", () => {
  test("first sight leaves everything before it open; a node with a window over the count is a candidate", () => {
    const w = new ResyncWindows();
    w.answer("m", master(100));
    w.answer("a", replica(100, LINK));
    w.answer("b", replica(100, NEW));
    assert.deepEqual(w.candidates("m", 50, 60), ["a", "b"], "never seen before 100");
    w.answer("m", master(200));
    w.answer("a", replica(200, KEPT));
    w.answer("b", replica(200, NEW));
    assert.deepEqual(w.candidates("m", 150, 200), ["a"], "b kept its link, the master is no candidate of its own count");
    assert.deepEqual(w.candidates("m", 150, 200, "full"), [], "a kept its master client: partial only");
    assert.deepEqual(w.candidates("m", 200, 300), []);
  });

  test("settled once every answering node other than the master was read after the count; nodes not answering are not waited for", () => {
    const w = new ResyncWindows();
    w.answer("m", master(100));
    w.answer("a", replica(100, LINK));
    w.answer("b", replica(100, LINK));
    assert.equal(w.settled("m", 150), false);
    assert.deepEqual(w.unread("m", 150), ["a", "b"]);
    w.answer("a", replica(200, LINK));
    w.down("b");
    assert.equal(w.settled("m", 150), true);
    assert.equal(w.lastSent("a"), 198);
    // back on the same link after an outage: still no resync in between
    w.answer("b", replica(900, LINK));
    assert.deepEqual(w.candidates("m", 150, 800), []);
  });

  test("old windows are let go; forget drops a node", () => {
    const w = new ResyncWindows();
    // a new connection every second for 40 s
    for (let at = 1000; at <= 40_000; at += 1000) w.answer("a", replica(at, { ...LINK, laddr: `127.0.0.1:${at}` }));
    assert.deepEqual(w.candidates("m", 50, 60), [], "the first-sight window is older than the 30 s kept");
    assert.deepEqual(w.candidates("m", 5000, 5010), [], "so is this one");
    assert.deepEqual(w.candidates("m", 39_500, 39_510), ["a"]);
    w.forget("a");
    assert.deepEqual(w.candidates("m", 39_500, 39_510), []);
  });
});
