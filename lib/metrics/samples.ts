// Pure: turns what the monitor knows right now (views, raw states, active alerts) into Prometheus
// samples. No prom-client and no I/O here, so every series can be tested from captured INFO output.
// Label values come only from monitored nodes and from small fixed sets; anything Redis reports
// outside those sets becomes "other", so a scrape's cardinality is bounded by the node list.
import type { Alert, AlertRule } from "../alerts/rules";
import type { ResyncReason } from "../monitor/sync";
import type { NodeState, NodeView } from "../monitor/types";
import type { TimelineEvent } from "../timeline/types";
import type { SentinelView } from "../sentinel/discover";
import type { ClusterStatus } from "../cluster/watcher";
import { slotCount } from "../cluster/model";

export type MetricType = "gauge" | "counter";

export interface MetricSpec {
  help: string;
  type: MetricType;
  labelNames: readonly string[];
}

export type Labels = Record<string, string>;

export interface Sample {
  labels: Labels;
  value: number;
}

const NODE = ["topology", "node"] as const;
const REPLICA = ["topology", "node", "master"] as const;

/** Every metric built from the monitor's state, keyed by its full name. */
/** The names of an exhaustive record (the `satisfies` below each use keeps the list complete). */
function namesOf(record: Record<string, 1>): string[] {
  return Object.entries(record).map(([name]) => name);
}

const SENTINEL = ["topology", "sentinel"] as const;
const SENTINEL_MASTER = ["topology", "sentinel", "master_name"] as const;

const CLUSTER = ["topology"] as const;

