// The shapes of a failover drill and its report. Pure data.
import type { TimelineEvent } from "../timeline/types";
import type { ClusterDrillMode, ClusterDrillPlan, ClusterDrillReport, OutageMethod } from "./cluster/types";

export const REPLICATION_SCENARIOS = ["switchover", "promote", "sentinel", "outage"] as const;
export type ReplicationScenario = (typeof REPLICATION_SCENARIOS)[number];
/** Drills on a Redis Cluster shard (lib/drills/cluster): CLUSTER FAILOVER on a replica, or its master made unresponsive. */
export const CLUSTER_SCENARIOS = ["cluster-failover", "cluster-outage"] as const;
export type ClusterScenario = (typeof CLUSTER_SCENARIOS)[number];
export const SCENARIOS = [...REPLICATION_SCENARIOS, ...CLUSTER_SCENARIOS] as const;
export type DrillScenario = (typeof SCENARIOS)[number];
export const isClusterScenario = (s: DrillScenario): s is ClusterScenario => s === "cluster-failover" || s === "cluster-outage";
/** CLUSTER FAILOVER's variants (cluster-failover). */
export const CLUSTER_FAILOVER_MODES = ["failover", "force", "takeover"] as const satisfies readonly ClusterDrillMode[];
/** "interrupted": the dashboard process stopped (crash, kill -9) while the drill ran. */
export type DrillStatus = "running" | "done" | "aborted" | "failed" | "interrupted";

export interface DrillStep {
  at: number;
  name: string;
  /** "started": written to disk before its command was sent; it becomes "ok" or "error". */
  status: "started" | "ok" | "error" | "info" | "waiting";
  detail: string;
  /** The step sent a command to a node (or Sentinel): it changed, or may have changed, the topology. */
  command?: boolean;
}

export interface ReplicaOutcome {
  id: string;
  resync: "partial" | "full" | null;
  reason: string | null;
  /** From the drill's action until the replica was back online with the new master. */
  onlineAfterMs: number | null;
}

export interface CanarySummary {
  sent: number;
  acked: number;
  failed: number;
  /** Acked by some master, missing on the final master. */
  lostSeqs: number[];
}

export interface DrillReport {
  startedAt: number;
  actionAt: number | null;
  endedAt: number;
  oldMaster: string | null;
  newMaster: string | null;
  /** First sign of trouble seen (sdown, link down, node down) after the action. */
  detectMs: number | null;
  /** Action → the new master seen in master role. */
  promoteMs: number | null;
  /** First failed canary write → first successful one after it. */
  writeOutageMs: number | null;
  /** null: the writes could not be read back, so how many were lost is unknown. */
  lostWrites: number | null;
  canary: CanarySummary;
  replicas: ReplicaOutcome[];
  /** When the old master rejoined with a full resync: how far its offset had run past the new master's second ID. */
  secondIdGap: number | null;
  finalTopology: { id: string; role: string; status: string; masterId: string | null }[];
}

export interface Drill {
  id: string;
  /** The replscope instance that runs (ran) it, with several instances; absent when running alone. */
  instance?: string;
  topology: string;
  scenario: DrillScenario;
  target: string | null;
  options: DrillOptions;
  user: string;
  status: DrillStatus;
  startedAt: number;
  endedAt: number | null;
  /** Every node the drill may touch, named in the confirmation. */
  touches: string[];
  steps: DrillStep[];
  events: TimelineEvent[];
  /** Replication drills' report; null for cluster drills (see clusterReport). */
  report: DrillReport | null;
  /** Cluster drills only (absent on drills stored before they existed): the plan that was confirmed and the report. */
  clusterPlan?: ClusterDrillPlan;
  clusterReport?: ClusterDrillReport | null;
  error: string | null;
}

export interface DrillOptions {
  /** Run even when pre-checks fail. */
  force?: boolean;
  /** FAILOVER ... FORCE / TIMEOUT (switchover). */
  failoverTimeoutMs?: number;
  failoverForce?: boolean;
  /** Re-point the old master under the new one too (promote). */
  includeOldMaster?: boolean;
  /** How long the master stays unresponsive (outage). */
  outageMs?: number;
  /** Overall deadline for the drill to settle. */
  timeoutMs?: number;
  /** cluster-failover: CLUSTER FAILOVER (default), FORCE or TAKEOVER. */
  clusterMode?: (typeof CLUSTER_FAILOVER_MODES)[number];
  /** cluster-outage: CLIENT PAUSE (the cluster keeps the master) or DEBUG SLEEP (it fails over). */
  outageMethod?: OutageMethod;
  /** Cluster drills: the shard (its master's host:port) the operator chose the replica in. */
  shardMaster?: string;
}

/** What a drill will do, decided before it starts (DrillManager.plan). */
export interface DrillPlan {
  oldMaster: string;
  target: string | null;
  touches: string[];
  problems: string[];
  /** Replicas that were not online when the drill was planned: nobody waits for them to settle. */
  offline: string[];
  /**
   * Cluster drills: the checked plan (null when refused: `problems` then holds the refusals, which
   * options.force does not override) and the shard's slots.
   */
  cluster?: { plan: ClusterDrillPlan | null; refusals: string[]; warnings: string[]; slots: string | null };
}

/** What the drill list shows of a drill: its summary columns, no steps, no events. */
export interface DrillListItem {
  id: string;
  topology: string;
  scenario: DrillScenario;
  target: string | null;
  user: string;
  status: DrillStatus;
  startedAt: number;
  endedAt: number | null;
  report: { newMaster: string | null; writeOutageMs: number | null; lostWrites: number | null; canary: { sent: number; failed: number } } | null;
}

/** The list's summary of either report; a cluster drill names its new master by address. */
export function reportSummary(d: Pick<Drill, "report" | "clusterReport" | "clusterPlan">): DrillListItem["report"] {
  const r = d.report;
  if (r) return { newMaster: r.newMaster, writeOutageMs: r.writeOutageMs, lostWrites: r.lostWrites, canary: { sent: r.canary.sent, failed: r.canary.failed } };
  const c = d.clusterReport;
  if (!c) return null;
  const p = d.clusterPlan;
  const address = p ? [p.master, p.replica, ...p.siblings].find((n) => n.id === c.newMaster)?.address : undefined;
  return { newMaster: address ?? c.newMaster, writeOutageMs: c.writeOutageMs, lostWrites: c.lostWrites, canary: { sent: c.canary.sent, failed: c.canary.failed } };
}

export function listItem(d: Omit<Drill, "events">): DrillListItem {
  return {
    id: d.id,
    topology: d.topology,
    scenario: d.scenario,
    target: d.target,
    user: d.user,
    status: d.status,
    startedAt: d.startedAt,
    endedAt: d.endedAt,
    report: reportSummary(d),
  };
}
