import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { createClassifier, type ReplEvent } from "../../lib/logs/classify";
import { parseLogLine } from "../../lib/logs/parse";
import { formatNumber } from "../../lib/format";
import { parseMasterLink, type MasterLink } from "../../lib/redis/client-list";
import { pollResultOf } from "../../lib/monitor/poll-result";
import { applyPoll, initialState, type PollResult } from "../../lib/monitor/reduce";
import { outcomeEvent, ResyncTracker, type ResyncOutcome } from "../../lib/monitor/resync-tracker";
import type { NodeState } from "../../lib/monitor/types";
import { setField, setFields } from "../support/info-fixtures";

const ROOT = path.join(__dirname, "..", "fixtures", "redis-7.0.15");
const raw = (name: string): string => readFileSync(path.join(ROOT, "info", name), "utf8");


/** A successful poll as the poller sends it: Replication, plus the sync counters when Stats is there. */
const ok = (text: string, at: number): PollResult => pollResultOf({ info: text, at, latencyMs: 1 });
const fail = (at: number): PollResult => ({ ok: false, at, error: "connect ECONNREFUSED" });

/** The monitor's wiring, minus I/O: states folded by applyPoll, each poll observed by the tracker. */
class Topology {
  readonly states = new Map<string, NodeState>();
  readonly tracker = new ResyncTracker((id) => this.states.get(id));

  poll(id: string, r: PollResult): ResyncOutcome[] {
    const i = id.lastIndexOf(":");
    const prev = this.states.get(id) ?? initialState(id, id.slice(0, i), Number(id.slice(i + 1)));
    const next = applyPoll(prev, r);
    this.states.set(id, next);
    return this.tracker.observe(prev, next, r.at);
  }

  /** Feeds classified lines of `node`'s log, as the tail would deliver them. */
  log(node: string, lines: Logged[]): void {
    for (const l of lines) this.tracker.logEvent(node, l.ev, l.at);
  }
}

interface Logged {
  line: number;
  at: number;
  ev: ReplEvent;
}

/** Every replication line of a fixture log, classified in order with one classifier (as a tail does). */
function logged(file: string): Logged[] {
  const classify = createClassifier();
  const out: Logged[] = [];
  readFileSync(path.join(ROOT, "logs", file), "utf8")
    .split("\n")
    .forEach((text, i) => {
      const line = parseLogLine(text);
      const ev = classify(line);
      if (ev && line.kind === "redis") out.push({ line: i + 1, at: line.at, ev });
    });
  return out;
}
const LOGS = { a: logged("node-a.log"), b: logged("node-b.log"), c: logged("node-c.log"), d: logged("node-d.log") };

/** Lines `from`..`to` (1-based, inclusive) of a classified log. */
function lines(log: Logged[], from: number, to: number = from): Logged[] {
  const out = log.filter((l) => l.line >= from && l.line <= to);
  if (out.length === 0) throw new Error(`no classified line in ${from}..${to}`);
  return out;
}
function line(log: Logged[], n: number): Logged {
  const l = lines(log, n)[0];
  if (!l) throw new Error(`no line ${n}`);
  return l;
}

// Fixture INFO node ids (master.txt, replica.txt)
const M = "127.0.0.1:45347";
const R = "127.0.0.1:45827";
// Node ids of the captured logs: node-a 7001 (master), node-b 7002, node-c 17003
const A = "127.0.0.1:7001";
const B = "127.0.0.1:7002";
const C = "127.0.0.1:17003";

const T0 = 1_795_564_572_000;

const replicaUp = (): string => raw("replica.txt");
const replicaDown = (): string => setFields(raw("replica.txt"), { master_link_status: "down", master_last_io_seconds_ago: "-1" });
/** replica.txt during a full sync (REPL_STATE_TRANSFER adds the master_sync_* progress fields). */
function replicaSyncing(): string {
  const t = setFields(raw("replica.txt"), { master_link_status: "down", master_sync_in_progress: "1" });
  const out = t.replace(
    "master_sync_in_progress:1\r\n",
    "master_sync_in_progress:1\r\nmaster_sync_total_bytes:-1\r\nmaster_sync_read_bytes:0\r\nmaster_sync_left_bytes:-1\r\nmaster_sync_perc:0.00\r\nmaster_sync_last_io_seconds_ago:0\r\n",
  );
  assert.notEqual(out, t);
  return out;
}
/** master.txt after it wrote `written` more bytes, with its sync counters as given (fixture: full 2, partial 0). */
function masterAfter(written: number, counters: { full?: number; partialOk?: number } = {}): string {
  const end = 1968 + written;
  const first = Math.max(1, end - 1_048_576 + 1);
  return setFields(raw("master.txt"), {
    master_repl_offset: String(end),
    repl_backlog_first_byte_offset: String(first),
    repl_backlog_histlen: String(end - first + 1),
    sync_full: String(counters.full ?? 2),
    sync_partial_ok: String(counters.partialOk ?? 0),
  });
}
const replicaAt = (text: string, offset: number): string =>
  setFields(text, { slave_read_repl_offset: String(offset), slave_repl_offset: String(offset), master_repl_offset: String(offset) });
