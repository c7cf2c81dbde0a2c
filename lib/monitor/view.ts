// Pure: derives what the browser and the API see from the raw node states.
import { masterIdOf } from "./diff";
import type { ResyncOutcome } from "./resync-tracker";
import { backlogCoverage, positionOf } from "./sync";
import type { NodeState, NodeView } from "./types";

export type Resolve = (address: string) => string;

/** What the resync tracker knows, per replica; optional so pure tests can leave it out. */
export interface ResyncInfo {
  last(id: string): ResyncOutcome | undefined;
  inProgress(id: string): boolean;
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
): NodeView[] {
  const byId = new Map<string, NodeState>();
  for (const s of states) byId.set(s.id, s);
  const views: NodeView[] = [];
  for (const s of byId.values()) if (isShown(s, policy)) views.push(buildView(s, byId, resolve, resync, policy));
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

function buildView(s: NodeState, byId: Map<string, NodeState>, resolve: Resolve, resync: ResyncInfo, policy: PeerPolicy): NodeView {
  const rawMaster = masterIdOf(s);
  const masterId = rawMaster ? resolve(rawMaster) : null;
  const master = masterId ? byId.get(masterId) : undefined;
  const line = master?.status === "up" ? master.repl?.replicas.find((l) => resolve(l.id) === s.id) : undefined;
  const up = s.status === "up";
  let lagBytes: number | null = null;
  let lagSeconds: number | null = null;
  if (up && s.role === "replica") {
    if (line && master?.repl) lagBytes = Math.max(0, master.repl.masterReplOffset - line.offset);
    lagSeconds = line?.lagSeconds ?? s.repl?.lastIoSecondsAgo ?? null;
    if (lagSeconds !== null && lagSeconds < 0) lagSeconds = null;
  }
  const isReplica = s.role === "replica";
  const coverage =
    up && isReplica && master?.status === "up" && master.repl && s.repl?.linkStatus === "up"
      ? backlogCoverage(positionOf(s.repl)!, master.repl, master.writeRate)
      : null;
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
    lagBytes,
    lagSeconds,
    syncInProgress: up && (s.repl?.syncInProgress ?? false),
    readOnly: s.role === "replica" ? (s.repl?.readOnly ?? null) : null,
    runId: s.runId,
    priority: s.role === "replica" ? (s.repl?.priority ?? null) : null,
    replicaState: line?.state ?? null,
    linkDownSince: s.linkDownSince,
    downSince: s.downSince,
    lastError: s.lastError,
    connectedReplicas: up ? (s.repl?.connectedReplicas ?? 0) : 0,
    opsPerSec: s.facts?.opsPerSec ?? null,
    usedMemory: s.facts?.usedMemory ?? null,
    keys: s.facts ? s.facts.keyspace.reduce((n, db) => n + db.keys, 0) : null,
    writeRate: s.writeRate === null ? null : Math.round(s.writeRate),
    version: s.facts?.version ?? null,
    failoverState: s.repl?.failoverState ?? null,
    linkState: up && isReplica ? s.linkState : null,
    syncReadBytes: up && s.repl?.syncInProgress ? s.repl.syncReadBytes : null,
    syncTotalBytes: up && s.repl?.syncInProgress ? s.repl.syncTotalBytes : null,
    syncLastIoSecondsAgo: up && s.repl?.syncInProgress ? s.repl.syncLastIoSecondsAgo : null,
    disklessSyncDelay: s.nodeConfig?.disklessSync ? s.nodeConfig.disklessSyncDelay : null,
    canPartialResync: coverage ? coverage.canPartial : null,
    backlogHeadroomBytes: coverage ? coverage.headroomBytes : null,
    backlogHeadroomSeconds: coverage?.headroomSeconds != null ? Math.round(coverage.headroomSeconds) : null,
    backlogSize: isReplica ? (master?.repl?.backlog.size ?? null) : (s.repl?.backlog.size ?? null),
    resyncing: isReplica && resync.inProgress(s.id),
    lastResyncKind: last?.kind ?? null,
    lastResyncReason: last?.reason ?? null,
    lastResyncSource: last?.source ?? null,
    lastResyncAt: last?.endedAt ?? null,
    lastResyncKeysLoaded: last?.keysLoaded ?? null,
    peerNote: peerNote(s, byId, resolve, policy),
  };
}

/** Masters first, then by address, so lists and graphs stay in a stable order. */
function compareViews(a: NodeView, b: NodeView): number {
  const rank = (v: NodeView) => (v.role === "master" ? 0 : v.role === "replica" ? 1 : 2);
  return rank(a) - rank(b) || a.host.localeCompare(b.host) || a.port - b.port;
}

/**
 * Fields that move with every write but matter to nobody second by second: the broadcaster sends
 * them at a slower pace so a busy topology stays cheap for every browser.
 */
export const SLOW_FIELDS: ReadonlySet<keyof NodeView> = new Set<keyof NodeView>([
  "replOffset",
  "usedMemory",
  "opsPerSec",
  "keys",
  "writeRate",
  "backlogHeadroomBytes",
  "backlogHeadroomSeconds",
]);

/**
 * Field-level difference between two views of the same node; undefined when nothing changed.
 * With `skip`, those fields are left out (and stay as they were in `prev` for the caller).
 */
export function diffView(prev: NodeView | undefined, next: NodeView, skip?: ReadonlySet<keyof NodeView>): Partial<NodeView> & { id: string } | undefined {
  if (!prev) return next;
  const out: Record<string, unknown> = {};
  let changed = false;
  for (const [name] of Object.entries(next)) {
    const k = name as keyof NodeView;
    if (skip?.has(k)) continue;
    if (prev[k] !== next[k]) {
      out[k] = next[k];
      changed = true;
    }
  }
  return changed ? ({ ...out, id: next.id } as Partial<NodeView> & { id: string }) : undefined;
}
