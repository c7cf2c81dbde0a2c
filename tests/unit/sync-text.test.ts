import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { pollResultOf } from "../../lib/monitor/poll-result";
import { applyPoll, initialState, type PollResult } from "../../lib/monitor/reduce";
import { ResyncTracker, type ResyncOutcome } from "../../lib/monitor/resync-tracker";
import { coverageReading, lagReading, lastResyncReading, shortReason, syncReading } from "../../components/sync/sync-text";
import type { NodeState, NodeView } from "../../lib/monitor/types";
import { buildViews, type ResyncInfo } from "../../lib/monitor/view";
import { raw, setField, setFields } from "../support/info-fixtures";



const M = "127.0.0.1:45347"; // master.txt
const R = "127.0.0.1:45827"; // replica.txt
const C = "127.0.0.1:37639"; // chained-replica*.txt
const T0 = 1_795_564_572_000;

/** A poll of `text`; `linkState` as a replica's ROLE reply names it. */
const ok = (text: string, at: number, linkState?: string): Extract<PollResult, { ok: true }> =>
  pollResultOf({ info: text, at, latencyMs: 1, role: linkState === undefined ? undefined : ["slave", "127.0.0.1", 6379, linkState, -1] });
/** A replica polled just before and just after `at` (its master's poll), as the interleaved loops do. */
const around = (text: string, at: number): PollResult[] => [ok(text, at - 100), ok(text, at + 100)];
function state(id: string, polls: PollResult[]): NodeState {
  const i = id.lastIndexOf(":");
  return polls.reduce(applyPoll, initialState(id, id.slice(0, i), Number(id.slice(i + 1))));
}
function viewOf(id: string, states: NodeState[], resync?: ResyncInfo): NodeView {
  const v = buildViews(states, (a) => a, resync).find((x) => x.id === id);
  if (!v) throw new Error(`no view for ${id}`);
  return v;
}

/** replica.txt mid full sync, with the progress fields Redis 7.0 adds in REPL_STATE_TRANSFER. */
function syncing(total: number, read: number, lastIo: number): string {
  const t = setFields(raw("replica.txt"), { master_link_status: "down", master_sync_in_progress: "1" });
  const out = t.replace(
    "master_sync_in_progress:1\r\n",
    `master_sync_in_progress:1\r\nmaster_sync_total_bytes:${total}\r\nmaster_sync_read_bytes:${read}\r\n` +
      `master_sync_left_bytes:${total - read}\r\nmaster_sync_perc:0.00\r\nmaster_sync_last_io_seconds_ago:${lastIo}\r\n`,
  );
  assert.notEqual(out, t);
  return out;
}
/** master.txt with R's slave0 line replaced. */
const masterSeeing = (r: string, text = raw("master.txt")): string => setField(text, "slave0", `ip=127.0.0.1,port=45827,${r}`);
const replicaAt = (offset: number): string =>
  setFields(raw("replica.txt"), { slave_read_repl_offset: String(offset), slave_repl_offset: String(offset), master_repl_offset: String(offset) });
const masterAt = (offset: number): string =>
  setFields(raw("master.txt"), {
    master_repl_offset: String(offset),
    repl_backlog_first_byte_offset: String(Math.max(1, offset - 1_048_576 + 1)),
    repl_backlog_histlen: String(Math.min(offset, 1_048_576)),
  });

