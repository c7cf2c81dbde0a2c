// The shapes of a failover drill and its report. Pure data.
import type { TimelineEvent } from "../timeline/types";

export const SCENARIOS = ["switchover", "promote", "sentinel", "outage"] as const;
export type DrillScenario = (typeof SCENARIOS)[number];
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
  lostWrites: number;
  canary: CanarySummary;
  replicas: ReplicaOutcome[];
  /** When the old master rejoined with a full resync: how far its offset had run past the new master's second ID. */
  secondIdGap: number | null;
  finalTopology: { id: string; role: string; status: string; masterId: string | null }[];
}

export interface Drill {
  id: string;
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
  report: DrillReport | null;
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
}

/** What a drill will do, decided before it starts (DrillManager.plan). */
export interface DrillPlan {
  oldMaster: string;
  target: string | null;
  touches: string[];
  problems: string[];
  /** Replicas that were not online when the drill was planned: nobody waits for them to settle. */
  offline: string[];
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
  report: { newMaster: string | null; writeOutageMs: number | null; lostWrites: number; canary: { sent: number; failed: number } } | null;
}

export function listItem(d: Omit<Drill, "events">): DrillListItem {
  const r = d.report;
  return {
    id: d.id,
    topology: d.topology,
    scenario: d.scenario,
    target: d.target,
    user: d.user,
    status: d.status,
    startedAt: d.startedAt,
    endedAt: d.endedAt,
    report: r ? { newMaster: r.newMaster, writeOutageMs: r.writeOutageMs, lostWrites: r.lostWrites, canary: { sent: r.canary.sent, failed: r.canary.failed } } : null,
  };
}
