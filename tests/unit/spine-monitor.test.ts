import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { diffNode, masterIdOf } from "../../lib/monitor/diff";
import { pollResultOf } from "../../lib/monitor/poll-result";
import { applyPoll, initialState, type PollResult } from "../../lib/monitor/reduce";
import type { NodeState } from "../../lib/monitor/types";
import type { NodeEvent } from "../../lib/timeline/types";
import { raw, setField } from "../support/info-fixtures";


const M = "127.0.0.1:45347"; // master.txt
const R = "127.0.0.1:45827"; // replica.txt
const C = "127.0.0.1:37639"; // chained-replica.txt, replicates from R
const R2 = "127.0.0.1:37069"; // replica-2.txt

const T0 = 1_795_564_572_000;


/** A successful poll of INFO text, as the poller produces it (facts only when the text has a Server section). */
const ok = (text: string, at: number, latencyMs = 2): PollResult => pollResultOf({ info: text, at, latencyMs });
const fail = (error: string, at: number): PollResult => ({ ok: false, at, error });

/** Folds polls into a node's state, collecting the events of each step. */
function run(id: string, polls: PollResult[]): { states: NodeState[]; events: NodeEvent[][] } {
  const [host, port] = id.split(":") as [string, string];
  let state = initialState(id, host, Number(port));
  const states: NodeState[] = [];
  const events: NodeEvent[][] = [];
  for (const p of polls) {
    const next = applyPoll(state, p);
    events.push(diffNode(state, next));
    states.push(next);
    state = next;
  }
  return { states, events };
}
const kinds = (evs: NodeEvent[] | undefined): string[] => (evs ?? []).map((e) => e.kind);

/** replica.txt's node right after promotion: its own Server section, promoted.txt's Replication section,
 *  keeping the chained replica it already had. */
function promotedReplicaText(): string {
  const replica = raw("replica.txt");
  const start = replica.indexOf("# Replication");
  const end = replica.indexOf("# CPU");
  assert.ok(start > 0 && end > start);
  const promoted = raw("promoted.txt").replace(
    "connected_slaves:0\r\n",
    "connected_slaves:1\r\nslave0:ip=127.0.0.1,port=37639,state=online,offset=1968,lag=1\r\n",
  );
  assert.notEqual(promoted, raw("promoted.txt"));
  return `${replica.slice(0, start)}${promoted}\r\n${replica.slice(end)}`;
}