describe("syncReading: one line about a replica's sync state", () => {
  test("node not answering: when it was last seen, then the error", () => {
    const v = viewOf(R, [state(R, [ok(raw("replica.txt"), T0), { ok: false, at: T0 + 1000, error: "connect ECONNREFUSED 127.0.0.1:45827" }])]);
    assert.deepEqual(syncReading(v, T0 + 2000), {
      label: "not answering",
      tone: "bad",
      pct: null,
      detail: "last seen 2s ago · connect ECONNREFUSED 127.0.0.1:45827",
    });
    const never = viewOf(R, [state(R, [{ ok: false, at: T0, error: "connect ECONNREFUSED 127.0.0.1:45827" }])]);
    assert.deepEqual(syncReading(never, T0 + 2000).detail, "never answered · connect ECONNREFUSED 127.0.0.1:45827");
  });

  test("master not answering: the replica's 'link up' is not 'in sync'", () => {
    const m = state(M, [ok(raw("master.txt"), T0), { ok: false, at: T0 + 500, error: "not answering (no reply for 500 ms)", pending: true }]);
    const r = state(R, [...around(raw("replica.txt"), T0), { ...ok(raw("replica.txt"), T0 + 600), config: { logfile: null, dir: null, disklessSync: null, disklessSyncDelay: null, replTimeout: 60 } }]);
    const v = viewOf(R, [m, r]);
    assert.equal(v.masterAnswering, false);
    assert.deepEqual(syncReading(v, T0 + 700), {
      label: "master not answering",
      tone: "bad",
      pct: null,
      detail: "this replica still reports its link up (last I/O 1 s ago; it will drop the link after repl-timeout = 60 s)",
    });
    // without the replica's CONFIG the timeout is not invented
    const bare = viewOf(R, [m, state(R, around(raw("replica.txt"), T0))]);
    assert.equal(syncReading(bare, T0 + 700).detail, "this replica still reports its link up (last I/O 1 s ago)");
  });

  test("a master has no sync reading", () => {
    const v = viewOf(M, [state(M, [ok(raw("master.txt"), T0)])]);
    assert.deepEqual(syncReading(v, T0), { label: "—", tone: "muted", pct: null, detail: "" });
  });

  test("link down, with how long and the handshake state from ROLE", () => {
    // chained-replica-link-down.txt: master_link_down_since_seconds:2 → down since T0 - 2 s
    const v = viewOf(C, [state(C, [ok(raw("chained-replica-link-down.txt"), T0, "connect")])]);
    assert.deepEqual(syncReading(v, T0 + 63_000), { label: "link down 1m 5s", tone: "bad", pct: null, detail: "replica state: connect" });
    const noRole = viewOf(C, [state(C, [ok(raw("chained-replica-link-down.txt"), T0)])]);
    assert.deepEqual(syncReading(noRole, T0 + 3000), { label: "link down 5s", tone: "bad", pct: null, detail: "" });
  });

  test("full sync with a known size: percentage, bytes of total", () => {
    const v = viewOf(R, [state(R, [ok(syncing(4_194_304, 1_048_576, 0), T0)])]);
    assert.deepEqual(syncReading(v, T0), { label: "full sync 25%", tone: "busy", pct: 25, detail: "1.0 MB of 4.0 MB" });
    // rounds down: 66.67 % reads 66 %, never 100 % before the end
    const w = viewOf(R, [state(R, [ok(syncing(3_000_000, 1_999_999, 1), T0)])]);
    assert.equal(syncReading(w, T0).pct, 66);
    const almost = viewOf(R, [state(R, [ok(syncing(1000, 999, 1), T0)])]);
    assert.equal(syncReading(almost, T0).label, "full sync 99%");
  });

  test("stalled transfer (no data for more than 5 s) is a warning", () => {
    const v = viewOf(R, [state(R, [ok(syncing(4_194_304, 1_048_576, 8), T0)])]);
    assert.deepEqual(syncReading(v, T0), { label: "full sync 25%", tone: "warn", pct: 25, detail: "1.0 MB of 4.0 MB, no data for 8s" });
    const five = viewOf(R, [state(R, [ok(syncing(4_194_304, 1_048_576, 5), T0)])]);
    assert.equal(syncReading(five, T0).tone, "busy");
  });

  test("diskless sync (total 0): bytes received, no percentage", () => {
    const v = viewOf(R, [state(R, [ok(syncing(0, 524_288, 0), T0)])]);
    assert.deepEqual(syncReading(v, T0), {
      label: "full sync · 512 KB in",
      tone: "busy",
      pct: null,
      detail: "diskless sync: the master does not announce the size",
    });
    const stalled = viewOf(R, [state(R, [ok(syncing(0, 524_288, 9), T0)])]);
    assert.equal(syncReading(stalled, T0).tone, "warn");
  });

  test("waiting to start: no bulk header yet (total -1, nothing read)", () => {
    const v = viewOf(R, [state(R, [ok(syncing(-1, 0, 0), T0)])]);
    assert.deepEqual(syncReading(v, T0), {
      label: "full sync: waiting to start",
      tone: "busy",
      pct: null,
      detail: "the master is preparing its snapshot (BGSAVE or the diskless sync delay)",
    });
    // the master saying wait_bgsave is the more precise phase, even if a few bytes were counted
    const m = state(M, [ok(masterSeeing("state=wait_bgsave,offset=0,lag=0"), T0)]);
    const w = viewOf(R, [m, state(R, [ok(syncing(0, 10, 0), T0)])]);
    assert.equal(w.replicaState, "wait_bgsave");
    assert.deepEqual(syncReading(w, T0), {
      label: "full sync: waiting for the master's snapshot",
      tone: "busy",
      pct: null,
      detail: "the master is writing its snapshot (BGSAVE) or waiting out the diskless delay",
    });
  });

  test("wait_bgsave with a diskless master: counts down repl-diskless-sync-delay (+1 s of cron) from the poll that first showed it, an upper bound", () => {
    const diskless = { logfile: null, dir: null, disklessSync: true, disklessSyncDelay: 5 };
    // T0: the master does not list R yet; T0 + 1 s: R waits in wait_bgsave (it may have arrived right after T0)
    const m = state(M, [
      { ...ok(raw("master-one-replica-gone.txt"), T0), config: diskless },
      ok(setField(raw("master-one-replica-gone.txt"), "slave0", "ip=127.0.0.1,port=45827,state=wait_bgsave,offset=0,lag=0"), T0 + 1000),
    ]);
    const r = state(R, [ok(syncing(-1, 0, 0), T0 + 1000)]);
    const v = viewOf(R, [m, r]);
    assert.equal(v.replicaState, "wait_bgsave");
    const at = (now: number) => {
      const w = buildViews([m, r], (a) => a, undefined, undefined, now).find((x) => x.id === R);
      assert.ok(w);
      return syncReading(w, now).detail;
    };
    assert.equal(at(T0 + 2500), "diskless transfer starts in ≤ 5 s (repl-diskless-sync-delay)");
    assert.equal(at(T0 + 5000), "diskless transfer starts in ≤ 2 s (repl-diskless-sync-delay)");
    assert.equal(at(T0 + 7000), "diskless transfer due now");
    assert.equal(at(T0 + 9000), "diskless transfer due now");
  });

  test("everything received: loading the snapshot, 100 %", () => {
    const v = viewOf(R, [state(R, [ok(syncing(4_194_304, 4_194_304, 0), T0)])]);
    assert.deepEqual(syncReading(v, T0), { label: "full sync: loading the snapshot", tone: "busy", pct: 100, detail: "4.0 MB received; flushing old data and loading" });
  });

  test("in sync: the fixture replica of the fixture master", () => {
    const v = viewOf(R, [state(M, [ok(raw("master.txt"), T0)]), state(R, [ok(raw("replica.txt"), T0)])]);
    assert.equal(v.replicaState, "online");
    assert.deepEqual(syncReading(v, T0), { label: "in sync", tone: "ok", pct: null, detail: "" });
  });

  test("link up but the master has not marked the replica online yet", () => {
    const m = state(M, [ok(masterSeeing("state=send_bulk,offset=0,lag=0"), T0)]);
    const v = viewOf(R, [m, state(R, [ok(raw("replica.txt"), T0)])]);
    assert.deepEqual(syncReading(v, T0), { label: "finishing sync", tone: "busy", pct: null, detail: "the replica reports its link up; its master's last reading still says send_bulk" });
    // The master's line may be older than the replica's own answer: a replica that reports its
    // link up is never "waiting for the snapshot".
    const w = state(M, [ok(masterSeeing("state=wait_bgsave,offset=0,lag=0"), T0)]);
    assert.equal(syncReading(viewOf(R, [w, state(R, [ok(raw("replica.txt"), T0)])]), T0).label, "finishing sync");
  });
});

