// Pure: Redis's own PSYNC decision, replayed from INFO, so we can say whether a replica would (or
// did) resync partially and how much more the master may write before that stops being true.
import type { ReplicationInfo } from "../redis/info";
import type { NodeState } from "./types";

export type ResyncReason = "new-replica" | "replid-mismatch" | "second-id-offset-ahead" | "lack-of-backlog" | "unknown";

export const REASON_TEXT: Record<ResyncReason, string> = {
  "new-replica": "new replica (no replication history to continue from)",
  "replid-mismatch": "replication ID changed (the master's history is not the one the replica followed)",
  "second-id-offset-ahead": "the replica's offset ran ahead of where the master's second replication ID ends",
  "lack-of-backlog": "fell out of the backlog (the master no longer holds the bytes the replica missed)",
  unknown: "reason not visible (no readable log, several replicas resynced at once)",
};

/** What a replica would send in PSYNC: its cached master's replication ID and offset. */
export interface ReplicaPosition {
  replid: string | null;
  offset: number;
}

export type Psync = { kind: "partial" } | { kind: "full"; reason: ResyncReason };

/** Mirrors masterTryPartialResynchronization() in Redis 7.0 replication.c. */
export function predictPsync(replica: ReplicaPosition | null, master: ReplicationInfo): Psync {
  if (!replica || !replica.replid || replica.offset < 0) return { kind: "full", reason: "new-replica" };
  const psyncOffset = replica.offset + 1;
  if (replica.replid !== master.replid) {
    if (replica.replid !== master.replid2) return { kind: "full", reason: "replid-mismatch" };
    if (master.secondReplOffset === null || psyncOffset > master.secondReplOffset) {
      return { kind: "full", reason: "second-id-offset-ahead" };
    }
  }
  const b = master.backlog;
  if (!b.active || psyncOffset < b.firstByteOffset || psyncOffset > b.firstByteOffset + b.histlen) {
    return { kind: "full", reason: "lack-of-backlog" };
  }
  return { kind: "partial" };
}

export interface BacklogCoverage {
  /** Would the replica resync partially if its link dropped right now? */
  canPartial: boolean;
  /** How many more bytes the master can write before this replica falls out of the backlog. */
  headroomBytes: number;
  /** headroomBytes at the master's current write rate; null when the master is not writing. */
  headroomSeconds: number | null;
}

export function backlogCoverage(replica: ReplicaPosition, master: ReplicationInfo, writeRate: number | null): BacklogCoverage {
  const canPartial = predictPsync(replica, master).kind === "partial";
  // The backlog keeps the last repl_backlog_size bytes: the replica stays covered while the
  // master's offset is at most replicaOffset + size.
  const headroomBytes = canPartial ? Math.max(0, replica.offset + master.backlog.size - master.masterReplOffset) : 0;
  const headroomSeconds = writeRate && writeRate > 0 ? headroomBytes / writeRate : null;
  return { canPartial, headroomBytes, headroomSeconds };
}

export function positionOf(repl: ReplicationInfo | null): ReplicaPosition | null {
  if (!repl) return null;
  return { replid: repl.replid, offset: repl.replOffset };
}

/**
 * Seconds until a master with no replicas frees its backlog (repl-backlog-ttl; Redis 7.0's
 * replicationCron, which also changes the replication ID then, so no replica can resync
 * partially afterwards). null while replicas are connected, for replicas (they keep their
 * backlog), when the TTL is 0 (never) or unknown (CONFIG not permitted). Counts from the earliest
 * moment the last replica can have left, so it never runs late; 0 means "due now".
 */
export function backlogTtlRemaining(master: NodeState, now: number): number | null {
  const ttl = master.nodeConfig?.replBacklogTtl;
  if (master.repl?.role !== "master" || master.noReplicasSince === null || !master.repl.backlog.active) return null;
  if (ttl === undefined || ttl === null || ttl <= 0) return null;
  return Math.max(0, Math.floor(ttl - (now - master.noReplicasSince) / 1000));
}
