import { test } from "node:test";
import assert from "node:assert/strict";
import type { TimelineEvent } from "../../lib/timeline/types";
import {
  AlertRulesSchema,
  DEFAULT_ALERT_RULES,
  emptyAlertState,
  evaluateAlerts,
  FULL_RESYNC_ALERT_MS,
  MAX_ALERTS,
  type Alert,
  type AlertNode,
  type AlertRules,
  type AlertState,
} from "../../lib/alerts/rules";

const T0 = 1_700_000_000_000;
const MiB = 1024 * 1024;
const master: AlertNode = { id: "10.0.0.1:6379", role: "master", status: "up", masterId: null, lagBytes: null, lagSeconds: null, linkStatus: null, readOnly: null, backlogSize: null };
const replica = (over: Partial<AlertNode> = {}): AlertNode => ({
  id: "10.0.0.2:6379",
  role: "replica",
  status: "up",
  masterId: "10.0.0.1:6379",
  lagBytes: 0,
  lagSeconds: 0,
  linkStatus: "up",
  readOnly: true,
  backlogSize: 64 * MiB,
  ...over,
});

/**
 * Replays one poll a second: `at(second)` gives the nodes seen then. Collects every transition
 * as "+rule@second" / "-rule@second" so a whole sequence reads as one assertion.
 */
function replay(seconds: number, at: (s: number) => AlertNode[], rules: AlertRules = DEFAULT_ALERT_RULES, events: (s: number) => TimelineEvent[] = () => []) {
  let state: AlertState = emptyAlertState();
  const log: string[] = [];
  const fired: Alert[] = [];
  for (let s = 0; s <= seconds; s++) {
    const step = evaluateAlerts(state, { topology: "main", now: T0 + s * 1000, nodes: at(s), events: events(s) }, rules);
    state = step.state;
    for (const a of step.fired) log.push(`+${a.rule}@${s}`);
    for (const a of step.resolved) log.push(`-${a.rule}@${s}`);
    fired.push(...step.fired);
  }
  return { log, fired, state };
}

test("rules: defaults, partial input, unknown keys and nonsense rejected", () => {
  assert.deepEqual(DEFAULT_ALERT_RULES, { lagBytes: MiB, lagSeconds: 10, forSeconds: 10, backlogShare: 0.5, fullResync: true, writableReplica: true, linkDown: true, noSaveHours: 24 });
  const r = AlertRulesSchema.parse({ lagBytes: 10, expectedReplicas: 2 });
  assert.equal(r.lagBytes, 10);
  assert.equal(r.expectedReplicas, 2);
  assert.equal(r.forSeconds, 10);
  assert.equal(AlertRulesSchema.safeParse({ lagbytes: 10 }).success, false);
  assert.equal(AlertRulesSchema.safeParse({ lagBytes: -1 }).success, false);
  assert.equal(AlertRulesSchema.safeParse({ backlogShare: 0 }).success, false);
  assert.equal(AlertRulesSchema.safeParse({ expectedReplicas: 1.5 }).success, false);
});

test("byte lag: an 8 s spike stays quiet, 15 s of lag fires once, catching up resolves", () => {
  const lag = (s: number) => (s >= 5 && s < 13) || (s >= 20 && s < 35) ? 5 * MiB : 1000;
  const { log, fired } = replay(40, (s) => [master, replica({ lagBytes: lag(s) })]);
  assert.deepEqual(log, ["+lag-bytes@30", "-lag-bytes@35"]);
  const a = fired[0];
  assert.equal(a?.since, T0 + 20_000, "since = when the lag started, not when it fired");
  assert.equal(a?.value, 5 * MiB);
  assert.equal(a?.id, "main/lag-bytes/10.0.0.2:6379");
  assert.equal(a?.node, "10.0.0.2:6379");
  assert.match(a?.text ?? "", /10\.0\.0\.2:6379 is 5\.0 MB behind 10\.0\.0\.1:6379 \(limit 1\.0 MB\)/);
});

test("a single sample under the threshold breaks the run, so the hold starts over", () => {
  const { log } = replay(30, (s) => [master, replica({ lagSeconds: s === 8 ? 0 : 30 })]);
  // Bad from 0 to 7, fine at 8, bad again from 9: fires 10 s after 9, not 10 s after 0.
  assert.deepEqual(log, ["+lag-seconds@19"]);
});

test("link down fires as critical after the hold, resolves when the link is back; rule can be off", () => {
  const nodes = (s: number) => [master, replica({ linkStatus: s >= 2 && s < 20 ? "down" : "up", lagBytes: null, lagSeconds: null })];
  const { log, fired } = replay(25, nodes);
  assert.deepEqual(log, ["+link-down@12", "-link-down@20"]);
  assert.equal(fired[0]?.severity, "critical");
  assert.deepEqual(replay(25, nodes, { ...DEFAULT_ALERT_RULES, linkDown: false }).log, []);
});

test("writable replica; a down node only says it is down", () => {
  const { log } = replay(30, (s) => [
    master,
    replica({ readOnly: s < 20 ? false : true }),
    replica({ id: "10.0.0.3:6379", status: s >= 5 ? "down" : "up", readOnly: false, lagBytes: 99 * MiB }),
  ]);
  assert.deepEqual(log, ["+writable-replica@10", "+node-down@15", "-writable-replica@20"]);
});