/** A fixture replica pointed at the captured logs' master (7001). */
const toA = (text: string): string => setField(text, "master_port", "7001");

/** A healthy master + replica pair from the fixtures, polled at T0. */
function healthyPair(): Topology {
  const t = new Topology();
  assert.deepEqual(t.poll(M, ok(raw("master.txt"), T0)), []);
  assert.deepEqual(t.poll(R, ok(replicaUp(), T0)), []);
  assert.equal(t.tracker.inProgress(R), false);
  return t;
}

describe("ResyncTracker: outcome from the master's sync counters", () => {
  test("link down then up with sync_partial_ok incremented → partial from stats, after the grace", () => {
    const t = healthyPair();
    assert.deepEqual(t.poll(R, ok(replicaDown(), T0 + 1000)), []);
    assert.equal(t.tracker.inProgress(R), true);
    assert.deepEqual(t.poll(M, ok(masterAfter(5000, { partialOk: 1 }), T0 + 2000)), []);
    assert.deepEqual(t.poll(R, ok(replicaAt(replicaUp(), 6968), T0 + 3000)), []);
    // log lines and counters can trail INFO: nothing is decided for 700 ms
    assert.deepEqual(t.tracker.tick(T0 + 3699), []);
    assert.equal(t.tracker.inProgress(R), true);
    const out = t.tracker.tick(T0 + 3700);
    const expected: ResyncOutcome = {
      replica: R,
      master: M,
      kind: "partial",
      reason: null,
      source: "stats",
      startedAt: T0 + 1000,
      endedAt: T0 + 3000,
      keysLoaded: null,
    };
    assert.deepEqual(out, [expected]);
    assert.deepEqual(t.tracker.lastOutcome(R), expected);
    assert.equal(t.tracker.inProgress(R), false);
    // decided once
    assert.deepEqual(t.tracker.tick(T0 + 5000), []);
  });

  test("sync_full incremented → full from stats, reason from the replayed PSYNC decision", () => {
    const t = healthyPair();
    t.poll(R, ok(replicaDown(), T0 + 1000));
    // the master wrote 2 MB meanwhile: the replica's offset 1968 is no longer in its 1 MB backlog
    t.poll(M, ok(masterAfter(2_000_000, { full: 3 }), T0 + 2000));
    t.poll(R, ok(replicaAt(replicaUp(), 2_001_968), T0 + 3000));
    const [o, ...rest] = t.tracker.tick(T0 + 3700);
    assert.deepEqual(rest, []);
    assert.equal(o?.kind, "full");
    assert.equal(o?.source, "stats");
    assert.equal(o?.reason, "lack-of-backlog");
  });

  test("the counters beat the replayed PSYNC decision", () => {
    const t = healthyPair();
    t.poll(R, ok(replicaDown(), T0 + 1000));
    // offsets alone would say FULL (lack of backlog), but the master counted a partial resync
    t.poll(M, ok(masterAfter(2_000_000, { partialOk: 1 }), T0 + 2000));
    t.poll(R, ok(replicaAt(replicaUp(), 2_001_968), T0 + 3000));
    const [o] = t.tracker.tick(T0 + 3700);
    assert.equal(o?.kind, "partial");
    assert.equal(o?.source, "stats");
    assert.equal(o?.reason, null);
  });

  test("no counter change: the outcome is predicted from offsets", () => {
    const t = healthyPair();
    t.poll(R, ok(replicaDown(), T0 + 1000));
    t.poll(R, ok(replicaUp(), T0 + 2000));
    const [o] = t.tracker.tick(T0 + 2700);
    assert.equal(o?.kind, "partial");
    assert.equal(o?.source, "predicted");
  });
});

describe("ResyncTracker: a sync seen in progress", () => {
  test("→ full from info, even when the counters also moved", () => {
    const t = healthyPair();
    assert.deepEqual(t.poll(R, ok(replicaSyncing(), T0 + 1000)), []);
    assert.equal(t.tracker.inProgress(R), true);
    t.poll(M, ok(masterAfter(2_000_000, { full: 3 }), T0 + 2000));
    t.poll(R, ok(replicaAt(replicaUp(), 2_001_968), T0 + 4000));
    const out = t.tracker.tick(T0 + 4700);
    assert.deepEqual(out, [
      { replica: R, master: M, kind: "full", reason: "lack-of-backlog", source: "info", startedAt: T0 + 1000, endedAt: T0 + 4000, keysLoaded: null },
    ]);
  });

  test("the grace restarts when the link drops again before the decision", () => {
    const t = healthyPair();
    t.poll(R, ok(replicaSyncing(), T0 + 1000));
    t.poll(R, ok(replicaUp(), T0 + 2000));
    t.poll(R, ok(replicaDown(), T0 + 2300));
    t.poll(R, ok(replicaUp(), T0 + 2600));
    assert.deepEqual(t.tracker.tick(T0 + 3200), []);
    const [o] = t.tracker.tick(T0 + 3300);
    assert.equal(o?.kind, "full");
    assert.equal(o?.endedAt, T0 + 2600);
  });
});

