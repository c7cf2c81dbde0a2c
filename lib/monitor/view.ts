// Pure: derives what the browser and the API see from the raw node states.
import { masterIdOf } from "./diff";
import type { ResyncOutcome } from "./resync-tracker";
import { appliedLag, masterThenReplica, replicaThenMaster } from "./consistent";
import { backlogCoverage, backlogTtlRemaining, positionOf } from "./sync";
import type { NodeState, NodeView } from "./types";
import { DEFAULT_NO_SAVE_SECONDS } from "../persistence/hazards";
import { nodeBadges } from "../persistence/of-state";

export type Resolve = (address: string) => string;

/** What the resync tracker knows, per replica; optional so pure tests can leave it out. */
export interface ResyncInfo {
  last(id: string): ResyncOutcome | undefined;
  inProgress(id: string): boolean;
  /** Where the replica's latest sync started, from a log line that says so (absent: not known). */
  syncStart?(id: string): SyncStart | undefined;
}

export interface SyncStart {
  kind: "full" | "partial";
  offset: number;
  at: number;
}

const NO_RESYNC: ResyncInfo = { last: () => undefined, inProgress: () => false };

/** Which nodes the operator named, and which announced addresses replscope may dial. */
export interface PeerPolicy {
  /** Seeds: shown as nodes even before (or without ever) answering. */
  pinned(id: string): boolean;
  /** discovery.allow; always true without one. */
  mayDial(host: string, port: number): boolean;
}

/** Pure callers (tests) that pass no policy see every state as a node, as before. */
const SHOW_ALL: PeerPolicy = { pinned: () => true, mayDial: () => true };
const MAX_PEER_NOTES = 10;

/**
 * An address only others announced is a node once it answers: until then it is a note on the node
 * that names it, so forged announcements cannot fill the map (and the alerts) with dead nodes.
 */
export function isShown(s: NodeState, policy: PeerPolicy): boolean {
  return s.answeredAt !== null || policy.pinned(s.id);
}

export function buildViews(
  states: Iterable<NodeState>,
  resolve: Resolve = (a) => a,
  resync: ResyncInfo = NO_RESYNC,
  policy: PeerPolicy = SHOW_ALL,
  now = Date.now(),
  noSaveSeconds = DEFAULT_NO_SAVE_SECONDS,
): NodeView[] {
  const byId = new Map<string, NodeState>();
  for (const s of states) byId.set(s.id, s);
  const views: NodeView[] = [];
  for (const s of byId.values()) if (isShown(s, policy)) views.push(buildView(s, byId, resolve, resync, policy, now, noSaveSeconds));
  return views.sort(compareViews);
}

/** What this node names but the map does not show, in operator words; null when nothing. */
function peerNote(s: NodeState, byId: Map<string, NodeState>, resolve: Resolve, policy: PeerPolicy): string | null {
  if (s.status !== "up" || !s.repl) return null;
  const notes: string[] = [];
  const judge = (host: string, port: number, id: string, relation: "master" | "replica"): void => {
    const named = relation === "master" ? `points at ${id}` : `lists replica ${id}`;
    const peer = byId.get(resolve(id));
    if (!policy.mayDial(host, port)) notes.push(`${named} (not contacted: outside the allowed addresses)`);
    // Tried and never answered; a peer not yet tried gets no note (it is being contacted).
    else if (peer && !isShown(peer, policy) && peer.lastError !== null) notes.push(`${named}, which does not answer`);
  };
  const r = s.repl;
  if (r.role === "replica" && r.masterHost && r.masterPort !== null) judge(r.masterHost, r.masterPort, `${r.masterHost}:${r.masterPort}`, "master");
  for (const l of r.replicas) judge(l.ip, l.port, l.id, "replica");
  if (!notes.length) return null;
  const more = notes.length - MAX_PEER_NOTES;
  return notes.slice(0, MAX_PEER_NOTES).join("; ") + (more > 0 ? `; and ${more} more` : "");
}