describe("coverageReading: would a drop now resync partially?", () => {
  test("partial OK for the headroom bytes, ≈ seconds at the master's write rate", () => {
    // the master wrote 10 KB in 1 s; the replica applied all of it
    const m = state(M, [ok(raw("master.txt"), T0), ok(masterAt(12_208), T0 + 1000)]);
    const v = viewOf(R, [m, state(R, around(replicaAt(12_208), T0 + 1000))]);
    assert.equal(v.canPartialResync, true);
    assert.equal(v.backlogHeadroomBytes, 1_048_576);
    assert.equal(v.backlogHeadroomSeconds, 102); // 1 MB at 10 KB/s
    assert.deepEqual(coverageReading(v), { label: "partial OK for 1.0 MB ≈ 1m 42s", tone: "ok" });
  });

  test("no write rate yet: bytes only", () => {
    const v = viewOf(R, [state(M, [ok(raw("master.txt"), T0)]), state(R, around(raw("replica.txt"), T0))]);
    assert.equal(v.backlogHeadroomSeconds, null);
    assert.deepEqual(coverageReading(v), { label: "partial OK for 1.0 MB", tone: "ok" });
  });

  test("warns when the lag exceeds half the backlog (at exactly half it does not)", () => {
    const over = state(M, [ok(masterSeeing("state=online,offset=60000,lag=1", masterAt(600_000)), T0)]);
    const v = viewOf(R, [over, state(R, around(replicaAt(60_000), T0))]);
    assert.equal(v.lagBytes, 540_000);
    assert.equal(v.ackLagBytes, 540_000);
    assert.equal(v.backlogHeadroomBytes, 60_000 + 1_048_576 - 600_000);
    assert.deepEqual(coverageReading(v), { label: "partial OK for 497 KB", tone: "warn" });

    const half = state(M, [ok(masterSeeing("state=online,offset=75712,lag=1", masterAt(600_000)), T0)]);
    const w = viewOf(R, [half, state(R, around(replicaAt(75_712), T0))]);
    assert.equal(w.lagBytes, 524_288);
    assert.deepEqual(coverageReading(w), { label: "partial OK for 512 KB", tone: "ok" });
    // a stricter share turns the same view into a warning
    assert.equal(coverageReading(w, 0.25).tone, "warn");
  });

  test("FULL needed: a connected replica the backlog no longer covers", () => {
    // the master is 2 MB ahead of what the replica applied; its backlog is 1 MB
    const m = state(M, [ok(masterSeeing("state=online,offset=1968,lag=3", masterAt(2_001_968)), T0)]);
    const v = viewOf(R, [m, state(R, around(raw("replica.txt"), T0))]);
    assert.equal(v.canPartialResync, false);
    assert.equal(v.backlogHeadroomBytes, 0);
    assert.deepEqual(coverageReading(v), { label: "a drop now means FULL resync", tone: "bad" });
  });

  test("nothing to say for masters, nor without a replica sample read before the master's", () => {
    const m = state(M, [ok(raw("master.txt"), T0)]);
    assert.deepEqual(coverageReading(viewOf(M, [m])), { label: "—", tone: "muted" });
    // read at the same moment as the master: the order is unknown, so no guess
    const v = viewOf(R, [m, state(R, [ok(raw("replica.txt"), T0)])]);
    assert.equal(v.canPartialResync, null);
    assert.deepEqual(coverageReading(v), { label: "—", tone: "muted" });
  });

  test("link down: the reconnect is still predicted, and counts down", () => {
    const down = setField(raw("replica.txt"), "master_link_status", "down");
    const m = state(M, [ok(masterAt(500_000), T0)]);
    const v = viewOf(R, [m, state(R, around(down, T0))]);
    assert.equal(v.canPartialResync, true);
    assert.equal(v.lagBytes, null, "no applied lag while the link is down");
    assert.equal(v.backlogHeadroomBytes, 1968 + 1_048_576 - 500_000);
    assert.deepEqual(coverageReading(v), { label: "partial still possible for 538 KB", tone: "ok" });
    // the master wrote past what its backlog holds for this replica
    const gone = viewOf(R, [state(M, [ok(masterAt(2_000_000), T0)]), state(R, around(down, T0))]);
    assert.equal(gone.canPartialResync, false);
    assert.deepEqual(coverageReading(gone), { label: "reconnect will be a FULL resync", tone: "bad" });
  });

  test("master not answering: coverage unknown, and says why", () => {
    const m = state(M, [ok(raw("master.txt"), T0), { ok: false, at: T0 + 500, error: "timeout" }]);
    const v = viewOf(R, [m, state(R, around(raw("replica.txt"), T0))]);
    assert.equal(v.canPartialResync, null);
    assert.deepEqual(coverageReading(v), { label: "unknown: master not answering", tone: "muted" });
  });
});