describe("ResyncTracker: log evidence (node-a.log / node-b.log)", () => {
  test("replica's 'Full resync from master' + master's lack-of-backlog refusal → full, lack-of-backlog, from log, keys loaded", () => {
    const t = new Topology();
    const healthyAt = line(LOGS.b, 33).at + 1000; // after the earlier partial resync at 23:24:06.712
    t.poll(A, ok(raw("master.txt"), healthyAt));
    t.poll(B, ok(toA(replicaUp()), healthyAt));
    assert.equal(t.tracker.inProgress(B), false);

    // 23:24:15.405 node-a: "Connection with replica 127.0.0.1:7002 lost." (node-b was shut down)
    const lost = line(LOGS.a, 23);
    assert.equal(lost.ev.kind, "link-lost");
    t.log(A, [lost]);
    assert.equal(t.tracker.inProgress(B), true);
    t.poll(B, fail(lost.at + 200));

    // node-b restarts (loads its own RDB: 2007 keys), asks for 133; node-a refuses for lack of backlog
    t.log(B, lines(LOGS.b, 41, 58));
    const refusal = line(LOGS.a, 25);
    assert.equal(refusal.ev.kind === "partial-resync-refused" && refusal.ev.replica, B);
    t.log(A, lines(LOGS.a, 24, 31));
    t.poll(B, ok(toA(replicaDown()), refusal.at + 500));
    // the counters disagree (a partial elsewhere); the log is stronger evidence
    t.poll(A, ok(masterAfter(3_105_054, { partialOk: 1 }), refusal.at + 1000));

    // 23:24:21.352 "Full resync from master", 23:24:21.372 "Done loading RDB, keys loaded: 5005"
    t.log(B, lines(LOGS.b, 59, 68));
    const done = line(LOGS.b, 67);
    assert.equal(done.ev.kind === "loading" && done.ev.keysLoaded, 5005);
    const onlineAt = done.at + 600;
    assert.deepEqual(t.poll(B, ok(toA(replicaAt(replicaUp(), 3_107_022)), onlineAt)), []);
    const out = t.tracker.tick(onlineAt + 700);
    const step = { from: healthyAt - 1, to: refusal.at + 1000 };
    assert.deepEqual(out, [
      { replica: B, master: A, kind: "full", reason: "lack-of-backlog", source: "log", startedAt: lost.at, endedAt: onlineAt, keysLoaded: 5005 },
      // The partial A counted is not B's (its log names every resync it made): a replica not watched.
      { replica: null, candidates: [], master: A, kind: "partial", reason: null, source: "stats", startedAt: step.from, endedAt: step.to, keysLoaded: null, betweenPolls: true },
    ]);

    const e = outcomeEvent(out[0]!, formatNumber);
    assert.equal(e.kind, "sync:full-resync");
    assert.equal(e.node, B);
    assert.ok(e.text.startsWith(`${B} FULL resync from ${A}: fell out of the backlog`), e.text);
    assert.ok(e.text.includes("loaded 5,005 keys"), e.text);
  });

  test("'Done loading RDB' alone (no resync line read) → full from info with the keys loaded", () => {
    const t = healthyPair();
    const done = line(LOGS.d, 24); // "Done loading RDB, keys loaded: 55005, keys expired: 0."
    t.poll(R, ok(replicaDown(), done.at - 5000));
    t.log(R, [done]);
    // The log is older than the master's last sample, so nothing more can come: decided at this poll or by the grace.
    const [o] = [...t.poll(R, ok(replicaUp(), done.at + 500)), ...t.tracker.tick(done.at + 1200)];
    assert.equal(o?.kind, "full");
    assert.equal(o?.source, "info");
    assert.equal(o?.keysLoaded, 55005);
  });

  test("a replica's 'Successful partial resynchronization' → partial from log", () => {
    const t = new Topology();
    const lost = line(LOGS.b, 26); // 23:24:06.711 "Connection with master lost."
    t.poll(A, ok(raw("master.txt"), lost.at - 6000));
    t.poll(B, ok(toA(replicaUp()), lost.at - 6000));
    t.log(B, lines(LOGS.b, 26, 33));
    assert.equal(t.tracker.inProgress(B), true);
    // the counters say FULL (someone else's), the replica's own log says partial
    t.poll(A, ok(masterAfter(10, { full: 3 }), lost.at + 100));
    t.poll(B, ok(toA(replicaUp()), lost.at + 300));
    const [o] = t.tracker.tick(lost.at + 1000);
    assert.deepEqual(o, { replica: B, master: A, kind: "partial", reason: null, source: "log", startedAt: lost.at, endedAt: lost.at + 300, keysLoaded: null });
  });

  test("a replica never seen before whose master logs a replid mismatch → full, new-replica", () => {
    const t = new Topology();
    const mismatch = line(LOGS.a, 10);
    assert.equal(mismatch.ev.kind === "partial-resync-refused" && mismatch.ev.reason, "replid-mismatch");
    t.poll(A, ok(raw("master.txt"), mismatch.at - 1000));
    // node-a logs the refusal before we ever polled 7002
    t.log(A, lines(LOGS.a, 9, 10));
    assert.equal(t.tracker.inProgress(B), false);
    t.poll(B, ok(toA(replicaSyncing()), mismatch.at + 200));
    assert.equal(t.tracker.inProgress(B), true);
    t.log(B, lines(LOGS.b, 9, 25)); // REPLICAOF, PSYNC attempt, "Full resync from master", keys loaded 2003
    const onlineAt = line(LOGS.b, 25).at + 300;
    t.poll(B, ok(toA(replicaUp()), onlineAt));
    const out = t.tracker.tick(onlineAt + 700);
    assert.deepEqual(out, [
      { replica: B, master: A, kind: "full", reason: "new-replica", source: "log", startedAt: mismatch.at, endedAt: onlineAt, keysLoaded: 2003 },
    ]);
    assert.match(outcomeEvent(out[0]!).text, /FULL resync from 127\.0\.0\.1:7001: new replica/);
  });

  test("the same refusal for a replica we saw with its own history stays replid-mismatch", () => {
    const t = new Topology();
    const mismatch = line(LOGS.a, 10);
    t.poll(A, ok(raw("master.txt"), mismatch.at - 2000));
    t.poll(B, ok(toA(replicaUp()), mismatch.at - 2000));
    t.poll(B, ok(toA(replicaDown()), mismatch.at - 1000));
    t.log(A, lines(LOGS.a, 9, 10));
    t.log(B, lines(LOGS.b, 16));
    t.poll(B, ok(toA(replicaUp()), mismatch.at + 5000));
    const [o] = t.tracker.tick(mismatch.at + 5700);
    assert.equal(o?.kind, "full");
    assert.equal(o?.reason, "replid-mismatch");
    assert.equal(o?.source, "log");
  });

  test("late log lines dated before the last outcome ended do not make a second outcome", () => {
    const t = new Topology();
    const lost = line(LOGS.b, 26);
    t.poll(A, ok(raw("master.txt"), lost.at - 6000));
    t.poll(B, ok(toA(replicaUp()), lost.at - 6000));
    t.log(B, lines(LOGS.b, 26, 33));
    t.poll(B, ok(toA(replicaUp()), lost.at + 300));
    const first = t.tracker.tick(lost.at + 1000);
    assert.equal(first.length, 1);
    const endedAt = first[0]!.endedAt;

    // node-a's side of the same episode arrives late: "Connection with replica … lost", "… accepted"
    const late = lines(LOGS.a, 20, 22);
    assert.ok(late.every((l) => l.at <= endedAt));
    t.log(A, late);
    assert.equal(t.tracker.inProgress(B), false);
    assert.deepEqual(t.poll(B, ok(toA(replicaUp()), lost.at + 2000)), []);
    assert.deepEqual(t.tracker.tick(lost.at + 5000), []);
    assert.deepEqual(t.tracker.lastOutcome(B), first[0]);

    // a line dated after the outcome is a new episode: 23:24:15.405 "Connection with replica 127.0.0.1:7002 lost."
    const next = line(LOGS.a, 23);
    assert.ok(next.at > endedAt);
    t.log(A, [next]);
    assert.equal(t.tracker.inProgress(B), true);
  });
});

