// Pure reducers for the browser's copy of the topology: snapshot in, deltas applied, lag sampled.
import type { NodeView } from "../monitor/types";
import type { TimelineEvent } from "../timeline/types";
import type { Alert, LagPoint, SentinelView, TopologyDelta, TopologySnapshot } from "./events";
import type { ClusterSummary } from "../cluster/report";

export interface LiveTopology {
  name: string;
  drills: boolean;
  nodes: Record<string, NodeView>;
  lag: Record<string, LagPoint[]>;
  alerts: Alert[];
  sentinels: SentinelView[];
  /** null: not a cluster (or not read yet). */
  cluster: ClusterSummary | null;
}

export interface LiveState {
  topologies: LiveTopology[];
  events: TimelineEvent[];
  updatedAt: number;
}

export const MAX_LAG_POINTS = 300;
export const MAX_EVENTS = 300;

export const emptyState: LiveState = { topologies: [], events: [], updatedAt: 0 };

export function fromSnapshot(s: TopologySnapshot): LiveState {
  return {
    topologies: s.topologies.map((t) => ({
      name: t.name,
      drills: t.drills,
      nodes: Object.fromEntries(t.nodes.map((n) => [n.id, n])),
      lag: Object.fromEntries(Object.entries(t.lagHistory).map(([id, pts]) => [id, pts.slice(-MAX_LAG_POINTS)])),
      alerts: t.alerts ?? [],
      sentinels: t.sentinels ?? [],
      cluster: t.cluster ?? null,
    })),
    events: s.events.slice(-MAX_EVENTS),
    updatedAt: s.at,
  };
}

export function applyDelta(state: LiveState, d: TopologyDelta): LiveState {
  const topologies = state.topologies.map((t) => {
    const change = d.topologies.find((c) => c.name === t.name);
    if (!change) return t;
    const nodes = { ...t.nodes };
    for (const patch of change.upserts) {
      const prev = nodes[patch.id];
      // A patch for an unknown node is a whole view (the server sends full views for new nodes).
      nodes[patch.id] = (prev ? { ...prev, ...patch } : patch) as NodeView;
    }
    for (const id of change.removed) delete nodes[id];
    return { ...t, nodes, alerts: change.alerts ?? t.alerts, sentinels: change.sentinels ?? t.sentinels, cluster: change.cluster === undefined ? t.cluster : change.cluster };
  });
  const events = d.events.length ? [...state.events, ...d.events].slice(-MAX_EVENTS) : state.events;
  return { topologies, events, updatedAt: d.at };
}

/** Appends one lag point per replica (called once a second) so charts move even when lag is flat. */
export function sampleLag(state: LiveState, now: number): LiveState {
  const topologies = state.topologies.map((t) => {
    const lag: Record<string, LagPoint[]> = {};
    for (const n of Object.values(t.nodes)) {
      if (n.role !== "replica") continue;
      const pts = t.lag[n.id] ?? [];
      const next = [...pts, [now, n.status === "up" ? n.lagBytes : null] as LagPoint];
      lag[n.id] = next.length > MAX_LAG_POINTS ? next.slice(-MAX_LAG_POINTS) : next;
    }
    return { ...t, lag };
  });
  return { ...state, topologies };
}

export interface TreeNode {
  node: NodeView;
  children: TreeNode[];
}

/** Masters at the roots, replicas under the node they replicate from; chained replicas nest. */
export function buildTree(nodes: NodeView[]): TreeNode[] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const kids = new Map<string, NodeView[]>();
  const roots: NodeView[] = [];
  for (const n of nodes) {
    if (n.masterId && byId.has(n.masterId) && n.masterId !== n.id) {
      const list = kids.get(n.masterId) ?? [];
      list.push(n);
      kids.set(n.masterId, list);
    } else roots.push(n);
  }
  const seen = new Set<string>();
  const grow = (n: NodeView): TreeNode => {
    seen.add(n.id);
    const children = (kids.get(n.id) ?? []).filter((c) => !seen.has(c.id)).sort(byAddress).map(grow);
    return { node: n, children };
  };
  const sortedRoots = roots.sort((a, b) => rank(a) - rank(b) || byAddress(a, b));
  const trees = sortedRoots.map(grow);
  // Replicas caught in a replication loop (A→B→A, briefly during re-pointing) still get shown.
  for (const n of nodes) if (!seen.has(n.id)) trees.push(grow(n));
  return trees;
}

function rank(n: NodeView): number {
  return n.role === "master" ? 0 : n.role === "replica" ? 1 : 2;
}

function byAddress(a: NodeView, b: NodeView): number {
  return a.host.localeCompare(b.host) || a.port - b.port;
}
