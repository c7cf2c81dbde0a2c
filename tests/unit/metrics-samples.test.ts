// Metric samples from captured Redis 7.0.15 INFO output, the resync labels, and the exposition
// reader that the integration test relies on.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Alert } from "../../lib/alerts/rules";
import { parseExposition, select } from "../../lib/metrics/exposition";
import { buildSamples, resyncLabels, type NodeMetricName, type Samples } from "../../lib/metrics/samples";
import { pollResultOf } from "../../lib/monitor/poll-result";
import { applyPoll, initialState, type PollResult } from "../../lib/monitor/reduce";
import type { NodeState } from "../../lib/monitor/types";
import type { TimelineEvent } from "../../lib/timeline/types";
import { buildViews } from "../../lib/monitor/view";
import { raw, setFields } from "../support/info-fixtures";


const M = "127.0.0.1:45347";
const R = "127.0.0.1:45827";
const R2 = "127.0.0.1:37069";
const C = "127.0.0.1:37639";
const T0 = 1_795_564_572_000;

const ok = (text: string, at = T0): PollResult => pollResultOf({ info: text, at, latencyMs: 3 });

function node(id: string, ...polls: PollResult[]): NodeState {
  const i = id.lastIndexOf(":");
  let s = initialState(id, id.slice(0, i), Number(id.slice(i + 1)));
  for (const p of polls) s = applyPoll(s, p);
  return s;
}

function samplesOf(states: NodeState[], alerts: Alert[] = [], now = T0): Samples {
  const byId = new Map(states.map((s) => [s.id, s]));
  return buildSamples([{ name: "prod", views: buildViews(states), state: (id) => byId.get(id), alerts, now }]);
}

function value(s: Samples, name: NodeMetricName, labels: Record<string, string>): number | undefined {
  const hits = (s.get(name) ?? []).filter((x) => Object.entries(labels).every(([k, v]) => x.labels[k] === v));
  assert.ok(hits.length <= 1, `${name} ${JSON.stringify(labels)} matches ${hits.length} samples`);
  return hits[0]?.value;
}

/** master.txt where replica R has acked only 1500 of 1968 bytes and is 3 s behind. */
const masterText = (): string =>
  raw("master.txt").replace("slave0:ip=127.0.0.1,port=45827,state=online,offset=1968,lag=0", "slave0:ip=127.0.0.1,port=45827,state=send_bulk,offset=1500,lag=3");