describe("ResyncTracker: promotion", () => {
  test("a replica promoted to master drops its open episode without an outcome (node-c.log, FAILOVER TO)", () => {
    const t = new Topology();
    const lost = line(LOGS.c, 24); // 8293:M "Connection with master lost." during the handoff
    t.poll(A, ok(raw("master.txt"), lost.at - 3000));
    t.poll(C, ok(toA(replicaUp()), lost.at - 3000));
    t.log(C, lines(LOGS.c, 23, 24));
    assert.equal(t.tracker.inProgress(C), true);
    assert.deepEqual(t.poll(C, ok(raw("promoted.txt"), lost.at + 300)), []);
    assert.equal(t.tracker.inProgress(C), false);
    assert.deepEqual(t.poll(C, ok(raw("promoted.txt"), lost.at + 1300)), []);
    assert.deepEqual(t.tracker.tick(lost.at + 5000), []);
    assert.equal(t.tracker.lastOutcome(C), undefined);
  });

  test("the promotion's 'lost the link' line delivered after the poll that saw the promotion makes no outcome", () => {
    const t = new Topology();
    const lost = line(LOGS.c, 24);
    t.poll(A, ok(raw("master.txt"), lost.at - 3000));
    t.poll(C, ok(toA(replicaUp()), lost.at - 3000));
    assert.deepEqual(t.poll(C, ok(raw("promoted.txt"), lost.at + 100)), []);
    t.log(C, lines(LOGS.c, 23, 24)); // the tail is behind the poller
    assert.deepEqual(t.poll(C, ok(raw("promoted.txt"), lost.at + 1100)), []);
    assert.deepEqual(t.tracker.tick(lost.at + 10_000), []);
    assert.equal(t.tracker.inProgress(C), false);
    assert.equal(t.tracker.lastOutcome(C), undefined);
  });

  test("an episode opened by a link drop is dropped the same way", () => {
    const t = healthyPair();
    t.poll(R, ok(replicaDown(), T0 + 1000));
    assert.equal(t.tracker.inProgress(R), true);
    t.poll(R, ok(raw("promoted.txt"), T0 + 2000));
    assert.equal(t.tracker.inProgress(R), false);
    assert.deepEqual(t.tracker.tick(T0 + 10_000), []);
    assert.equal(t.tracker.lastOutcome(R), undefined);
  });
});

