// Pure parts of the cluster watch on captured 7.0.15 readings: migration rate/ETA, the summary the
// API and socket carry, the join with node views, and the cluster alert rules (held while the
// reading is not current, never resolved while the slots stay unserved).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { DEFAULT_ALERT_RULES, emptyAlertState, evaluateAlerts, type AlertInput, type AlertRules } from "../../lib/alerts/rules";
import { CLUSTER_STALE_MS, clusterAlertInput } from "../../lib/cluster/alert-input";
import { MigrationTracker } from "../../lib/cluster/migrations";
import { buildClusterView } from "../../lib/cluster/model";
import { clusterShards, clusterSummary } from "../../lib/cluster/report";
import type { ClusterStatus } from "../../lib/cluster/watcher";
import type { NodeView } from "../../lib/monitor/types";
import { A, B, readings } from "../support/cluster-fixtures";

const T0 = 1_700_000_000_000;

function status(name: string, over: Partial<ClusterStatus> = {}): ClusterStatus {
  const [seed, ...others] = readings(name);
  return { mode: "cluster", view: buildClusterView(seed!, others), readAt: T0, readFrom: seed!.address, lastError: null, errorSince: null, migrations: [], failureReports: [], refused: [], ...over };
}

describe("MigrationTracker", () => {
  const m = { slot: 100, from: A, to: B, seenBy: ["source" as const, "target" as const] };
  const addr = (id: string) => (id === A ? "127.0.0.1:1" : "127.0.0.1:2");

  test("keys left over successive readings give a rate and an ETA; a finished migration is dropped", () => {
    const t = new MigrationTracker();
    const first = t.update([m], new Map([["100:" + A + ":" + B, 1000]]), T0, addr);
    assert.equal(first[0]!.keysLeft, 1000);
    assert.equal(first[0]!.keysPerSec, null, "one reading: no rate yet");
    assert.equal(first[0]!.etaSeconds, null);
    const second = t.update([m], new Map([["100:" + A + ":" + B, 600]]), T0 + 2000, addr);
    assert.equal(second[0]!.keysPerSec, 200);
    assert.equal(second[0]!.etaSeconds, 3);
    assert.equal(second[0]!.firstSeenAt, T0);
    assert.equal(second[0]!.fromAddress, "127.0.0.1:1");
    // A round whose count could not be read keeps the last one.
    const unread = t.update([m], new Map(), T0 + 4000, addr);
    assert.equal(unread[0]!.keysLeft, 600);
    assert.equal(unread[0]!.keysLeftAt, T0 + 2000);
    assert.deepEqual(t.update([], new Map(), T0 + 6000, addr), []);
    const again = t.update([m], new Map(), T0 + 8000, addr);
    assert.equal(again[0]!.firstSeenAt, T0 + 8000, "a new run starts fresh");
    assert.equal(again[0]!.keysLeft, null);
  });

  test("no progress: rate 0 and no ETA; nothing left: ETA 0", () => {
    const t = new MigrationTracker();
    const key = `100:${A}:${B}`;
    t.update([m], new Map([[key, 50]]), T0, addr);
    const stuck = t.update([m], new Map([[key, 50]]), T0 + 2000, addr);
    assert.equal(stuck[0]!.keysPerSec, 0);
    assert.equal(stuck[0]!.etaSeconds, null);
    const done = t.update([m], new Map([[key, 0]]), T0 + 4000, addr);
    assert.equal(done[0]!.etaSeconds, 0);
  });
});