/** Applied lag and the PSYNC replay for a replica, each from samples in a known order. */
function replicaReadings(s: NodeState, master: NodeState | undefined, now: number) {
  if (s.role !== "replica") return { lag: null, lagUnknown: null, coverage: null, ttl: null };
  if (s.status !== "up") return { lag: null, lagUnknown: "this replica is not answering", coverage: null, ttl: null };
  if (!master) return { lag: null, lagUnknown: "its master is not known to replscope", coverage: null, ttl: null };
  if (master.status !== "up") return { lag: null, lagUnknown: "its master is not answering", coverage: null, ttl: null };
  const applied = appliedLag(masterThenReplica(s.samples, master.samples));
  const pair = replicaThenMaster(s.samples, master.samples);
  const m = pair?.master.repl;
  // The PSYNC replay needs a replica that has a position and a master that is one (a replica's
  // backlog also serves its own sub-replicas, but it is never freed by repl-backlog-ttl).
  const coverage = pair && m && !pair.replica.repl.syncInProgress ? backlogCoverage(positionOf(pair.replica.repl)!, m, master.writeRate) : null;
  const ttl = coverage && m?.role === "master" ? backlogTtlRemaining(master, now) : null;
  return { lag: applied.bytes, lagUnknown: applied.unknown, coverage, ttl };
}