// ---- no readable log: the replica's master link and the masters' counters -----------------------

const R2 = "127.0.0.1:37069"; // replica-2.txt, the master's second replica
const client = (name: string): string => readFileSync(path.join(ROOT, "client", name), "utf8");
/** R's master link, captured before and after CLIENT KILL TYPE master (same client, new connection). */
const LINK = parseMasterLink(client("replica-master-link.txt"))!;
const KEPT = parseMasterLink(client("replica-master-link-after-partial.txt"))!;
/** A new master client (a full resync makes one). */
const NEW_CLIENT: MasterLink = { id: 31, laddr: "127.0.0.1:40122", ageSeconds: 0 };
const LINK2: MasterLink = { id: 7, laddr: "127.0.0.1:51000", ageSeconds: 300 };
const LINK2_KEPT: MasterLink = { ...LINK2, laddr: "127.0.0.1:51002" };
const LINK2_NEW: MasterLink = { id: 33, laddr: "127.0.0.1:51004", ageSeconds: 0 };

/** A poll as the poller sends it now: sent 2 ms before its reply, a replica's master link with it. */
function polled(text: string, at: number, link?: MasterLink | null): PollResult {
  const r = ok(text, at);
  return r.ok ? { ...r, sentAt: at - 2, ...(link !== undefined ? { masterLink: link } : {}) } : r;
}
const masterCounting = (full: number, partialOk: number, partialErr = 0): string =>
  setFields(raw("master.txt"), { sync_full: String(full), sync_partial_ok: String(partialOk), sync_partial_err: String(partialErr) });

/** Master, R and R2 healthy, read twice 100 ms apart, R2 with its link known unless `blind`. */
function steady(opts: { r2?: boolean; linkR?: boolean } = {}): Topology {
  const t = new Topology();
  for (const at of [T0, T0 + 100]) {
    assert.deepEqual(t.poll(M, polled(masterCounting(2, 0), at)), []);
    assert.deepEqual(t.poll(R, polled(replicaUp(), at, opts.linkR === false ? undefined : LINK)), []);
    if (opts.r2 !== false) assert.deepEqual(t.poll(R2, polled(raw("replica-2.txt"), at, LINK2)), []);
  }
  assert.equal(t.tracker.inProgress(R), false);
  return t;
}

