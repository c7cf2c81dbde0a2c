// Pure: pairs a replica's INFO sample with its master's so that comparisons are between readings
// whose order is known. Each node is polled on its own loop, so "the latest replica sample" may be
// newer than "the latest master sample": its offset can then be past the master's backlog end,
// which is clock skew, not lag and not "out of the backlog".
//
// A sample's command ran somewhere in [sentAt, at]. Two samples are ordered only when those
// intervals do not overlap:
//   replica-then-master: r.at <= m.sentAt  — the replica offset can only be <= the master's.
//   master-then-replica: r.sentAt >= m.at  — the replica has had time to apply what m reports.
import type { ReplSample } from "./types";

// Defined with the other state types (types.ts needs it; importing it from here made a cycle).
export type { ReplSample };

/** How many samples per node we keep for pairing (newest last). At 250 ms polls: 2 s. */
export const SAMPLE_DEPTH = 8;

export function pushSample(samples: readonly ReplSample[], s: ReplSample): ReplSample[] {
  const out = samples.length >= SAMPLE_DEPTH ? samples.slice(samples.length - SAMPLE_DEPTH + 1) : samples.slice();
  out.push(s);
  return out;
}

export interface SamplePair {
  replica: ReplSample;
  master: ReplSample;
}

/**
 * The newest pair in which the replica was read before the master: used to replay PSYNC, since a
 * replica offset read first can never be ahead of the master's backlog end.
 * Only the master's two newest samples qualify; callers must still check that the master answers
 * (a master that stopped answering keeps its last samples).
 */
export function replicaThenMaster(replica: readonly ReplSample[], master: readonly ReplSample[]): SamplePair | null {
  for (let i = master.length - 1; i >= Math.max(0, master.length - 2); i--) {
    const m = master[i]!;
    for (let j = replica.length - 1; j >= 0; j--) {
      const r = replica[j]!;
      if (r.at <= m.sentAt) return { replica: r, master: m };
    }
  }
  return null;
}

/**
 * The newest pair in which the replica was read after the master: its applied lag against that
 * master offset is a lower bound that is exact for a replica that stopped applying, and 0 for one
 * that keeps up — it never invents lag. Only the replica's two newest samples qualify.
 */
export function masterThenReplica(replica: readonly ReplSample[], master: readonly ReplSample[]): SamplePair | null {
  for (let j = replica.length - 1; j >= Math.max(0, replica.length - 2); j--) {
    const r = replica[j]!;
    for (let i = master.length - 1; i >= 0; i--) {
      const m = master[i]!;
      if (m.at <= r.sentAt) return { replica: r, master: m };
    }
  }
  return null;
}

export type AppliedLag = { bytes: number; unknown: null } | { bytes: null; unknown: string };

/**
 * Bytes the master had written (at its sample) that the replica had not applied (by its later
 * sample). Unknown — never a number — while the link is down, a sync runs, or the two follow
 * different histories.
 */
export function appliedLag(pair: SamplePair | null): AppliedLag {
  if (!pair) return { bytes: null, unknown: "no ordered samples of replica and master yet" };
  const r = pair.replica.repl;
  const m = pair.master.repl;
  // Redis reports the link down during a full sync: name the sync first.
  if (r.syncInProgress) return { bytes: null, unknown: "full sync in progress" };
  if (r.linkStatus !== "up") return { bytes: null, unknown: "link down" };
  if (r.replid !== m.replid) return { bytes: null, unknown: "replica and master report different replication IDs (a resync or failover is under way)" };
  return { bytes: Math.max(0, m.masterReplOffset - r.replOffset), unknown: null };
}