function buildView(s: NodeState, byId: Map<string, NodeState>, resolve: Resolve, resync: ResyncInfo, policy: PeerPolicy, now: number, noSaveSeconds: number): NodeView {
  const rawMaster = masterIdOf(s);
  const masterId = rawMaster ? resolve(rawMaster) : null;
  const master = masterId ? byId.get(masterId) : undefined;
  // The master's own account of this replica (its slaveN line) holds even when the replica is frozen.
  const line = master?.status === "up" ? master.repl?.replicas.find((l) => resolve(l.id) === s.id) : undefined;
  const up = s.status === "up";
  const isReplica = s.role === "replica";
  const raw = replicaReadings(s, master, now);
  // While a resync is being confirmed the replica's fresh position is not settled yet.
  // (Only once it is back online: while its link is down the countdowns are exactly what matters.)
  const confirming = isReplicaState(s) && s.repl?.linkStatus === "up" && resync.inProgress(s.id);
  const readings = confirming ? { ...raw, coverage: null, ttl: null } : raw;
  const coverage = readings.coverage;
  const lagSeconds = isReplica && line?.lagSeconds !== undefined && line.lagSeconds !== null && line.lagSeconds >= 0 ? line.lagSeconds : null;
  // The slaveN offset is 0 until the replica's first ACK on a new connection (and during
  // wait_bgsave/send_bulk): no number then, rather than "the whole offset unacknowledged".
  const noAckYet = line !== undefined && line.offset === 0 && (s.repl?.replOffset ?? 0) > 0;
  const ackLagBytes = isReplica && line && line.state === "online" && !noAckYet && master?.repl ? Math.max(0, master.repl.masterReplOffset - line.offset) : null;
  const minReplicas = s.role === "master" ? (s.nodeConfig?.minReplicasToWrite ?? null) : null;
  const goodReplicas = s.role === "master" ? (s.repl?.goodReplicas ?? null) : null;
  const last = isReplica ? resync.last(s.id) : undefined;
  return {
    id: s.id,
    host: s.host,
    port: s.port,
    role: s.role ?? "unknown",
    status: s.status,
    masterId,
    linkStatus: s.role === "replica" ? (s.repl?.linkStatus ?? null) : null,
    replOffset: s.repl?.replOffset ?? null,
    lagBytes: readings.lag,
    lagUnknown: isReplica ? readings.lagUnknown : null,
    lagSeconds,
    ackLagBytes,
    masterLastIoSeconds: up && isReplica ? (s.repl?.lastIoSecondsAgo ?? null) : null,
    replTimeout: isReplica ? (s.nodeConfig?.replTimeout ?? null) : null,
    masterAnswering: isReplica && master ? master.status === "up" : null,
    stale: !up && s.lastOkAt !== null,
    lastSeenAt: s.lastOkAt,
    replid: s.repl?.replid ?? null,
    syncInProgress: up && (s.repl?.syncInProgress ?? false),
    readOnly: s.role === "replica" ? (s.repl?.readOnly ?? null) : null,
    runId: s.runId,
    priority: s.role === "replica" ? (s.repl?.priority ?? null) : null,
    replicaState: line?.state ?? null,
    linkDownSince: s.linkDownSince,
    downSince: s.downSince,
    lastError: s.lastError,
    connectedReplicas: s.repl?.connectedReplicas ?? 0,
    // Rates describe "now": a node that does not answer has none.
    opsPerSec: up ? (s.facts?.opsPerSec ?? null) : null,
    usedMemory: s.facts?.usedMemory ?? null,
    keys: s.facts ? s.facts.keyspace.reduce((n, db) => n + db.keys, 0) : null,
    writeRate: !up || s.writeRate === null ? null : Math.round(s.writeRate),
    version: s.facts?.version ?? null,
    failoverState: s.repl?.failoverState ?? null,
    linkState: up && isReplica ? s.linkState : null,
    syncReadBytes: up && s.repl?.syncInProgress ? s.repl.syncReadBytes : null,
    syncTotalBytes: up && s.repl?.syncInProgress ? s.repl.syncTotalBytes : null,
    syncLastIoSecondsAgo: up && s.repl?.syncInProgress ? s.repl.syncLastIoSecondsAgo : null,
    disklessSyncDelay: s.nodeConfig?.disklessSync ? s.nodeConfig.disklessSyncDelay : null,
    snapshotStartsInSeconds: line && master ? snapshotStartsIn(master, line.id, now) : null,
    canPartialResync: coverage ? coverage.canPartial : null,
    backlogHeadroomBytes: coverage ? coverage.headroomBytes : null,
    backlogHeadroomSeconds: coverage?.headroomSeconds != null ? Math.round(coverage.headroomSeconds) : null,
    backlogTtlRemainingSeconds: readings.ttl,
    backlogTtlKnownStart: readings.ttl !== null && master ? master.noReplicasSinceKnown : null,
    minReplicasToWrite: minReplicas,
    goodReplicas,
    writesRefused: up && minReplicas !== null && minReplicas > 0 && goodReplicas !== null ? goodReplicas < minReplicas : null,
    backlogSize: isReplica ? (master?.repl?.backlog.size ?? null) : (s.repl?.backlog.size ?? null),
    resyncing: isReplica && resync.inProgress(s.id),
    lastResyncKind: last?.kind ?? null,
    lastResyncReason: last?.reason ?? null,
    lastResyncSource: last?.source ?? null,
    lastResyncAt: last?.endedAt ?? null,
    lastResyncKeysLoaded: last?.keysLoaded ?? null,
    syncStartOffset: isReplica ? (resync.syncStart?.(s.id)?.offset ?? null) : null,
    syncStartKind: isReplica ? (resync.syncStart?.(s.id)?.kind ?? null) : null,
    peerNote: peerNote(s, byId, resolve, policy),
    persistenceBadges: nodeBadges(s, now, noSaveSeconds),
  };
}

/** repl-diskless-sync-delay countdown for a replica its master holds in wait_bgsave. */
function snapshotStartsIn(master: NodeState, lineId: string, now: number): number | null {
  const st = master.lineStateSince[lineId];
  const delay = master.nodeConfig?.disklessSync ? master.nodeConfig.disklessSyncDelay : null;
  if (!st || st.state !== "wait_bgsave" || delay === null || delay === undefined) return null;
  // Upper bound: from the latest moment the wait can have begun, plus Redis's once-a-second cron.
  return Math.max(0, Math.ceil(delay + 1 - (now - st.since) / 1000));
}

function isReplicaState(s: NodeState): boolean {
  return s.role === "replica";
}

/** Masters first, then by address, so lists and graphs stay in a stable order. */
function compareViews(a: NodeView, b: NodeView): number {
  const rank = (v: NodeView) => (v.role === "master" ? 0 : v.role === "replica" ? 1 : 2);
  return rank(a) - rank(b) || a.host.localeCompare(b.host) || a.port - b.port;
}