describe("ResyncTracker: a link cut and re-made between two polls, no log", () => {
  test("same master client on a new connection + sync_partial_ok +1 → PARTIAL, as soon as the master is read again", () => {
    const t = steady();
    // the replica never shows the link down: only its connection changed
    assert.deepEqual(t.poll(R, polled(replicaUp(), T0 + 200, KEPT)), []);
    assert.equal(t.tracker.inProgress(R), true);
    assert.deepEqual(t.tracker.awaiting(), [M], "the master is polled early: its counters settle the decision");
    const out = t.poll(M, polled(masterCounting(2, 1), T0 + 230));
    const expected: ResyncOutcome = {
      replica: R, master: M, kind: "partial", reason: null, source: "stats",
      startedAt: T0 + 100, endedAt: T0 + 200, keysLoaded: null, betweenPolls: true,
    };
    assert.deepEqual(out, [expected]);
    assert.equal(t.tracker.inProgress(R), false);
    assert.match(outcomeEvent(out[0]!).text, /partial resync from 127\.0\.0\.1:45347: the backlog covered the gap; reconnected between two polls \(within 0\.1 s\)/);
    // the new connection is the baseline now: the next polls report nothing more
    assert.deepEqual(t.poll(R, polled(replicaUp(), T0 + 300, KEPT)), []);
    assert.deepEqual(t.poll(M, polled(masterCounting(2, 1), T0 + 330)), []);
    assert.deepEqual(t.tracker.tick(T0 + 5000), []);
  });

  test("no counters to compare (the master is not polled): the kept client says PARTIAL, a new one FULL", () => {
    const t = new Topology();
    t.poll(R, polled(replicaUp(), T0, LINK));
    const [partial] = t.poll(R, polled(replicaUp(), T0 + 100, KEPT));
    assert.equal(partial?.kind, "partial");
    assert.equal(partial?.source, "link");
    assert.match(outcomeEvent(partial!).text, /kept its master client/);
    const [full] = t.poll(R, polled(replicaUp(), T0 + 200, NEW_CLIENT));
    assert.equal(full?.kind, "full");
    assert.equal(full?.source, "link");
  });

  test("without the link (CLIENT not permitted), a new replication ID still shows the resync", () => {
    const t = new Topology();
    t.poll(R, polled(replicaUp(), T0));
    const out = t.poll(R, polled(setField(replicaUp(), "master_replid", "f".repeat(40)), T0 + 100));
    assert.equal(out.length, 1);
    assert.equal(out[0]?.kind, "full", "a new ID and nothing else: the replay says its old ID is unknown to the master");
  });

  test("two cuts between two polls (sync_partial_ok +2): two PARTIALs, reported separately", () => {
    const t = steady();
    t.poll(R, polled(replicaUp(), T0 + 200, KEPT));
    // two units, one claimant so far: wait until every replica of the master was read after the step
    assert.deepEqual(t.poll(M, polled(masterCounting(2, 2), T0 + 230)), []);
    assert.deepEqual(t.poll(R2, polled(raw("replica-2.txt"), T0 + 240, LINK2)), []);
    const out = t.poll(R, polled(replicaUp(), T0 + 300, KEPT));
    assert.deepEqual(out.map((o) => [o.replica, o.kind, o.series]), [
      [R, "partial", { index: 1, count: 2 }],
      [R, "partial", { index: 2, count: 2 }],
    ]);
    assert.match(outcomeEvent(out[1]!).text, /\[2 of 2 back to back\]/);
  });

  test("two replicas cut in one window (full +1, partial +1): each one's link tells which was which", () => {
    const t = steady();
    t.poll(R, polled(replicaUp(), T0 + 200, KEPT));
    t.poll(R2, polled(raw("replica-2.txt"), T0 + 200, LINK2_NEW));
    assert.deepEqual(t.poll(M, polled(masterCounting(3, 1, 1), T0 + 230)), []);
    const out = [...t.poll(R, polled(replicaUp(), T0 + 300, KEPT)), ...t.poll(R2, polled(raw("replica-2.txt"), T0 + 300, LINK2_NEW))];
    assert.deepEqual(out.map((o) => [o.replica, o.kind, o.source]).sort(), [[R, "partial", "stats"], [R2, "full", "stats"]].sort());
  });

  test("the same with both cut to partial: one PARTIAL each, not two for the first one decided", () => {
    const t = steady();
    t.poll(R, polled(replicaUp(), T0 + 200, KEPT));
    t.poll(R2, polled(raw("replica-2.txt"), T0 + 200, LINK2_KEPT));
    t.poll(M, polled(masterCounting(2, 2), T0 + 230));
    const out = [...t.poll(R, polled(replicaUp(), T0 + 300, KEPT)), ...t.poll(R2, polled(raw("replica-2.txt"), T0 + 300, LINK2_KEPT))];
    assert.deepEqual(out.map((o) => [o.replica, o.kind]).sort(), [[R, "partial"], [R2, "partial"]].sort());
  });

  test("re-pointed to its sibling and back between two polls (psync2): one PARTIAL from each master", () => {
    const t = steady();
    // R2 served R for a moment: its own counters moved (replica-2.txt counts 0 before)
    assert.deepEqual(t.poll(R2, polled(setField(raw("replica-2.txt"), "sync_partial_ok", "1"), T0 + 150, LINK2)), []);
    // R is back on the master, same client (a replica keeps it when it changes masters), new connection
    t.poll(R, polled(replicaUp(), T0 + 200, KEPT));
    const out = [...t.poll(M, polled(masterCounting(2, 1), T0 + 230)), ...t.poll(R2, polled(setField(raw("replica-2.txt"), "sync_partial_ok", "1"), T0 + 250, LINK2))];
    assert.deepEqual(out.map((o) => [o.replica, o.master, o.kind]).sort(), [[R, M, "partial"], [R, R2, "partial"]].sort());
    assert.equal(t.tracker.unattributed, 0);
  });

  test("a replica we lost sight of that comes back on the very same connection did not resync", () => {
    const t = steady();
    t.poll(R, fail(T0 + 200));
    assert.equal(t.tracker.inProgress(R), true);
    t.poll(M, polled(masterCounting(2, 0), T0 + 1000));
    assert.deepEqual(t.poll(R, polled(replicaUp(), T0 + 1500, LINK)), []);
    assert.deepEqual(t.tracker.tick(T0 + 5000), []);
    assert.equal(t.tracker.inProgress(R), false);
    assert.equal(t.tracker.lastOutcome(R), undefined);
  });

  test("CLIENT not permitted on the replica: a resync its master counted goes to the one replica whose link is unseen", () => {
    const t = steady({ linkR: false });
    t.poll(M, polled(masterCounting(2, 1), T0 + 230));
    t.poll(R2, polled(raw("replica-2.txt"), T0 + 240, LINK2));
    const out = t.poll(R, polled(replicaUp(), T0 + 300));
    assert.deepEqual(out.map((o) => [o.replica, o.kind, o.source]), [[R, "partial", "stats"]]);
  });

  test("a counted resync no watched replica can own (every link seen unchanged) is reported on the master", () => {
    const t = steady();
    t.poll(M, polled(masterCounting(2, 1), T0 + 230));
    t.poll(R2, polled(raw("replica-2.txt"), T0 + 240, LINK2));
    const out = t.poll(R, polled(replicaUp(), T0 + 300, LINK));
    assert.deepEqual(out.map((o) => [o.replica, o.master, o.kind, o.candidates]), [[null, M, "partial", []]]);
    assert.equal(t.tracker.unattributed, 1);
    const e = outcomeEvent(out[0]!);
    assert.equal(e.node, M);
    assert.match(e.text, /served a partial resync to a replica replscope does not watch/);
  });

  test("a new replica first seen already online with a young link owns the full sync its master just counted", () => {
    const t = new Topology();
    t.poll(M, polled(masterCounting(2, 0), T0));
    t.poll(M, polled(masterCounting(3, 0, 1), T0 + 100));
    assert.deepEqual(t.poll(R, polled(replicaUp(), T0 + 150, NEW_CLIENT)), []);
    const out = t.poll(M, polled(masterCounting(3, 0, 1), T0 + 200));
    assert.deepEqual(out.map((o) => [o.replica, o.kind, o.reason, o.source]), [[R, "full", "new-replica", "stats"]]);
  });

  test("replicas first seen with young links and nothing counted since we started are not reported", () => {
    const t = new Topology();
    t.poll(M, polled(masterCounting(2, 0), T0));
    t.poll(R, polled(replicaUp(), T0 + 50, NEW_CLIENT));
    assert.deepEqual(t.poll(M, polled(masterCounting(2, 0), T0 + 100)), []);
    assert.deepEqual(t.tracker.tick(T0 + 5000), []);
    assert.equal(t.tracker.lastOutcome(R), undefined);
    assert.equal(t.tracker.inProgress(R), false);
  });

  test("the master not read again in time: decided by the grace, from what there is", () => {
    const t = steady();
    t.poll(R, polled(replicaUp(), T0 + 200, KEPT));
    assert.deepEqual(t.tracker.tick(T0 + 899), []);
    const [o] = t.tracker.tick(T0 + 900);
    assert.equal(o?.kind, "partial");
    assert.equal(o?.source, "link");
  });
});

