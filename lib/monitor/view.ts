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

export function buildViews(states: Iterable<NodeState>, resolve: Resolve = (a) => a, resync: ResyncInfo = NO_RESYNC): NodeView[] {
  const byId = new Map<string, NodeState>();
  for (const s of states) byId.set(s.id, s);
  const views: NodeView[] = [];
  for (const s of byId.values()) views.push(buildView(s, byId, resolve, resync));
  return views.sort(compareViews);
}

function buildView(s: NodeState, byId: Map<string, NodeState>, resolve: Resolve, resync: ResyncInfo): NodeView {
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