describe("lagReading: the applied lag as the headline, the ACK apart", () => {
  /** master.txt where R acked 1500 of 1968 bytes, 3 s ago. */
  const acking = (): string => masterSeeing("state=online,offset=1500,lag=3");

  test("applied lag with the ACK age and unacknowledged bytes as the detail", () => {
    const v = viewOf(R, [state(M, [ok(acking(), T0)]), state(R, around(raw("replica.txt"), T0))]);
    assert.deepEqual(lagReading(v), { label: "0 B", tone: "ok", detail: "last ACK 3 s ago, 468 B unacknowledged" });
    assert.deepEqual(lagReading(viewOf(M, [state(M, [ok(acking(), T0)])])), { label: "—", tone: "muted", detail: "" });
  });

  test("tone by applied bytes: over 16 KB warns, over 1 MB is bad", () => {
    const at = (replica: number, master: number) =>
      lagReading(viewOf(R, [state(M, [ok(masterSeeing(`state=online,offset=${replica},lag=0`, masterAt(master)), T0)]), state(R, around(replicaAt(replica), T0))]));
    assert.equal(at(100_000, 100_000 + 16 * 1024).tone, "ok");
    assert.equal(at(100_000, 100_000 + 16 * 1024 + 1).tone, "warn");
    assert.equal(at(100_000, 100_000 + 1024 * 1024 + 1).tone, "bad");
  });

  test("unknown while the link is down: a gap with its reason, never a number", () => {
    const down = setField(raw("replica.txt"), "master_link_status", "down");
    const v = viewOf(R, [state(M, [ok(acking(), T0)]), state(R, around(down, T0))]);
    assert.equal(v.lagBytes, null);
    assert.deepEqual(lagReading(v), { label: "unknown", tone: "muted", detail: "link down · last ACK 3 s ago, 468 B unacknowledged" });
  });

  test("a frozen replica: what its master sees is the reading", () => {
    const r = state(R, [...around(raw("replica.txt"), T0), { ok: false, at: T0 + 1000, error: "not answering (no reply for 500 ms)", pending: true }]);
    const v = viewOf(R, [state(M, [ok(acking(), T0 + 1200)]), r]);
    assert.deepEqual(lagReading(v), { label: "not acknowledging", tone: "bad", detail: "its master reports: last ACK 3 s ago, 468 B unacknowledged" });
  });
});