export const NODE_METRICS = {
  replscope_cluster_state: {
    type: "gauge",
    labelNames: ["topology", "state"],
    help: "cluster_state as last read (state set: ok, fail; 1 for the current one). Cluster topologies only.",
  },
  replscope_cluster_reading_age_seconds: { type: "gauge", labelNames: CLUSTER, help: "Seconds since the cluster view was last read (grows while no cluster node answers)." },
  replscope_cluster_current_epoch: { type: "gauge", labelNames: CLUSTER, help: "cluster_current_epoch as last read." },
  replscope_cluster_slots: {
    type: "gauge",
    labelNames: ["topology", "state"],
    help: "Slots by state: covered (a master claims them), uncovered (no master), pfail / fail (their master is flagged so by the node read).",
  },
  replscope_cluster_known_nodes: { type: "gauge", labelNames: CLUSTER, help: "Nodes the cluster view lists." },
  replscope_cluster_shards: { type: "gauge", labelNames: CLUSTER, help: "Masters serving at least one slot (cluster_size)." },
  replscope_cluster_migrating_slots: { type: "gauge", labelNames: CLUSTER, help: "Slots in MIGRATING/IMPORTING state." },
  replscope_cluster_migration_keys_left: { type: "gauge", labelNames: CLUSTER, help: "Keys left in migrating slots (sum of COUNTKEYSINSLOT on the sources read this round)." },
  replscope_sentinel_up: { type: "gauge", labelNames: SENTINEL, help: "1 when the sentinel answered its last poll." },
  replscope_sentinel_subscribed: { type: "gauge", labelNames: SENTINEL, help: "1 while the sentinel's PSUBSCRIBE connection is up (events arrive live)." },
  replscope_sentinel_master_info: {
    type: "gauge",
    labelNames: ["topology", "sentinel", "master_name", "address"],
    help: "Always 1; the address this sentinel believes is the master (only monitored nodes; else other).",
  },
  replscope_sentinel_master_sdown: { type: "gauge", labelNames: SENTINEL_MASTER, help: "1 when this sentinel flags the master s_down." },
  replscope_sentinel_master_odown: { type: "gauge", labelNames: SENTINEL_MASTER, help: "1 when this sentinel flags the master o_down." },
  replscope_sentinel_quorum: { type: "gauge", labelNames: SENTINEL_MASTER, help: "Configured quorum for the master." },
  replscope_sentinel_ckquorum_ok: { type: "gauge", labelNames: SENTINEL_MASTER, help: "1 when SENTINEL CKQUORUM says the quorum and majority are reachable." },
  replscope_sentinel_other_sentinels: { type: "gauge", labelNames: SENTINEL_MASTER, help: "Other sentinels this sentinel sees for the master." },
  replscope_sentinel_known_replicas: { type: "gauge", labelNames: SENTINEL_MASTER, help: "Replicas this sentinel knows for the master." },
  replscope_sentinel_failover_in_progress: { type: "gauge", labelNames: SENTINEL_MASTER, help: "1 while this sentinel runs a failover for the master (only the leader does)." },
  replscope_node_up: { type: "gauge", labelNames: NODE, help: "1 when the last poll of the node succeeded, 0 when it failed." },
  replscope_node_role: {
    type: "gauge",
    labelNames: ["topology", "node", "role"],
    help: "Role of the node as last seen (state set: 1 for the current role, 0 for the others).",
  },
  replscope_node_info: {
    type: "gauge",
    labelNames: ["topology", "node", "role", "master", "version"],
    help: "Always 1; carries the node's role, its master (replicas) and redis_version as labels.",
  },
  replscope_node_down_seconds: { type: "gauge", labelNames: NODE, help: "Seconds since the first failed poll of the current outage (down nodes only)." },
  replscope_node_last_poll_duration_seconds: { type: "gauge", labelNames: NODE, help: "Duration of the last successful poll of the node." },
  replscope_uptime_seconds: { type: "gauge", labelNames: NODE, help: "uptime_in_seconds from INFO server." },
  replscope_connected_clients: { type: "gauge", labelNames: NODE, help: "connected_clients from INFO clients." },
  replscope_used_memory_bytes: { type: "gauge", labelNames: NODE, help: "used_memory from INFO memory." },
  replscope_instantaneous_ops_per_sec: { type: "gauge", labelNames: NODE, help: "instantaneous_ops_per_sec from INFO stats." },
  replscope_db_keys: { type: "gauge", labelNames: ["topology", "node", "db"], help: "Keys per database from INFO keyspace." },
  replscope_db_keys_expiring: { type: "gauge", labelNames: ["topology", "node", "db"], help: "Keys with an expiry per database from INFO keyspace." },
  replscope_write_rate_bytes_per_second: {
    type: "gauge",
    labelNames: NODE,
    help: "Growth of master_repl_offset in bytes/s, smoothed by replscope (replication write rate).",
  },
  replscope_connected_replicas: { type: "gauge", labelNames: NODE, help: "connected_slaves from INFO replication." },
  replscope_repl_offset_bytes: {
    type: "gauge",
    labelNames: ["topology", "node", "role"],
    help: "Replication offset: master_repl_offset on masters, slave_repl_offset on replicas.",
  },
  replscope_master_repl_offset_bytes: { type: "gauge", labelNames: NODE, help: "master_repl_offset from INFO replication (every role)." },
  replscope_second_repl_offset: { type: "gauge", labelNames: NODE, help: "second_repl_offset from INFO replication (-1 when there is no second replication ID)." },
  replscope_repl_backlog_active: { type: "gauge", labelNames: NODE, help: "repl_backlog_active from INFO replication." },
  replscope_repl_backlog_size_bytes: { type: "gauge", labelNames: NODE, help: "repl_backlog_size from INFO replication." },
  replscope_repl_backlog_histlen_bytes: { type: "gauge", labelNames: NODE, help: "repl_backlog_histlen: bytes of history currently held in the backlog." },
  replscope_repl_backlog_first_byte_offset: { type: "gauge", labelNames: NODE, help: "repl_backlog_first_byte_offset from INFO replication." },
  replscope_master_failover_state: {
    type: "gauge",
    labelNames: ["topology", "node", "state"],
    help: "master_failover_state (state set: 1 for the current state, 0 for the others).",
  },
  replscope_master_link_up: { type: "gauge", labelNames: REPLICA, help: "1 when master_link_status is up (replicas)." },
  replscope_master_last_io_seconds_ago: { type: "gauge", labelNames: REPLICA, help: "master_last_io_seconds_ago (replicas with a live link)." },
  replscope_master_link_down_since_seconds: {
    type: "gauge",
    labelNames: REPLICA,
    help: "master_link_down_since_seconds: seconds the link to the master has been down (replicas whose link is down).",
  },
  replscope_master_sync_in_progress: { type: "gauge", labelNames: REPLICA, help: "master_sync_in_progress: 1 while the replica loads a full sync." },
  replscope_master_sync_total_bytes: {
    type: "gauge",
    labelNames: REPLICA,
    help: "master_sync_total_bytes of the full sync in progress (0 or -1 when diskless: size not announced).",
  },
  replscope_master_sync_read_bytes: { type: "gauge", labelNames: REPLICA, help: "master_sync_read_bytes of the full sync in progress." },
  replscope_master_sync_last_io_seconds_ago: { type: "gauge", labelNames: REPLICA, help: "master_sync_last_io_seconds_ago of the full sync in progress." },
  replscope_replica_link_state: {
    type: "gauge",
    labelNames: ["topology", "node", "state"],
    help: "Replica side of the handshake from ROLE (state set: connect, connecting, handshake, sync, connected).",
  },
  replscope_replica_read_only: { type: "gauge", labelNames: NODE, help: "slave_read_only (replicas)." },
  replscope_replica_priority: { type: "gauge", labelNames: NODE, help: "slave_priority / replica-priority (replicas)." },
  replscope_replica_lag_bytes: {
    type: "gauge",
    labelNames: REPLICA,
    help: "Applied lag: bytes its master had written (at a master sample) that the replica had not applied (at a later replica sample). Absent while unknown (link down, sync, master not answering).",
  },
  replscope_replica_ack_lag_bytes: {
    type: "gauge",
    labelNames: REPLICA,
    help: "Bytes the replica's acknowledged offset (ACKs come once a second) is behind its master's master_repl_offset.",
  },
  replscope_replica_lag_seconds: { type: "gauge", labelNames: REPLICA, help: "Seconds since the replica's last ack (lag= on the master's slaveN line)." },
  replscope_replica_acked_offset_bytes: { type: "gauge", labelNames: REPLICA, help: "The replica's acknowledged offset as its master reports it (offset= on slaveN)." },
  replscope_replica_state: {
    type: "gauge",
    labelNames: ["topology", "node", "master", "state"],
    help: "The replica's state on its master: wait_bgsave, send_bulk, online (state set).",
  },
  replscope_replica_can_partial_resync: {
    type: "gauge",
    labelNames: REPLICA,
    help: "1 when the master's backlog still covers the replica: a dropped link now would resync partially.",
  },
  replscope_replica_backlog_headroom_bytes: {
    type: "gauge",
    labelNames: REPLICA,
    help: "Bytes the master can still write before the replica falls out of its backlog.",
  },
  replscope_replica_backlog_headroom_seconds: {
    type: "gauge",
    labelNames: REPLICA,
    help: "Backlog headroom at the master's current write rate (absent while the master is not writing).",
  },
  replscope_replica_resync_in_progress: { type: "gauge", labelNames: NODE, help: "1 while replscope follows a (re)sync of this replica." },
  replscope_sync_full_total: { type: "counter", labelNames: NODE, help: "sync_full from INFO stats: full resyncs this node served." },
  replscope_sync_partial_ok_total: { type: "counter", labelNames: NODE, help: "sync_partial_ok from INFO stats: partial resyncs this node accepted." },
  replscope_sync_partial_err_total: { type: "counter", labelNames: NODE, help: "sync_partial_err from INFO stats: partial resyncs this node refused." },
  replscope_active_alerts: {
    type: "gauge",
    labelNames: ["topology", "rule", "severity"],
    help: "Alerts currently firing, by rule and severity.",
  },
} as const satisfies Record<string, MetricSpec>;

