import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { MasterLink } from "../../lib/redis/client-list";
import { ResyncWindows, windowBetween, type Answer } from "../../lib/monitor/resync-windows";
import { CountClaims } from "../../lib/monitor/resync-claims";
import { episode } from "../../lib/monitor/resync-episode";

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

describe("CountClaims: which node made each counted resync", () => {
  const c = (partialOk: number, full = 0) => ({ full, partialOk, partialErr: 0 });
  const noHint = () => ({ only: null, prefer: null });

  /** Master m counted one partial in (98, 140] and one in (138, 180]; a and b read at 50 and 100 on the same links. */
  function twoSteps(): CountClaims {
    const k = new CountClaims();
    for (const at of [50, 100]) {
      k.windows.answer("a", replica(at, LINK));
      k.windows.answer("b", replica(at, NEW));
    }
    for (const [at, n] of [[100, 0], [140, 1], [180, 2]] as const) {
      k.ledger.record("m", { sentAt: at - 2, at, counters: c(n) });
      k.windows.answer("m", master(at));
    }
    return k;
  }

  test("a sighting takes the earliest count that fits its window", () => {
    const k = twoSteps();
    const a = episode({ masters: ["m"], openedAt: 150, from: 98, before: null, known: true, sightings: [{ master: "m", from: 98, to: 150, sentAt: 148 }] });
    assert.deepEqual(k.sightings(a, noHint).map((u) => [u.from, u.to]), [[98, 140]]);
    const b = episode({ masters: ["m"], openedAt: 200, from: 148, before: null, known: true, sightings: [{ master: "m", from: 148, to: 200, sentAt: 198 }] });
    assert.deepEqual(k.sightings(b, noHint).map((u) => [u.from, u.to]), [[138, 180]], "the later count is still there for the later window");
  });

  test("the rest of a count goes to a node alone only once every other node was read after it and none can own it", () => {
    const k = twoSteps();
    const a = episode({ masters: ["m"], openedAt: 200, from: 98, before: null, known: true });
    k.windows.answer("a", replica(200, KEPT));
    assert.deepEqual(k.alone("a", a, 200, noHint), [], "b not read since");
    k.windows.answer("b", replica(200, NEW));
    assert.equal(k.alone("a", a, 200, noHint).length, 2, "b kept its link: both counts are a's");
  });

  test("leftovers: held while an episode may claim them or until settled (or waited), then given with their candidates", () => {
    const k = twoSteps();
    k.windows.answer("a", replica(200, KEPT));
    assert.deepEqual(k.leftovers(200, 3000, () => false, () => false), [], "b not read since");
    k.windows.answer("b", replica(200, { ...NEW, laddr: "127.0.0.1:9" }));
    assert.deepEqual(k.leftovers(200, 3000, () => true, () => false), [], "an open episode may still claim them");
    const out = k.leftovers(200, 3000, () => false, (node) => node === "b");
    assert.deepEqual(out.map((l) => [l.step.from, l.units.map((u) => u.kind), l.candidates]), [[98, ["partial"], ["a"]], [138, ["partial"], ["a"]]]);
    assert.deepEqual(k.ledger.pending(), [], "taken out of the ledger");
  });

  test("leftovers of a step never settled are given up on after the wait, with the candidates known then", () => {
    const k = twoSteps();
    assert.deepEqual(k.leftovers(3139, 3000, () => false, () => false), []);
    // neither a nor b was read since: either may have made them
    assert.deepEqual(k.leftovers(3180, 3000, () => false, () => false).map((l) => [l.step.to, l.candidates]), [[140, ["a", "b"]], [180, ["a", "b"]]]);
  });
});