describe("lastResyncReading", () => {
  const outcome = (o: Partial<ResyncOutcome>): ResyncOutcome => ({
    replica: R,
    master: M,
    kind: "full",
    reason: "lack-of-backlog",
    source: "log",
    startedAt: T0 - 10_000,
    endedAt: T0,
    keysLoaded: null,
    ...o,
  });
  const info = (last: ResyncOutcome | undefined, inProgress = false): ResyncInfo => ({
    last: (id) => (id === R ? last : undefined),
    inProgress: (id) => id === R && inProgress,
  });
  const replicaView = (resync: ResyncInfo, polls: PollResult[] = [ok(raw("replica.txt"), T0)]): NodeView =>
    viewOf(R, [state(M, [ok(raw("master.txt"), T0)]), state(R, polls)], resync);

  test("none seen", () => {
    assert.deepEqual(lastResyncReading(replicaView(info(undefined)), T0), { label: "none seen", tone: "muted" });
  });

  test("a resync being followed right now", () => {
    const v = replicaView(info(outcome({}), true));
    assert.deepEqual(lastResyncReading(v, T0), { label: "resync in progress…", tone: "busy" });
    // link back up while the tracker still weighs its evidence: not "in sync" yet
    assert.deepEqual(syncReading(v, T0), { label: "back online, confirming FULL or PARTIAL…", tone: "busy", pct: null, detail: "" });
  });

  test("a down node is not 'in progress': its last outcome shows", () => {
    const v = replicaView(info(outcome({ kind: "partial", reason: null }), true), [
      ok(raw("replica.txt"), T0),
      { ok: false, at: T0 + 1000, error: "boom" },
    ]);
    assert.deepEqual(lastResyncReading(v, T0 + 5000), { label: "partial · 5s ago", tone: "ok" });
  });

  test("partial and FULL (with the short reason) and how long ago", () => {
    assert.deepEqual(lastResyncReading(replicaView(info(outcome({ kind: "partial", reason: null }))), T0 + 5000), {
      label: "partial · 5s ago",
      tone: "ok",
    });
    assert.deepEqual(lastResyncReading(replicaView(info(outcome({}))), T0 + 65_000), {
      label: "FULL · fell out of backlog · 1m 5s ago",
      tone: "warn",
    });
    // A new replica's first full sync is expected: said plainly, not in warning colours.
    assert.deepEqual(lastResyncReading(replicaView(info(outcome({ reason: "new-replica" }))), T0 + 3000), {
      label: "FULL · initial sync · 3s ago",
      tone: "muted",
    });
  });

  test("shortReason: short operator words, unknown codes pass through, nothing for null", () => {
    assert.equal(shortReason("replid-mismatch"), "replication ID changed");
    assert.equal(shortReason("second-id-offset-ahead"), "2nd-ID offset ran ahead");
    assert.equal(shortReason("unknown"), "reason unknown");
    assert.equal(shortReason("something-new"), "something-new");
    assert.equal(shortReason(null), "");
  });

  test("end to end: a link drop followed by the tracker reads as 'partial · … ago'", () => {
    const states = new Map<string, NodeState>();
    const tracker = new ResyncTracker((id) => states.get(id));
    const resync: ResyncInfo = { last: (id) => tracker.lastOutcome(id), inProgress: (id) => tracker.inProgress(id) };
    const poll = (id: string, r: PollResult): number => {
      const i = id.lastIndexOf(":");
      const prev = states.get(id) ?? initialState(id, id.slice(0, i), Number(id.slice(i + 1)));
      const next = applyPoll(prev, r);
      states.set(id, next);
      return tracker.observe(prev, next, r.at).length;
    };
    poll(M, ok(raw("master.txt"), T0));
    poll(R, ok(raw("replica.txt"), T0));
    poll(R, ok(setField(raw("replica.txt"), "master_link_status", "down"), T0 + 1000));
    const during = viewOf(R, [...states.values()], resync);
    assert.equal(during.resyncing, true);
    assert.deepEqual(lastResyncReading(during, T0 + 1000), { label: "resync in progress…", tone: "busy" });
    // No counters to wait for (none polled): decided at the poll that saw it back, or by the grace.
    assert.equal(poll(R, ok(raw("replica.txt"), T0 + 2000)) + tracker.tick(T0 + 2700).length, 1);
    const after = viewOf(R, [...states.values()], resync);
    assert.equal(after.lastResyncKind, "partial");
    assert.equal(after.lastResyncSource, "predicted");
    assert.deepEqual(lastResyncReading(after, T0 + 12_000), { label: "partial · 10s ago", tone: "ok" });
  });
});