export type NodeMetricName = keyof typeof NODE_METRICS;
export type Samples = Map<NodeMetricName, Sample[]>;

// Fixed label sets. Records over the union types make the compiler flag a new rule or reason.
const ALERT_RULES = namesOf({
  "lag-bytes": 1,
  "lag-seconds": 1,
  "link-down": 1,
  "replicas-missing": 1,
  "full-resync": 1,
  "writable-replica": 1,
  "backlog-coverage": 1,
  "node-down": 1,
  "cluster-slots-uncovered": 1,
  "cluster-state-fail": 1,
  "cluster-slots-on-failed-master": 1,
} satisfies Record<AlertRule, 1>) as AlertRule[];
const ALERT_SEVERITIES = ["warning", "critical"] as const;
export const RESYNC_REASONS = namesOf({
  "new-replica": 1,
  "replid-mismatch": 1,
  "second-id-offset-ahead": 1,
  "lack-of-backlog": 1,
  unknown: 1,
} satisfies Record<ResyncReason, 1>) as ResyncReason[];
const ROLES = ["master", "replica", "unknown"] as const;
const FAILOVER_STATES = ["no-failover", "waiting-for-sync", "failover-in-progress"] as const;
const REPLICA_STATES = ["wait_bgsave", "send_bulk", "online"] as const;
const LINK_STATES = ["connect", "connecting", "handshake", "sync", "connected"] as const;
const OTHER = "other";

