// Pure: one replica's episode — the window in which it resynced one or more times — and the
// outcomes its evidence supports. The tracker (resync-tracker.ts) opens, extends and closes
// episodes and lets them claim the masters' counted resyncs (resync-ledger.ts).
import { sameLink, type MasterLink } from "../redis/client-list";
import type { ReplSample } from "./consistent";
import type { ClaimHint, Unit, UnitKind } from "./resync-ledger";
import type { ResyncOutcome, ResyncSource } from "./resync-outcome";
import type { Psync, ReplicaPosition, ResyncReason } from "./sync";

/** The PSYNC decision replayed against a master's latest state (null: master not known). */
export type Replay = (master: string | null) => Psync | null;

export type LogEvidence = { kind?: UnitKind; reason?: ResyncReason; keysLoaded?: number };

export interface Episode {
  /** Masters the replica followed during the episode, oldest first: their counters are searched. */
  masters: string[];
  /**
   * Each time it was seen online on a new connection: one resync with that master ended in
   * (from, to], the one that made the connection.
   */
  sightings: Sighting[];
  openedAt: number;
  /** Its resyncs happened after this moment: the last sample that showed the old link was sent then. */
  from: number;
  /** Where the replica was before the link broke: what it will ask PSYNC for. */
  before: ReplicaPosition | null;
  /** False when we never saw this node with a history of its own: to the operator it is a new replica. */
  known: boolean;
  /** The master link seen healthy before, and once online again (undefined: not known). */
  linkBefore: MasterLink | undefined;
  linkAfter: MasterLink | undefined;
  /** The node did not answer meanwhile (it may have restarted): client ids do not compare. */
  interrupted: boolean;
  /** A resync certainly happened (link down, a sync, a new link or ID, a resync log line). */
  certain: boolean;
  /** First poll of a replica with a young link: reported only when the counters give it a resync. */
  firstSight: boolean;
  /** Only ever seen online: cut and re-made between two polls (the duration is an upper bound). */
  betweenPolls: boolean;
  sawSyncInProgress: boolean;
  log: LogEvidence;
  /** The poll that saw the replica online after its latest resync (the window's end); null while not online. */
  onlineAt: number | null;
  /** First poll online since the link was last seen down: the decision deadline counts from it. */
  graceFrom: number | null;
  /** That poll's sample: the next healthy baseline. */
  onlineSample: ReplSample | null;
}

export interface Sighting {
  master: string | null;
  from: number;
  to: number;
  /** When the poll that saw it was sent: the next sighting's resync came after. */
  sentAt: number;
}

export function episode(fields: Partial<Episode> & Pick<Episode, "masters" | "openedAt" | "from" | "before" | "known">): Episode {
  return {
    sightings: [],
    linkBefore: undefined,
    linkAfter: undefined,
    interrupted: false,
    certain: true,
    firstSight: false,
    betweenPolls: false,
    sawSyncInProgress: false,
    log: {},
    onlineAt: null,
    graceFrom: null,
    onlineSample: null,
    ...fields,
  };
}

export type LinkKept = "kept" | "new" | "same" | null;

/**
 * What the master link says about the episode: "kept" (same master client on a new connection: a
 * PSYNC continuation, partial), "new" (a new master client: a full resync, or the node was a master
 * meanwhile), "same" (the very same connection: no resync at all), null (not known).
 */
export function linkKept(ep: Episode): LinkKept {
  const a = ep.linkBefore;
  const b = ep.linkAfter;
  if (!a || !b) return null;
  if (sameLink(a, b)) return "same";
  if (ep.interrupted) return null;
  return a.id === b.id ? "kept" : "new";
}

/** A new connection, or (when the link is not known) a new replication ID: the replica resynced. */
export function renewed(link: MasterLink | undefined, replid: string | null, sample: ReplSample): boolean {
  if (link && sample.link) return !sameLink(link, sample.link);
  return replid !== null && sample.repl.replid !== null && sample.repl.replid !== replid;
}

/** What the replica's own evidence says about the kind of the units it may take from a step. */
export function claimHint(ep: Episode, kept: LinkKept, replayed: Psync | null): ClaimHint {
  const sawFull = ep.sawSyncInProgress || ep.log.keysLoaded !== undefined;
  const only = ep.log.kind ?? (sawFull ? "full" : kept === "kept" ? "partial" : null);
  return { only, prefer: kept === "new" ? "full" : (replayed?.kind ?? null) };
}