describe("applyPoll folds polls into node state", () => {
  test("first successful poll fills in role, run_id, facts and timing", () => {
    const { states } = run(M, [ok(raw("master.txt"), T0, 3)]);
    const s = states[0]!;
    assert.equal(s.status, "up");
    assert.equal(s.role, "master");
    assert.equal(s.runId, "cccaa33ba8738393ad1605a085943024af694383");
    assert.equal(s.lastOkAt, T0);
    assert.equal(s.pollLatencyMs, 3);
    assert.equal(s.downSince, null);
    assert.equal(s.facts?.version, "7.0.15");
    assert.equal(s.repl?.replicas.length, 2);
    assert.equal(s.info?.server?.tcp_port, "45347");
    assert.equal(s.writeRate, null);
  });

  test("a replication-only poll keeps the facts and run_id of the last full INFO", () => {
    const { states } = run(M, [ok(raw("master.txt"), T0), ok(raw("master-one-replica-gone.txt"), T0 + 250)]);
    const s = states[1]!;
    assert.equal(s.runId, "cccaa33ba8738393ad1605a085943024af694383");
    assert.equal(s.facts?.opsPerSec, 34);
    assert.equal(s.info?.server?.tcp_port, "45347");
    assert.equal(s.repl?.replicas.length, 1);
  });

  test("consecutive failures keep the first downSince and the latest error", () => {
    const { states } = run(M, [
      ok(raw("master.txt"), T0),
      fail("connect ECONNREFUSED 127.0.0.1:45347", T0 + 1000),
      fail("connect ETIMEDOUT", T0 + 1250),
      fail("connect ETIMEDOUT", T0 + 1500),
    ]);
    const [, a, b, c] = states;
    assert.equal(a?.status, "down");
    assert.equal(a?.downSince, T0 + 1000);
    assert.equal(a?.lastError, "connect ECONNREFUSED 127.0.0.1:45347");
    assert.equal(a?.pollLatencyMs, null);
    assert.equal(b?.downSince, T0 + 1000);
    assert.equal(b?.lastError, "connect ETIMEDOUT");
    assert.equal(c?.downSince, T0 + 1000);
    // the last known replication state is kept for display while down
    assert.equal(c?.lastOkAt, T0);
    assert.equal(c?.repl?.role, "master");
  });

  test("a node that never answered gets downSince from its first failure", () => {
    const { states } = run(M, [fail("connect ECONNREFUSED", T0), fail("connect ECONNREFUSED", T0 + 250)]);
    assert.equal(states[0]?.downSince, T0);
    assert.equal(states[1]?.downSince, T0);
    assert.equal(states[1]?.lastOkAt, null);
  });

  test("recovery clears downSince and lastError", () => {
    const { states } = run(M, [ok(raw("master.txt"), T0), fail("boom", T0 + 500), ok(raw("master.txt"), T0 + 900)]);
    const s = states[2]!;
    assert.equal(s.status, "up");
    assert.equal(s.downSince, null);
    assert.equal(s.lastError, null);
    assert.equal(s.lastOkAt, T0 + 900);
  });

  test("writeRate: offset growth per second, then smoothed", () => {
    const master = raw("master.txt");
    const { states } = run(M, [
      ok(master, T0),
      ok(setField(master, "master_repl_offset", String(1968 + 5000)), T0 + 500),
      ok(setField(master, "master_repl_offset", String(1968 + 5000 + 2000)), T0 + 1500),
    ]);
    assert.equal(states[0]?.writeRate, null);
    assert.equal(states[1]?.writeRate, 10_000); // 5000 B in 0.5 s
    // instant 2000 B/s, smoothed with factor 0.3 from 10000
    assert.ok(Math.abs((states[2]?.writeRate ?? NaN) - 7600) < 1e-9, `got ${states[2]?.writeRate}`);
  });

  test("writeRate never goes negative and resets when the replication ID changes", () => {
    const master = raw("master.txt");
    const { states } = run(M, [
      ok(setField(master, "master_repl_offset", "9000"), T0),
      ok(master, T0 + 1000),
      ok(setField(master, "master_replid", "fc81436809707bad5eae22eedb7c0dff63879f2b"), T0 + 2000),
    ]);
    assert.equal(states[1]?.writeRate, 0);
    assert.equal(states[2]?.writeRate, null);
  });

  test("linkDownSince: derived once from master_link_down_since_seconds and stable across polls", () => {
    const down = raw("chained-replica-link-down.txt");
    const { states } = run(C, [
      ok(raw("chained-replica.txt"), T0),
      ok(down, T0 + 1000),
      // 1.4 s later Redis says 3 s; recomputing would give T0 + 1000 - 1600 and make the value jitter
      ok(setField(down, "master_link_down_since_seconds", "3"), T0 + 2400),
      ok(raw("chained-replica.txt"), T0 + 3000),
    ]);
    assert.equal(states[0]?.linkDownSince, null);
    assert.equal(states[1]?.linkDownSince, T0 + 1000 - 2000);
    assert.equal(states[2]?.linkDownSince, T0 + 1000 - 2000);
    assert.equal(states[3]?.linkDownSince, null);
  });

  test("linkDownSince for a replica first seen while connecting", () => {
    const { states } = run("127.0.0.1:40000", [ok(raw("replica-connecting.txt"), T0)]);
    assert.equal(states[0]?.linkDownSince, T0 - 1000);
  });
});