describe("outcomeEvent: operator text", () => {
  const base: ResyncOutcome = {
    replica: B,
    master: A,
    kind: "full",
    reason: "lack-of-backlog",
    source: "log",
    startedAt: T0,
    endedAt: T0 + 6600,
    keysLoaded: 5005,
  };

  test("FULL names replica, master, reason, keys and duration; a warning", () => {
    const e = outcomeEvent(base, formatNumber);
    assert.equal(e.kind, "sync:full-resync");
    assert.equal(e.severity, "warning");
    assert.equal(e.node, B);
    assert.equal(
      e.text,
      "127.0.0.1:7002 FULL resync from 127.0.0.1:7001: fell out of the backlog (the master no longer holds the bytes the replica missed), loaded 5,005 keys; back online after 6.6 s",
    );
    assert.deepEqual(e.data, { master: A, reason: "lack-of-backlog", source: "log", keysLoaded: 5005, durationMs: 6600, onlineAt: T0 + 6600 });
  });

  test("partial is info and says the backlog covered the gap; the source is named when it is not a log", () => {
    const e = outcomeEvent({ ...base, kind: "partial", reason: null, source: "stats", keysLoaded: null, endedAt: T0 + 2000 });
    assert.equal(e.kind, "sync:partial-resync");
    assert.equal(e.severity, "info");
    assert.equal(e.text, "127.0.0.1:7002 partial resync from 127.0.0.1:7001: the backlog covered the gap; back online after 2.0 s (from the master's sync counters)");
    assert.deepEqual(e.data, { master: A, source: "stats", durationMs: 2000, onlineAt: T0 + 2000 });
  });

  test("inferred outcomes say so; unknown master and reason read plainly", () => {
    const e = outcomeEvent({ ...base, master: null, reason: null, source: "predicted", keysLoaded: null });
    assert.ok(!e.text.includes(" from 127."), e.text);
    assert.ok(e.text.includes("FULL resync: reason not visible"), e.text);
    assert.ok(e.text.endsWith("(inferred from offsets)"), e.text);
    const other = outcomeEvent({ ...base, reason: "second-id-offset-ahead", keysLoaded: null });
    assert.ok(other.text.includes("ran ahead of where the master's second replication ID ends"), other.text);
    assert.ok(!other.text.includes("loaded"), other.text);
  });
});