/** The outcome for unit `i` of the units a replica took (full ones first). */
export function fromUnit(id: string, ep: Episode, all: readonly Unit[], i: number, replay: Replay, now: number): ResyncOutcome {
  const u = all[i]!;
  const count = all.length;
  const lastOne = i === count - 1;
  let source: ResyncSource = "stats";
  if (lastOne && ep.log.kind === u.kind) source = "log";
  else if (u.kind === "full" && (ep.sawSyncInProgress || ep.log.keysLoaded !== undefined)) source = "info";
  let reason: ResyncReason | null = null;
  if (u.kind === "full") {
    const replayed = replay(u.master);
    const logReason = lastOne && ep.log.kind === "full" ? ep.log.reason : undefined;
    // No refusal counted: the replica asked with no history at all (PSYNC ? -1).
    reason = logReason ?? (replayed?.kind === "full" ? replayed.reason : u.refused ? "unknown" : "new-replica");
    if (!ep.known && (reason === "replid-mismatch" || reason === "unknown")) reason = "new-replica";
  }
  // The keys loaded belong to the last full sync.
  const isLastFull = u.kind === "full" && all[i + 1]?.kind !== "full";
  return {
    replica: id,
    master: u.master,
    kind: u.kind,
    reason,
    source,
    startedAt: ep.openedAt,
    endedAt: ep.onlineAt ?? now,
    keysLoaded: isLastFull ? (ep.log.keysLoaded ?? null) : null,
    ...(count > 1 ? { series: { index: i + 1, count } } : {}),
    ...(ep.betweenPolls ? { betweenPolls: true } : {}),
  };
}

/** The outcome when no counter can be matched: the replica's own evidence, strongest first. */
export function fromOwnEvidence(id: string, ep: Episode, kept: LinkKept, replay: Replay, now: number): ResyncOutcome {
  const master = ep.masters.at(-1) ?? null;
  const base = { replica: id, master, startedAt: ep.openedAt, endedAt: ep.onlineAt ?? now, keysLoaded: ep.log.keysLoaded ?? null, ...(ep.betweenPolls ? { betweenPolls: true } : {}) };
  const predicted = replay(master);
  const predictedReason = predicted?.kind === "full" ? predicted.reason : null;
  const fullReason = (r: ResyncReason | null | undefined): ResyncReason => {
    const reason = r ?? predictedReason ?? (ep.before ? "unknown" : "new-replica");
    // A fresh server made a replica at runtime asks PSYNC with its own empty history, which Redis
    // logs as an ID mismatch; to an operator that is simply a new replica.
    return !ep.known && (reason === "replid-mismatch" || reason === "unknown") ? "new-replica" : reason;
  };
  if (ep.log.kind) return { ...base, kind: ep.log.kind, reason: ep.log.kind === "full" ? fullReason(ep.log.reason) : null, source: "log" };
  if (ep.sawSyncInProgress || ep.log.keysLoaded !== undefined) return { ...base, kind: "full", reason: fullReason(null), source: "info" };
  if (kept === "kept") return { ...base, kind: "partial", reason: null, source: "link" };
  if (kept === "new") return { ...base, kind: "full", reason: fullReason(null), source: "link" };
  if (predicted) return { ...base, kind: predicted.kind, reason: predicted.kind === "full" ? fullReason(null) : null, source: "predicted" };
  return { ...base, kind: "full", reason: fullReason("unknown"), source: "predicted" };
}

/**
 * Unit `i` of `count` a master counted in one step whose replica the polls cannot tell: reported
 * on the master, naming the nodes that may have made it (none: a replica replscope does not watch).
 */
export function unidentified(u: Unit, candidates: readonly string[], i: number, count: number): ResyncOutcome {
  return {
    replica: null,
    candidates: [...candidates].sort(),
    master: u.master,
    kind: u.kind,
    // A full one without a refusal counted was asked for with no history at all (PSYNC ? -1).
    reason: u.kind === "full" ? (u.refused ? "unknown" : "new-replica") : null,
    source: "stats",
    startedAt: u.from,
    endedAt: u.to,
    keysLoaded: null,
    betweenPolls: true,
    ...(count > 1 ? { series: { index: i + 1, count } } : {}),
  };
}