describe("diffNode: events from consecutive states built from real INFO", () => {
  test("discovered on the first successful poll, and only then", () => {
    const { events } = run(M, [ok(raw("master.txt"), T0), ok(raw("master.txt"), T0 + 250)]);
    assert.equal(events[0]?.length, 1);
    const e = events[0]![0]!;
    assert.equal(e.kind, "node:discovered");
    assert.equal(e.node, M);
    assert.equal(e.severity, "info");
    assert.deepEqual(e.data, { role: "master" });
    assert.match(e.text, /master/);
    assert.deepEqual(events[1], []);
  });

  test("a node that failed before it ever answered is 'discovered' (not 'up') when it answers", () => {
    const { events } = run(R, [fail("connect ECONNREFUSED", T0), ok(raw("replica.txt"), T0 + 250)]);
    assert.deepEqual(events[0], []);
    assert.deepEqual(kinds(events[1]), ["node:discovered"]);
    assert.deepEqual(events[1]?.[0]?.data, { role: "replica" });
  });

  test("node:down once, with the error text; further failures are silent; node:up on recovery", () => {
    const err = "connect ECONNREFUSED 127.0.0.1:45347";
    const { events } = run(M, [
      ok(raw("master.txt"), T0),
      fail(err, T0 + 1000),
      fail("connect ETIMEDOUT", T0 + 1250),
      ok(raw("master.txt"), T0 + 4000),
    ]);
    assert.deepEqual(kinds(events[1]), ["node:down"]);
    const down = events[1]![0]!;
    assert.equal(down.severity, "critical");
    assert.equal(down.node, M);
    assert.ok(down.text.includes(err), down.text);
    assert.deepEqual(down.data, { error: err });
    assert.deepEqual(events[2], []);
    assert.deepEqual(kinds(events[3]), ["node:up"]);
    const up = events[3]![0]!;
    assert.equal(up.severity, "info");
    assert.deepEqual(up.data, { downMs: 3000 });
    assert.match(up.text, /after 3\.0 s/);
  });

  test("no events when nothing changed, for every fixture", () => {
    const names = [
      "master.txt",
      "replica.txt",
      "replica-2.txt",
      "chained-replica.txt",
      "chained-replica-link-down.txt",
      "replica-connecting.txt",
      "promoted.txt",
      "master-one-replica-gone.txt",
    ];
    for (const name of names) {
      const { events } = run("127.0.0.1:1234", [ok(raw(name), T0), ok(raw(name), T0 + 250), ok(raw(name), T0 + 500)]);
      assert.deepEqual(kinds(events[0]), ["node:discovered"], name);
      assert.deepEqual(events[1], [], name);
      assert.deepEqual(events[2], [], name);
    }
  });

  test("role change replica → master (promotion)", () => {
    const { events, states } = run(R, [ok(raw("replica.txt"), T0), ok(promotedReplicaText(), T0 + 250)]);
    assert.equal(states[1]?.role, "master");
    assert.equal(states[1]?.repl?.replid2, "23ab9a1324da2c40134c1ea1836e6e9d22f46b93");
    // exactly one event: no replid-changed on top of the promotion, no readonly noise, no restart
    assert.deepEqual(kinds(events[1]), ["node:role-changed"]);
    const e = events[1]![0]!;
    assert.equal(e.severity, "warning");
    assert.deepEqual(e.data, { from: "replica", to: "master", master: null });
    assert.match(e.text, /promoted to master/);
  });

  test("role change master → replica names the new master", () => {
    const demoted = setField(setField(raw("replica.txt"), "master_host", "127.0.0.1"), "master_port", "37069");
    const { events } = run(R, [ok(promotedReplicaText(), T0), ok(demoted, T0 + 250)]);
    assert.deepEqual(kinds(events[1]), ["node:role-changed"]);
    assert.deepEqual(events[1]?.[0]?.data, { from: "master", to: "replica", master: R2 });
    assert.ok(events[1]?.[0]?.text.includes(R2));
  });

  test("replica:master-changed when a replica is re-pointed", () => {
    const repointed = setField(raw("replica.txt"), "master_port", "37069");
    const { events } = run(R, [ok(raw("replica.txt"), T0), ok(repointed, T0 + 250)]);
    assert.deepEqual(kinds(events[1]), ["replica:master-changed"]);
    const e = events[1]![0]!;
    assert.equal(e.severity, "warning");
    assert.deepEqual(e.data, { from: M, to: R2 });
  });

  test("replication ID change on a master that kept its role", () => {
    const next = setField(raw("master.txt"), "master_replid", "fc81436809707bad5eae22eedb7c0dff63879f2b");
    const { events } = run(M, [ok(raw("master.txt"), T0), ok(next, T0 + 250)]);
    assert.deepEqual(kinds(events[1]), ["master:replid-changed"]);
  });

  test("link down and link up on the chained replica", () => {
    const { events } = run(C, [
      ok(raw("chained-replica.txt"), T0),
      ok(raw("chained-replica-link-down.txt"), T0 + 1000),
      ok(raw("chained-replica-link-down.txt"), T0 + 2000),
      ok(raw("chained-replica.txt"), T0 + 3000),
    ]);
    assert.deepEqual(kinds(events[1]), ["replica:link-down"]);
    assert.equal(events[1]?.[0]?.severity, "critical");
    assert.deepEqual(events[1]?.[0]?.data, { master: R });
    assert.deepEqual(events[2], []);
    assert.deepEqual(kinds(events[3]), ["replica:link-up"]);
    assert.equal(events[3]?.[0]?.severity, "info");
    assert.deepEqual(events[3]?.[0]?.data, { master: R });
  });

  test("replica detached and attached again (master.txt vs master-one-replica-gone.txt)", () => {
    const { events } = run(M, [
      ok(raw("master.txt"), T0),
      ok(raw("master-one-replica-gone.txt"), T0 + 250),
      ok(raw("master.txt"), T0 + 500),
    ]);
    assert.deepEqual(kinds(events[1]), ["replica:detached"]);
    assert.equal(events[1]?.[0]?.severity, "warning");
    assert.deepEqual(events[1]?.[0]?.data, { replica: R });
    assert.deepEqual(kinds(events[2]), ["replica:attached"]);
    assert.equal(events[2]?.[0]?.severity, "info");
    assert.deepEqual(events[2]?.[0]?.data, { replica: R });
  });

  test("an RDB fetch (a replica line with port=0: redis-cli --rdb) is named as such, and its end is info", () => {
    const text = raw("master.txt");
    const withFetch = text.replace(/^(slave0:.*)$/m, "$1\nslave9:ip=127.0.0.1,port=0,state=wait_bgsave,offset=0,lag=0");
    assert.notEqual(withFetch, text, "fixture has a slave0 line");
    const { events } = run(M, [ok(text, T0), ok(withFetch, T0 + 250), ok(text, T0 + 500)]);
    assert.deepEqual(kinds(events[1]), ["replica:attached"]);
    assert.match(events[1]?.[0]?.text ?? "", /^an RDB fetch from 127\.0\.0\.1 \(port 0: redis-cli --rdb/);
    assert.deepEqual(kinds(events[2]), ["replica:detached"]);
    assert.equal(events[2]?.[0]?.severity, "info");
    assert.match(events[2]?.[0]?.text ?? "", /RDB fetch from 127\.0\.0\.1 \(port 0\) ended/);
  });

  test("a replica turned writable is a warning; read-only again is info", () => {
    const writable = setField(raw("replica.txt"), "slave_read_only", "0");
    const { events } = run(R, [ok(raw("replica.txt"), T0), ok(writable, T0 + 250), ok(raw("replica.txt"), T0 + 500)]);
    assert.deepEqual(kinds(events[1]), ["replica:readonly-changed"]);
    assert.equal(events[1]?.[0]?.severity, "warning");
    assert.match(events[1]?.[0]?.text ?? "", /WRITABLE/);
    assert.deepEqual(events[1]?.[0]?.data, { readOnly: false });
    assert.deepEqual(kinds(events[2]), ["replica:readonly-changed"]);
    assert.equal(events[2]?.[0]?.severity, "info");
  });

  test("run_id change → node:restarted", () => {
    const restarted = setField(raw("replica.txt"), "run_id", "0123456789abcdef0123456789abcdef01234567");
    const { events } = run(R, [ok(raw("replica.txt"), T0), ok(restarted, T0 + 2000)]);
    assert.deepEqual(kinds(events[1]), ["node:restarted"]);
    assert.equal(events[1]?.[0]?.severity, "warning");
    assert.deepEqual(events[1]?.[0]?.data, {
      from: "c1d4c76859cb7a77f948655a616715f6381974af",
      to: "0123456789abcdef0123456789abcdef01234567",
    });
  });

  test("a restart during an outage is reported together with node:up", () => {
    const restarted = setField(raw("replica.txt"), "run_id", "0123456789abcdef0123456789abcdef01234567");
    const { events } = run(R, [ok(raw("replica.txt"), T0), fail("connection lost", T0 + 250), ok(restarted, T0 + 3000)]);
    assert.deepEqual(kinds(events[2]), ["node:up", "node:restarted"]);
  });

  test("sync started and finished", () => {
    const syncing = setField(raw("replica.txt"), "master_sync_in_progress", "1");
    const { events } = run(R, [ok(raw("replica.txt"), T0), ok(syncing, T0 + 250), ok(raw("replica.txt"), T0 + 500)]);
    assert.deepEqual(kinds(events[1]), ["sync:started"]);
    assert.deepEqual(events[1]?.[0]?.data, { master: M });
    assert.deepEqual(kinds(events[2]), ["sync:finished"]);
  });

  test("failover state change on a master", () => {
    const failing = setField(raw("master.txt"), "master_failover_state", "waiting-for-sync");
    const { events } = run(M, [ok(raw("master.txt"), T0), ok(failing, T0 + 250)]);
    assert.deepEqual(kinds(events[1]), ["master:failover-state"]);
    assert.deepEqual(events[1]?.[0]?.data, { from: "no-failover", to: "waiting-for-sync" });
  });

  test("a down node produces no replication events from its stale state", () => {
    const { events } = run(M, [ok(raw("master.txt"), T0), fail("boom", T0 + 250), fail("boom", T0 + 500)]);
    assert.deepEqual(kinds(events[1]), ["node:down"]);
    assert.deepEqual(events[2], []);
  });

  test("masterIdOf is host:port of the master for replicas and null for masters", () => {
    const { states } = run(R, [ok(raw("replica.txt"), T0)]);
    assert.equal(masterIdOf(states[0]!), M);
    const { states: ms } = run(M, [ok(raw("master.txt"), T0)]);
    assert.equal(masterIdOf(ms[0]!), null);
  });
});
