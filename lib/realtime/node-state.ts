// Pure reducer for the browser's copy of one node's page: a snapshot, then deltas from the socket.
// Deltas may repeat what a snapshot already holds (a feed's memo can be older than a new page's
// snapshot): fields replace, points and events are appended only when newer.
import type { HistoryJson } from "../monitor/history";
import type { NodeView } from "../monitor/types";
import type { NodeDelta, NodeDetail } from "./events";

/** The charts' window; older points fall off as new ones arrive. */
export const CHART_WINDOW_MS = 15 * 60 * 1000;
export const MAX_POINTS = 3600;
export const MAX_NODE_EVENTS = 100;

export function appendPoints(h: HistoryJson | null, p: HistoryJson): HistoryJson {
  if (!h) return p;
  const last = h.t.at(-1) ?? -Infinity;
  const from = p.t.findIndex((t) => t > last);
  if (from < 0) return h;
  const newest = p.t.at(-1) ?? last;
  const merged = {} as HistoryJson;
  const all = [...h.t, ...p.t.slice(from)];
  let start = all.findIndex((t) => t >= newest - CHART_WINDOW_MS);
  start = Math.max(start < 0 ? 0 : start, all.length - MAX_POINTS);
  for (const [k, col] of Object.entries(h)) {
    const add = (p as Record<string, (number | null)[]>)[k] ?? [];
    (merged as Record<string, (number | null)[]>)[k] = [...(col as (number | null)[]), ...add.slice(from)].slice(start);
  }
  return merged;
}

export function applyNodeDelta(d: NodeDetail, delta: NodeDelta): NodeDetail {
  const next: NodeDetail = { ...d };
  if (delta.node) next.node = { ...d.node, ...delta.node } as NodeView;
  if (delta.info !== undefined) next.info = delta.info;
  if (delta.persistence !== undefined) next.persistence = delta.persistence;
  if (delta.lastOkAt !== undefined) next.lastOkAt = delta.lastOkAt;
  if (delta.pollLatencyMs !== undefined) next.pollLatencyMs = delta.pollLatencyMs;
  if (delta.backlog !== undefined) next.backlog = delta.backlog;
  if (delta.replicas) next.replicas = delta.replicas;
  if (delta.replicaViews) {
    const { upserts, removed } = delta.replicaViews;
    const gone = new Set(removed);
    const byId = new Map(d.replicaViews.filter((v) => !gone.has(v.id)).map((v) => [v.id, v]));
    // A patch for an unknown replica is a whole view (the server sends whole views for new ones).
    for (const p of upserts) byId.set(p.id, { ...byId.get(p.id), ...p } as NodeView);
    next.replicaViews = [...byId.values()];
  }
  if (delta.points) next.history = appendPoints(d.history, delta.points);
  if (delta.events?.length) {
    const last = d.events.at(-1)?.id ?? 0;
    const fresh = delta.events.filter((e) => e.id > last);
    if (fresh.length) next.events = [...d.events, ...fresh].slice(-MAX_NODE_EVENTS);
  }
  return next;
}