describe("clusterSummary and clusterShards", () => {
  test("a healthy cluster: 3 shards with their replica, every slot covered", () => {
    const s = clusterSummary(status("healthy-master"))!;
    assert.equal(s.state, "ok");
    assert.equal(s.knownNodes, 6);
    assert.equal(s.slots.coveredCount, 16384);
    assert.equal(s.slots.uncoveredCount, 0);
    assert.equal(s.shards.length, 3);
    for (const sh of s.shards) assert.equal(sh.replicas.length, 1);
    assert.equal(clusterSummary(null), null);
    assert.equal(clusterSummary({ ...status("healthy-master"), view: null }), null);
  });

  test("after a SIGKILL: the dead master FAIL, its slots with the promoted replica", () => {
    const s = clusterSummary(status("failed-over"))!;
    const dead = s.shards.find((sh) => sh.master.id === B);
    assert.ok(!dead || dead.slotCount === 0);
    assert.equal(s.shards.filter((sh) => sh.slotCount > 0).length, 3);
  });

  test("shard rows take link, lag, keys, memory and ops from the monitor's views by address", () => {
    const s = clusterSummary(status("healthy-master"))!;
    const first = s.shards[0]!;
    const view = (id: string, over: Partial<NodeView>): NodeView => ({ id, status: "up", linkStatus: null, lagBytes: null, lagUnknown: null, lagSeconds: null, opsPerSec: 5, usedMemory: 1000, keys: 7, stale: false, syncInProgress: false, ...over }) as NodeView;
    const rows = clusterShards(s, [view(first.master.address!, {}), view(first.replicas[0]!.address!, { linkStatus: "up", lagBytes: 0 })]);
    assert.equal(rows[0]!.keys, 7);
    assert.equal(rows[0]!.opsPerSec, 5);
    assert.equal(rows[0]!.replicas[0]!.view?.linkStatus, "up");
    assert.equal(rows[1]!.master.view, null, "not monitored: no figures, not zeros");
    assert.equal(rows[1]!.keys, null);
  });
});

describe("cluster alerts", () => {
  const rules: AlertRules = { ...DEFAULT_ALERT_RULES, forSeconds: 0 };
  const input = (cluster: AlertInput["cluster"], now = T0): AlertInput => ({ topology: "c", now, nodes: [], events: [], cluster });
  const uncovered = (): ClusterStatus => {
    const st = status("healthy-master");
    const v = st.view!;
    // The seed as it would read with 16000-16383 unclaimed (the captured view with the range removed).
    const view = { ...v, state: "fail" as const, coverage: { ...v.coverage, uncovered: [[16000, 16383] as const], coveredCount: 16384 - 384 } };
    return { ...st, view };
  };

  test("unserved slots and cluster_state fail fire at once (critical), with the ranges", () => {
    const step = evaluateAlerts(emptyAlertState(), input(clusterAlertInput(uncovered(), T0)), rules);
    const rulesFired = step.fired.map((a) => a.rule).sort();
    assert.deepEqual(rulesFired, ["cluster-slots-uncovered", "cluster-state-fail"]);
    const a = step.fired.find((x) => x.rule === "cluster-slots-uncovered")!;
    assert.equal(a.severity, "critical");
    assert.equal(a.text, "384 slots are served by no master in c: 16000-16383");
    assert.equal(a.value, 384);
  });

  test("slots on a FAIL master with cluster_state still ok (require-full-coverage no) fire their own alert", () => {
    const st = status("healthy-master");
    const v = st.view!;
    const view = { ...v, state: "ok" as const, coverage: { ...v.coverage, fail: [[0, 5460] as const] } };
    const step = evaluateAlerts(emptyAlertState(), input(clusterAlertInput({ ...st, view }, T0)), rules);
    assert.deepEqual(step.fired.map((a) => a.rule), ["cluster-slots-on-failed-master"]);
    assert.match(step.fired[0]?.text ?? "", /5461 slots are on a master the cluster marks FAIL in c \(0-5460\)/);
  });

  test("a failed or old reading holds them; a fresh healthy one resolves them", () => {
    const fired = evaluateAlerts(emptyAlertState(), input(clusterAlertInput(uncovered(), T0)), rules);
    const failedRead = clusterAlertInput({ ...uncovered(), lastError: "no cluster node answered" }, T0 + 1000);
    assert.equal(failedRead?.current, false);
    const held = evaluateAlerts(fired.state, input(failedRead, T0 + 1000), rules);
    assert.deepEqual(held.resolved, []);
    assert.equal(Object.keys(held.state.active).length, 2);
    const old = clusterAlertInput(uncovered(), T0 + CLUSTER_STALE_MS + 1);
    assert.equal(old?.current, false);
    const healthy = evaluateAlerts(held.state, input(clusterAlertInput(status("healthy-master", { readAt: T0 + 2000 }), T0 + 2000), T0 + 2000), rules);
    assert.deepEqual(healthy.resolved.map((a) => a.rule).sort(), ["cluster-slots-uncovered", "cluster-state-fail"]);
  });

  test("a healthy cluster with three masters raises nothing", () => {
    const step = evaluateAlerts(emptyAlertState(), input(clusterAlertInput(status("healthy-master"), T0)), rules);
    assert.deepEqual(step.fired, []);
    assert.equal(clusterAlertInput(null, T0), null, "not a cluster: no input");
  });
});