describe("ResyncTracker: psync2 re-pointing between polls (every count reported, owners as far as the polls tell)", () => {
  const all = (t: Topology, polls: [string, PollResult][]): ResyncOutcome[] => polls.flatMap(([id, r]) => t.poll(id, r));
  const toR2 = (text: string): string => setField(text, "master_port", "37069");

  test("one count more than the replicas seen reconnecting: each takes one, the rest is reported on the master naming both", () => {
    const t = steady();
    const out = all(t, [
      [R, polled(replicaUp(), T0 + 200, KEPT)],
      [R2, polled(raw("replica-2.txt"), T0 + 200, LINK2_KEPT)],
      [M, polled(masterCounting(2, 3), T0 + 230)],
      [R, polled(replicaUp(), T0 + 300, KEPT)],
      [R2, polled(raw("replica-2.txt"), T0 + 300, LINK2_KEPT)],
    ]);
    assert.deepEqual(out.map((o) => [o.replica, o.master, o.kind, o.candidates]).sort(), [
      [R, M, "partial", undefined],
      [R2, M, "partial", undefined],
      [null, M, "partial", [R, R2].sort()],
    ].sort());
    assert.equal(t.tracker.unattributed, 1);
    const e = outcomeEvent(out.find((o) => o.replica === null)!);
    assert.equal(e.node, M, "on the master's timeline");
    assert.equal(e.kind, "sync:partial-resync");
    assert.equal(e.data?.candidates, [R, R2].sort().join(" "));
    assert.match(e.text, new RegExp(`^${M} served a partial resync to one of .*the counters cannot tell which one`));
  });

  test("each sighting takes the earliest count that fits, so a replica seen later still finds its own", () => {
    const t = steady();
    const out = all(t, [
      [M, polled(masterCounting(2, 1), T0 + 140)], // counted in (98, 140]
      [R, polled(replicaUp(), T0 + 150, KEPT)], // reconnected in (98, 150]: either count fits
      [R2, polled(raw("replica-2.txt"), T0 + 150, LINK2)],
      [M, polled(masterCounting(2, 2), T0 + 180)], // counted in (138, 180]
      [R2, polled(raw("replica-2.txt"), T0 + 200, LINK2_KEPT)], // reconnected in (148, 200]: only the second fits
      [R, polled(replicaUp(), T0 + 200, KEPT)],
      [M, polled(masterCounting(2, 2), T0 + 230)],
      [R, polled(replicaUp(), T0 + 300, KEPT)],
      [R2, polled(raw("replica-2.txt"), T0 + 300, LINK2_KEPT)],
    ]);
    assert.deepEqual(out.map((o) => [o.replica, o.master, o.kind]).sort(), [[R, M, "partial"], [R2, M, "partial"]].sort());
    assert.equal(t.tracker.unattributed, 0);
  });

  test("seen online with two masters before the decision: one resync from each", () => {
    const t = steady();
    const out = all(t, [
      [R, polled(replicaUp(), T0 + 200, KEPT)],
      // re-pointed to its sibling: same master client (a PSYNC continuation), new connection
      [R, polled(toR2(replicaUp()), T0 + 300, { ...KEPT, laddr: "127.0.0.1:1" })],
      [M, polled(masterCounting(2, 1), T0 + 330)],
      [R2, polled(setField(raw("replica-2.txt"), "sync_partial_ok", "1"), T0 + 330, LINK2)],
      [R, polled(toR2(replicaUp()), T0 + 400, { ...KEPT, laddr: "127.0.0.1:1" })],
      [R2, polled(setField(raw("replica-2.txt"), "sync_partial_ok", "1"), T0 + 400, LINK2)],
      // every other node read after each count (the master too: it may have been a replica meanwhile)
      [M, polled(masterCounting(2, 1), T0 + 430)],
    ]);
    assert.deepEqual(out.map((o) => [o.replica, o.master, o.kind, o.series]).sort(), [
      [R, M, "partial", { index: 1, count: 2 }],
      [R, R2, "partial", { index: 2, count: 2 }],
    ].sort());
    assert.equal(t.tracker.unattributed, 0);
  });

  test("a replica promoted right after reconnecting is the only node that can own its master's count", () => {
    const t = steady();
    const out = all(t, [
      [R2, polled(raw("promoted.txt"), T0 + 200)],
      [M, polled(masterCounting(2, 1), T0 + 230)],
      [R, polled(replicaUp(), T0 + 300, LINK)],
      [R2, polled(raw("promoted.txt"), T0 + 300)],
    ]);
    assert.deepEqual(out.map((o) => [o.replica, o.master, o.kind, o.betweenPolls]), [[R2, M, "partial", true]]);
  });
});
