// The shapes of a drill on a Redis Cluster shard: what is asked, what the plan check decided, and
// the report. Pure data. Node ids are the cluster's 40-hex ids; addresses are as announced (data).
import type { SlotRange } from "../../cluster/parse";
import type { FailureState } from "../../cluster/model";
import type { CanaryWrite } from "../canary";
import type { CanarySummary, DrillStep } from "../types";

/**
 * failover / force / takeover: CLUSTER FAILOVER [FORCE|TAKEOVER] sent to the chosen replica.
 * outage: the replica's master is made unresponsive (see OutageMethod) and the cluster is left to
 * fail over on its own.
 */
export const CLUSTER_DRILL_MODES = ["failover", "force", "takeover", "outage"] as const;
export type ClusterDrillMode = (typeof CLUSTER_DRILL_MODES)[number];

/**
 * pause: CLIENT PAUSE <ms> ALL — clients hang, but the cluster bus keeps answering PINGs, so the
 * cluster does NOT mark the master failed (measured on 7.0.15): the drill shows the client-side
 * outage and reports "not promoted". sleep: DEBUG SLEEP — the whole node freezes, bus included, so
 * the cluster fails it over after node-timeout; needs enable-debug-command on that node.
 */
export const OUTAGE_METHODS = ["pause", "sleep"] as const;
export type OutageMethod = (typeof OUTAGE_METHODS)[number];

export interface ClusterDrillRequest {
  /** The replica to promote (for an outage: a replica of the master to freeze). */
  replicaId: string;
  /** The shard the operator chose it in (its master's id): refused when the replica follows another master now. */
  shardMasterId?: string;
  mode: ClusterDrillMode;
  outageMethod?: OutageMethod;
  /** How long the master stays unresponsive (outage); default 10 s. */
  outageMs?: number;
}

export interface ClusterNodeRef {
  id: string;
  address: string;
  host: string;
  port: number;
}

/** What the drill will do, decided from one ClusterView before anything is sent. */
export interface ClusterDrillPlan {
  mode: ClusterDrillMode;
  outageMethod: OutageMethod | null;
  outageMs: number | null;
  replica: ClusterNodeRef;
  master: ClusterNodeRef;
  /** The shard's other replicas (followed by the canary too, they may be elected in an outage). */
  siblings: ClusterNodeRef[];
  /** The shard's slots when planned. */
  slots: SlotRange[];
  slotsText: string;
  /** The slot of the canary key (the shard's first slot). */
  canarySlot: number;
  /** The one command that changes the cluster, and the node it goes to. */
  command: { node: ClusterNodeRef; args: (string | number)[] };
  /** Whose CLUSTER NODES the drill follows: the seed unless it is in the affected shard. */
  observer: ClusterNodeRef;
  /** Every node the drill dials (named in the confirmation). */
  touches: ClusterNodeRef[];
  currentEpoch: number | null;
  /** Things worth saying in the confirmation that do not stop the drill. */
  warnings: string[];
}

export interface ClusterDrillCheck {
  /** Null when refused. */
  plan: ClusterDrillPlan | null;
  refusals: string[];
}

export interface ClusterDrillReport {
  mode: ClusterDrillMode;
  outageMethod: OutageMethod | null;
  slots: string;
  canaryKey: string;
  canarySlot: number;
  observer: string;
  replica: string;
  oldMaster: string;
  /** The shard's master at the end (the chosen replica, a sibling in an outage, or still the old one). */
  newMaster: string | null;
  /** A node of the shard other than the old master owns the shard's slots with a bumped epoch, in the observer's view. */
  promoted: boolean;
  startedAt: number;
  actionAt: number | null;
  promotedAt: number | null;
  endedAt: number;
  /** Action → promotion seen by the cluster (observer's view). */
  promoteMs: number | null;
  writeOutageMs: number | null;
  /** null: the writes could not be read back, so how many were lost is unknown. */
  lostWrites: number | null;
  canary: CanarySummary;
  epochBefore: number | null;
  epochAfter: number | null;
  newMasterConfigEpoch: number | null;
  /** The old master as the observer sees it at the end. */
  oldMasterNow: { role: string; masterId: string | null; failure: FailureState } | null;
}

export interface ClusterDrillResult {
  status: "done" | "failed" | "aborted";
  error: string | null;
  steps: DrillStep[];
  report: ClusterDrillReport;
  /** The canary's writes (bounded by maxWrites), for a caller that keeps or checks them. */
  writes: CanaryWrite[];
}