test("replicas missing: counts up replicas, escalates to critical at zero, resolves when back", () => {
  const rules = { ...DEFAULT_ALERT_RULES, expectedReplicas: 2, forSeconds: 0 };
  const { log, fired } = replay(6, (s) => [master, replica({ status: s >= 1 && s < 5 ? "down" : "up" }), replica({ id: "10.0.0.3:6379", status: s >= 3 && s < 5 ? "down" : "up" })], rules);
  assert.deepEqual(log, ["+node-down@1", "+replicas-missing@1", "+node-down@3", "+replicas-missing@3", "-node-down@5", "-node-down@5", "-replicas-missing@5"]);
  const missing = fired.filter((a) => a.rule === "replicas-missing");
  assert.deepEqual(
    missing.map((a) => [a.severity, a.value, a.since, a.node]),
    [
      ["warning", 1, T0 + 1000, null],
      ["critical", 0, T0 + 1000, null], // same alert escalated: since kept
    ],
  );
  assert.equal(missing[1]?.text, "0 of 2 expected replicas are up in main");
});

test("backlog coverage: warning past the share, critical past the whole backlog", () => {
  const backlog = 10 * MiB;
  const rules = { ...DEFAULT_ALERT_RULES, lagBytes: 1e12, forSeconds: 0 };
  const lag = [1 * MiB, 6 * MiB, 11 * MiB, 2 * MiB];
  const { log, fired } = replay(3, (s) => [master, replica({ backlogSize: backlog, lagBytes: lag[s] ?? 0 })], rules);
  assert.deepEqual(log, ["+backlog-coverage@1", "+backlog-coverage@2", "-backlog-coverage@3"]);
  assert.deepEqual(fired.map((a) => a.severity), ["warning", "critical"]);
  assert.match(fired[0]?.text ?? "", /6\.0 MB behind, 60% of the 10 MB backlog/);
  // Unknown backlog size: no opinion.
  assert.deepEqual(replay(3, () => [master, replica({ backlogSize: null, lagBytes: 11 * MiB })], rules).log, []);
});

test("full resync fires on the event, counts repeats, resolves 5 min after the last one", () => {
  const ev = (s: number, topology = "main"): TimelineEvent => ({
    id: s,
    at: T0 + s * 1000,
    topology,
    kind: "sync:full-resync",
    node: "10.0.0.2:6379",
    severity: "warning",
    text: "backlog no longer covered the replica's offset",
  });
  const last = 100 + FULL_RESYNC_ALERT_MS / 1000;
  const { log, fired } = replay(last + 1, () => [master, replica()], DEFAULT_ALERT_RULES, (s) => (s === 3 ? [ev(3)] : s === 100 ? [ev(100), ev(100, "other")] : []));
  assert.deepEqual(log, ["+full-resync@3", "+full-resync@100", `-full-resync@${last}`]);
  assert.deepEqual(fired.map((a) => [a.value, a.since]), [
    [1, T0 + 3000],
    [2, T0 + 3000],
  ]);
  assert.match(fired[1]?.text ?? "", /needed 2 full resyncs/);
  // Turned off: nothing.
  assert.deepEqual(replay(5, () => [master], { ...DEFAULT_ALERT_RULES, fullResync: false }, (s) => (s === 1 ? [ev(1)] : [])).log, []);
});

test("deterministic and pure: same input, same output; the previous state is not mutated", () => {
  const input = { topology: "main", now: T0 + 20_000, nodes: [master, replica({ lagBytes: 5 * MiB, readOnly: false })], events: [] };
  const prev: AlertState = { pending: { "main/lag-bytes/10.0.0.2:6379": T0 }, active: {}, expires: {} };
  const snapshot = structuredClone(prev);
  const a = evaluateAlerts(prev, input, DEFAULT_ALERT_RULES);
  const b = evaluateAlerts(prev, input, DEFAULT_ALERT_RULES);
  assert.deepEqual(a, b);
  assert.deepEqual(prev, snapshot);
  assert.deepEqual(a.fired.map((x) => x.rule), ["lag-bytes"]);
  assert.deepEqual(Object.keys(a.state.pending), ["main/writable-replica/10.0.0.2:6379"]);
});

test("active and pending alerts stay bounded however many nodes are down", () => {
  const nodes = Array.from({ length: MAX_ALERTS + 300 }, (_, i) => replica({ id: `10.1.${i >> 8}.${i & 255}:6379`, status: "down" }));
  const { state } = replay(12, () => nodes);
  assert.equal(Object.keys(state.active).length + Object.keys(state.pending).length, MAX_ALERTS);
});

test("a full resync the master served to a replica the polls cannot tell: the alert is the master's and says so", () => {
  const ev: TimelineEvent = {
    id: 1,
    at: T0 + 1000,
    topology: "main",
    kind: "sync:full-resync",
    node: master.id,
    severity: "warning",
    text: `${master.id} served a FULL resync to one of 10.0.0.2:6379, 10.0.0.3:6379 (…)`,
    data: { master: master.id, replica: null, candidates: "10.0.0.2:6379 10.0.0.3:6379" },
  };
  const { fired } = replay(2, () => [master, replica()], DEFAULT_ALERT_RULES, (s) => (s === 1 ? [ev] : []));
  assert.equal(fired[0]?.node, master.id);
  assert.equal(fired[0]?.text, ev.text, "not 'the master needed a full resync'");
});

test("backlog coverage follows the card's PSYNC replay: canPartialResync false is critical whatever the lag", () => {
  const rules = { ...DEFAULT_ALERT_RULES, forSeconds: 0 };
  const { fired } = replay(2, () => [master, replica({ lagBytes: 10, backlogSize: 1024 * 1024, canPartialResync: false })], rules);
  const a = fired.find((x) => x.rule === "backlog-coverage");
  assert.ok(a, "fired");
  assert.equal(a.severity, "critical");
  assert.match(a.text, /no longer covers/);
  // A covered replica with the same small lag: nothing.
  assert.equal(replay(2, () => [master, replica({ lagBytes: 10, backlogSize: 1024 * 1024, canPartialResync: true })], rules).fired.filter((x) => x.rule === "backlog-coverage").length, 0);
});