describe("buildSamples", () => {
  // Replicas polled before and after the node they replicate from (the poll loops interleave), so
  // their applied lag and PSYNC replay come from ordered samples.
  const healthy = (): NodeState[] => [
    node(M, ok(masterText())),
    node(R, ok(raw("replica.txt"), T0 - 100), ok(raw("replica.txt"), T0 + 100)),
    node(R2, ok(raw("replica-2.txt"), T0 - 100), ok(raw("replica-2.txt"), T0 + 100)),
    node(C, ok(raw("chained-replica.txt"), T0 - 200), ok(raw("chained-replica.txt"), T0 + 200)),
  ];

  test("per-node basics from INFO", () => {
    const s = samplesOf(healthy());
    const m = { topology: "prod", node: M };
    assert.equal(value(s, "replscope_node_up", m), 1);
    assert.equal(value(s, "replscope_node_role", { ...m, role: "master" }), 1);
    assert.equal(value(s, "replscope_node_role", { ...m, role: "replica" }), 0);
    assert.equal(value(s, "replscope_node_info", { ...m, role: "master", master: "", version: "7.0.15" }), 1);
    assert.equal(value(s, "replscope_connected_replicas", m), 2);
    assert.equal(value(s, "replscope_repl_offset_bytes", { ...m, role: "master" }), 1968);
    assert.equal(value(s, "replscope_second_repl_offset", m), -1);
    assert.equal(value(s, "replscope_repl_backlog_size_bytes", m), 1048576);
    assert.equal(value(s, "replscope_repl_backlog_histlen_bytes", m), 1968);
    assert.equal(value(s, "replscope_repl_backlog_first_byte_offset", m), 1);
    assert.equal(value(s, "replscope_repl_backlog_active", m), 1);
    assert.equal(value(s, "replscope_master_failover_state", { ...m, state: "no-failover" }), 1);
    assert.equal(value(s, "replscope_master_failover_state", { ...m, state: "failover-in-progress" }), 0);
    assert.equal(value(s, "replscope_sync_full_total", m), 2);
    assert.equal(value(s, "replscope_sync_partial_err_total", m), 0);
    assert.equal(value(s, "replscope_db_keys", { ...m, db: "db0" }), 250);
    assert.equal(value(s, "replscope_db_keys", { ...m, db: "db3" }), 1);
    assert.equal(value(s, "replscope_used_memory_bytes", m), 1160536);
    assert.equal(value(s, "replscope_node_last_poll_duration_seconds", m), 0.003);
    // A master has no replica-side series.
    assert.equal(value(s, "replscope_master_link_up", m), undefined);
    assert.equal(value(s, "replscope_replica_lag_bytes", m), undefined);
  });

  test("replica series carry their master and the master's view of them", () => {
    const s = samplesOf(healthy());
    const r = { topology: "prod", node: R, master: M };
    assert.equal(value(s, "replscope_master_link_up", r), 1);
    assert.equal(value(s, "replscope_master_last_io_seconds_ago", r), 1);
    assert.equal(value(s, "replscope_master_sync_in_progress", r), 0);
    // The replica (read after the master) had applied all 1968 bytes: applied lag 0, while the
    // master's slave line still shows the older ACK (1500, 3 s ago).
    assert.equal(value(s, "replscope_replica_lag_bytes", r), 0);
    // In send_bulk the slaveN offset is not an ACK of the live stream yet: no ack lag then.
    assert.equal(value(s, "replscope_replica_ack_lag_bytes", r), undefined);
    assert.equal(value(s, "replscope_replica_lag_seconds", r), 3);
    assert.equal(value(s, "replscope_replica_acked_offset_bytes", r), 1500);
    assert.equal(value(s, "replscope_replica_state", { ...r, state: "send_bulk" }), 1);
    assert.equal(value(s, "replscope_replica_state", { ...r, state: "online" }), 0);
    assert.equal(value(s, "replscope_replica_read_only", { topology: "prod", node: R }), 1);
    assert.equal(value(s, "replscope_replica_priority", { topology: "prod", node: R }), 100);
    assert.equal(value(s, "replscope_repl_offset_bytes", { topology: "prod", node: R, role: "replica" }), 1968);
    assert.equal(value(s, "replscope_replica_can_partial_resync", r), 1);
    assert.equal(value(s, "replscope_replica_backlog_headroom_bytes", r), 1048576);
    // The chained replica's master is the first replica.
    assert.equal(value(s, "replscope_replica_lag_bytes", { topology: "prod", node: C, master: R }), 0);
    assert.equal(value(s, "replscope_node_info", { topology: "prod", node: C, role: "replica", master: R }), 1);
  });

  test("replica_lag_bytes is the applied lag: master offset minus what the replica applied after it", () => {
    const behind = setFields(raw("replica.txt"), { slave_read_repl_offset: "1700", slave_repl_offset: "1700" });
    const s = samplesOf([node(M, ok(masterText())), node(R, ok(behind, T0 - 100), ok(behind, T0 + 100))]);
    const r = { topology: "prod", node: R, master: M };
    assert.equal(value(s, "replscope_replica_lag_bytes", r), 1968 - 1700);
    assert.equal(value(s, "replscope_replica_acked_offset_bytes", r), 1500);
  });

  test("replica_lag_bytes is left out while it cannot be known (no replica sample after the master's)", () => {
    const s = samplesOf([node(M, ok(masterText())), node(R, ok(raw("replica.txt"), T0 - 100))]);
    const r = { topology: "prod", node: R, master: M };
    assert.equal(value(s, "replscope_replica_lag_bytes", r), undefined);
    assert.equal(value(s, "replscope_replica_lag_seconds", r), 3, "the ACK age is the master's and still known");
    // In send_bulk the slaveN offset is not an ACK of the live stream yet: no ack lag then.
    assert.equal(value(s, "replscope_replica_ack_lag_bytes", r), undefined);
    assert.equal(value(s, "replscope_replica_acked_offset_bytes", r), 1500);
    assert.equal(value(s, "replscope_replica_can_partial_resync", r), 1);
  });

  test("a link down shows link_down_since; a down node only up, role and down time", () => {
    const states = [
      node(M, ok(masterText())),
      node(R, ok(raw("replica.txt")), { ok: false, at: T0 + 1000, error: "connect ECONNREFUSED" }),
      node(C, ok(raw("chained-replica-link-down.txt"))),
    ];
    const s = samplesOf(states, [], T0 + 6000);
    const r = { topology: "prod", node: R };
    assert.equal(value(s, "replscope_node_up", r), 0);
    assert.equal(value(s, "replscope_node_role", { ...r, role: "replica" }), 1, "last known role");
    assert.equal(value(s, "replscope_node_down_seconds", r), 5);
    for (const name of ["replscope_repl_offset_bytes", "replscope_replica_lag_bytes", "replscope_master_link_up", "replscope_connected_replicas"] as const) {
      assert.equal((s.get(name) ?? []).filter((x) => x.labels.node === R).length, 0, `${name} not exported for a down node`);
    }
    const c = { topology: "prod", node: C, master: R };
    assert.equal(value(s, "replscope_master_link_up", c), 0);
    assert.equal(value(s, "replscope_master_link_down_since_seconds", c), 2);
    assert.equal(value(s, "replscope_master_last_io_seconds_ago", c), undefined, "-1 means no live link: left out");
  });

  test("values outside the known sets become 'other'; unmonitored masters leave the label empty", () => {
    const odd = raw("master.txt").replace("master_failover_state:no-failover", "master_failover_state:some-new-state");
    const s = samplesOf([node(M, ok(odd)), node(R2, ok(raw("replica-2.txt")))]);
    const states = (s.get("replscope_master_failover_state") ?? []).filter((x) => x.labels.node === M);
    assert.deepEqual(states.filter((x) => x.value === 1).map((x) => x.labels.state), ["other"]);
    assert.ok(!states.some((x) => x.labels.state === "some-new-state"));

    const lone = samplesOf([node(R, ok(raw("replica.txt")))]);
    assert.equal(value(lone, "replscope_master_link_up", { topology: "prod", node: R }), 1);
    assert.equal(lone.get("replscope_master_link_up")?.[0]?.labels.master, "", "master not monitored: no label value from INFO");
  });

  test("active alerts counted per rule and severity, zeros included", () => {
    const alert = (rule: Alert["rule"], severity: Alert["severity"], node: string): Alert => ({ id: `${rule}:${node}`, rule, topology: "prod", node, severity, text: "", since: T0 });
    const s = samplesOf(healthy(), [alert("lag-bytes", "warning", R), alert("lag-bytes", "warning", R2), alert("node-down", "critical", C)]);
    assert.equal(value(s, "replscope_active_alerts", { topology: "prod", rule: "lag-bytes", severity: "warning" }), 2);
    assert.equal(value(s, "replscope_active_alerts", { topology: "prod", rule: "node-down", severity: "critical" }), 1);
    assert.equal(value(s, "replscope_active_alerts", { topology: "prod", rule: "full-resync", severity: "warning" }), 0);
    assert.equal(s.get("replscope_active_alerts")?.length, 22, "11 rules × 2 severities");
  });
});