/** A state set: every known state 0/1, plus "other" (1) when the value is none of them. */
function stateSet(known: readonly string[], current: string, base: Labels, label = "state"): Sample[] {
  const out = known.map((s) => ({ labels: { ...base, [label]: s }, value: s === current ? 1 : 0 }));
  if (!known.includes(current)) out.push({ labels: { ...base, [label]: OTHER }, value: 1 });
  return out;
}

function safeVersion(v: string | null): string {
  if (v === null) return "";
  return /^[0-9][0-9A-Za-z.\-]{0,31}$/.test(v) ? v : OTHER;
}

export interface TopologyInput {
  name: string;
  /** monitor.views(): already resolved, one per monitored node. */
  views: NodeView[];
  /** Raw state of a monitored node (for fields the view does not carry). */
  state(id: string): NodeState | undefined;
  alerts: Alert[];
  now: number;
  /** Configured sentinels' views (label values come from the configured list only). */
  sentinels?: SentinelView[];
  /** The cluster watcher's status, for a cluster topology. */
  cluster?: ClusterStatus | null;
}

export function buildSamples(topologies: readonly TopologyInput[]): Samples {
  const out: Samples = new Map();
  const add = (name: NodeMetricName, labels: Labels, value: number | null | undefined): void => {
    if (value === null || value === undefined || !Number.isFinite(value)) return;
    let list = out.get(name);
    if (!list) out.set(name, (list = []));
    list.push({ labels, value });
  };
  const addAll = (name: NodeMetricName, samples: Sample[]): void => {
    for (const s of samples) add(name, s.labels, s.value);
  };

  for (const t of topologies) {
    const monitored = new Set(t.views.map((v) => v.id));
    for (const v of t.views) {
      const s = t.state(v.id);
      const node: Labels = { topology: t.name, node: v.id };
      const up = v.status === "up";
      const master = v.masterId !== null && monitored.has(v.masterId) ? v.masterId : "";
      const replica: Labels = { ...node, master };

      add("replscope_node_up", node, up ? 1 : 0);
      addAll("replscope_node_role", stateSet(ROLES, v.role, node, "role"));
      add("replscope_node_info", { ...node, role: v.role, master, version: safeVersion(v.version) }, 1);
      if (!up) {
        if (v.downSince !== null) add("replscope_node_down_seconds", node, Math.max(0, (t.now - v.downSince) / 1000));
        continue;
      }
      if (s?.pollLatencyMs != null) add("replscope_node_last_poll_duration_seconds", node, s.pollLatencyMs / 1000);

      const facts = s?.facts ?? null;
      if (facts) {
        add("replscope_uptime_seconds", node, facts.uptimeSeconds);
        add("replscope_connected_clients", node, facts.connectedClients);
        add("replscope_used_memory_bytes", node, facts.usedMemory);
        add("replscope_instantaneous_ops_per_sec", node, facts.opsPerSec);
        for (const db of facts.keyspace) {
          add("replscope_db_keys", { ...node, db: `db${db.db}` }, db.keys);
          add("replscope_db_keys_expiring", { ...node, db: `db${db.db}` }, db.expires);
        }
      }
      if (s?.writeRate != null) add("replscope_write_rate_bytes_per_second", node, s.writeRate);

      const repl = s?.repl ?? null;
      if (repl) {
        add("replscope_connected_replicas", node, repl.connectedReplicas);
        add("replscope_repl_offset_bytes", { ...node, role: repl.role }, repl.replOffset);
        add("replscope_master_repl_offset_bytes", node, repl.masterReplOffset);
        add("replscope_second_repl_offset", node, repl.secondReplOffset);
        add("replscope_repl_backlog_active", node, repl.backlog.active ? 1 : 0);
        add("replscope_repl_backlog_size_bytes", node, repl.backlog.size);
        add("replscope_repl_backlog_histlen_bytes", node, repl.backlog.histlen);
        add("replscope_repl_backlog_first_byte_offset", node, repl.backlog.firstByteOffset);
        if (repl.failoverState !== null) addAll("replscope_master_failover_state", stateSet(FAILOVER_STATES, repl.failoverState, node));
      }
      if (s?.syncCounters) {
        add("replscope_sync_full_total", node, s.syncCounters.full);
        add("replscope_sync_partial_ok_total", node, s.syncCounters.partialOk);
        add("replscope_sync_partial_err_total", node, s.syncCounters.partialErr);
      }

      if (v.role !== "replica" || !repl) continue;
      const linkUp = repl.linkStatus === "up";
      add("replscope_master_link_up", replica, linkUp ? 1 : 0);
      if (linkUp && repl.lastIoSecondsAgo !== null && repl.lastIoSecondsAgo >= 0) add("replscope_master_last_io_seconds_ago", replica, repl.lastIoSecondsAgo);
      if (!linkUp) add("replscope_master_link_down_since_seconds", replica, repl.linkDownSinceSeconds);
      add("replscope_master_sync_in_progress", replica, repl.syncInProgress ? 1 : 0);
      if (repl.syncInProgress) {
        add("replscope_master_sync_total_bytes", replica, repl.syncTotalBytes);
        add("replscope_master_sync_read_bytes", replica, repl.syncReadBytes);
        add("replscope_master_sync_last_io_seconds_ago", replica, repl.syncLastIoSecondsAgo);
      }
      if (v.linkState !== null) addAll("replscope_replica_link_state", stateSet(LINK_STATES, v.linkState, node));
      if (v.readOnly !== null) add("replscope_replica_read_only", node, v.readOnly ? 1 : 0);
      add("replscope_replica_priority", node, v.priority);
      add("replscope_replica_lag_bytes", replica, v.lagBytes);
      add("replscope_replica_lag_seconds", replica, v.lagSeconds);
      add("replscope_replica_ack_lag_bytes", replica, v.ackLagBytes);
      if (v.masterId !== null) {
        const line = t.state(v.masterId)?.repl?.replicas.find((l) => l.id === v.id);
        add("replscope_replica_acked_offset_bytes", replica, line?.offset);
      }
      if (v.replicaState !== null) addAll("replscope_replica_state", stateSet(REPLICA_STATES, v.replicaState, replica));
      if (v.canPartialResync !== null) add("replscope_replica_can_partial_resync", replica, v.canPartialResync ? 1 : 0);
      add("replscope_replica_backlog_headroom_bytes", replica, v.backlogHeadroomBytes);
      add("replscope_replica_backlog_headroom_seconds", replica, v.backlogHeadroomSeconds);
      add("replscope_replica_resync_in_progress", node, v.resyncing ? 1 : 0);
    }

    for (const sv of t.sentinels ?? []) {
      const base: Labels = { topology: t.name, sentinel: sv.id };
      add("replscope_sentinel_up", base, sv.status === "up" ? 1 : 0);
      add("replscope_sentinel_subscribed", base, sv.subscribed ? 1 : 0);
      if (sv.status !== "up") continue;
      // Master names come from the sentinel's config: bounded by what the operator configured.
      for (const m of sv.masters.slice(0, 32)) {
        const ml: Labels = { ...base, master_name: /^[A-Za-z0-9._-]{1,64}$/.test(m.name) ? m.name : OTHER };
        add("replscope_sentinel_master_info", { ...ml, address: monitored.has(m.address) ? m.address : OTHER }, 1);
        add("replscope_sentinel_master_sdown", ml, m.flags.includes("s_down") ? 1 : 0);
        add("replscope_sentinel_master_odown", ml, m.flags.includes("o_down") ? 1 : 0);
        add("replscope_sentinel_quorum", ml, m.quorum);
        add("replscope_sentinel_ckquorum_ok", ml, m.ckquorum.ok ? 1 : 0);
        add("replscope_sentinel_other_sentinels", ml, m.numOtherSentinels);
        add("replscope_sentinel_known_replicas", ml, m.numReplicas);
        add("replscope_sentinel_failover_in_progress", ml, m.failoverState && m.failoverState !== "wait-start" ? 1 : 0);
      }
    }

    const cv = t.cluster?.view;
    if (t.cluster && cv) {
      const base: Labels = { topology: t.name };
      addAll("replscope_cluster_state", stateSet(["ok", "fail"], cv.state, base));
      if (t.cluster.readAt !== null) add("replscope_cluster_reading_age_seconds", base, Math.max(0, (t.now - t.cluster.readAt) / 1000));
      add("replscope_cluster_current_epoch", base, cv.currentEpoch);
      add("replscope_cluster_slots", { ...base, state: "covered" }, cv.coverage.coveredCount);
      add("replscope_cluster_slots", { ...base, state: "uncovered" }, slotCount(cv.coverage.uncovered));
      add("replscope_cluster_slots", { ...base, state: "pfail" }, slotCount(cv.coverage.pfail));
      add("replscope_cluster_slots", { ...base, state: "fail" }, slotCount(cv.coverage.fail));
      add("replscope_cluster_known_nodes", base, cv.nodes.length);
      add("replscope_cluster_shards", base, cv.shards.filter((s) => s.slotCount > 0).length);
      add("replscope_cluster_migrating_slots", base, t.cluster.migrations.length);
      add("replscope_cluster_migration_keys_left", base, t.cluster.migrations.reduce((n, m) => n + (m.keysLeft ?? 0), 0));
    }

    const counts = new Map<string, number>();
    for (const a of t.alerts) counts.set(`${a.rule}|${a.severity}`, (counts.get(`${a.rule}|${a.severity}`) ?? 0) + 1);
    for (const rule of ALERT_RULES) {
      for (const severity of ALERT_SEVERITIES) {
        add("replscope_active_alerts", { topology: t.name, rule, severity }, counts.get(`${rule}|${severity}`) ?? 0);
      }
    }
  }
  return out;
}

export interface ResyncLabels {
  topology: string;
  node: string;
  kind: "full" | "partial";
  reason: ResyncReason | "none";
}

/**
 * Labels for counting one timeline event as a resync, or null when it is not one. The node must be
 * monitored (`isMonitored`), and reasons outside the known set count as "unknown".
 */
export function resyncLabels(e: TimelineEvent, isMonitored: (node: string) => boolean): ResyncLabels | null {
  if (e.kind !== "sync:full-resync" && e.kind !== "sync:partial-resync") return null;
  if (!isMonitored(e.node)) return null;
  if (e.kind === "sync:partial-resync") return { topology: e.topology, node: e.node, kind: "partial", reason: "none" };
  const raw = e.data?.reason;
  const reason = RESYNC_REASONS.find((r) => r === raw) ?? "unknown";
  return { topology: e.topology, node: e.node, kind: "full", reason };
}