describe("resyncLabels", () => {
  const ev = (kind: TimelineEvent["kind"], data?: TimelineEvent["data"], nodeId = R): TimelineEvent => ({ id: 1, at: T0, topology: "prod", kind, node: nodeId, severity: "info", text: "", data });
  const monitored = (n: string) => n === R;

  test("full and partial resyncs, with bounded reasons", () => {
    assert.deepEqual(resyncLabels(ev("sync:full-resync", { reason: "lack-of-backlog" }), monitored), { topology: "prod", node: R, kind: "full", reason: "lack-of-backlog" });
    assert.deepEqual(resyncLabels(ev("sync:full-resync", { reason: "made-up" }), monitored)?.reason, "unknown");
    assert.deepEqual(resyncLabels(ev("sync:full-resync", { reason: null }), monitored)?.reason, "unknown");
    assert.deepEqual(resyncLabels(ev("sync:partial-resync"), monitored), { topology: "prod", node: R, kind: "partial", reason: "none" });
  });

  test("other events and unmonitored nodes are not counted", () => {
    assert.equal(resyncLabels(ev("sync:started"), monitored), null);
    assert.equal(resyncLabels(ev("node:down"), monitored), null);
    assert.equal(resyncLabels(ev("sync:full-resync", { reason: "new-replica" }, "10.0.0.9:6380"), monitored), null);
  });
});

describe("parseExposition", () => {
  test("reads families, labels with escapes and special values", () => {
    const e = parseExposition(
      [
        "# HELP a_total things",
        "# TYPE a_total counter",
        'a_total{x="q\\"u\\\\o\\nte",y=""} 3',
        "# HELP h lat",
        "# TYPE h histogram",
        'h_bucket{le="+Inf"} 2',
        "h_sum 0.5",
        "h_count 2",
        "# HELP g g",
        "# TYPE g gauge",
        "g NaN",
        "# HELP g2 prom-client writes NaN as Nan",
        "# TYPE g2 gauge",
        "g2 Nan",
        "",
      ].join("\n"),
    );
    assert.equal(e.families.get("h")?.type, "histogram");
    assert.deepEqual(select(e, "a_total")[0]?.labels, { x: 'q"u\\o\nte', y: "" });
    assert.equal(select(e, "h_bucket", { le: "+Inf" })[0]?.value, 2);
    assert.ok(Number.isNaN(select(e, "g")[0]?.value));
    assert.ok(Number.isNaN(select(e, "g2")[0]?.value));
  });

  test("rejects malformed text", () => {
    assert.throws(() => parseExposition("x 1\n"), /without HELP\/TYPE/);
    assert.throws(() => parseExposition("# HELP x x\n# TYPE x gauge\nx{a=1} 1\n"), /bad labels/);
    assert.throws(() => parseExposition("# HELP x x\n# TYPE x gauge\nx one\n"), /bad value/);
    assert.throws(() => parseExposition('# HELP x x\n# TYPE x gauge\nx{a="1"} 1\nx{a="1"} 2\n'), /duplicate/);
    assert.throws(() => parseExposition("# TYPE x gauge\nx 1\n"), /TYPE without HELP/);
  });
});
