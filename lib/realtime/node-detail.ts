// The node page's data, built from the monitor, and the delta between two builds: the socket's
// node channel sends one snapshot, then only what changed (new chart points, new events, fields).
import type { HistoryJson } from "../monitor/history";
import type { TopologyMonitor } from "../monitor/topology-monitor";
import type { NodeView } from "../monitor/types";
import type { NodeDelta, NodeDetail, NodePatch } from "./events";
import { persistenceReport } from "../persistence/of-state";

/** The chart window a snapshot carries (the page's charts show the last 15 minutes). */
export const SNAPSHOT_HISTORY_MS = 15 * 60 * 1000;
const EVENTS_SCANNED = 500;
const EVENTS_KEPT = 100;

export function buildNodeDetail(monitor: TopologyMonitor, view: NodeView, sinceMs: number, now = Date.now()): NodeDetail {
  const state = monitor.state(view.id);
  return {
    topology: monitor.name,
    node: view,
    info: state?.info ?? null,
    lastOkAt: state?.lastOkAt ?? null,
    pollLatencyMs: state?.pollLatencyMs ?? null,
    backlog: state?.repl?.backlog ?? null,
    replicas: state?.repl?.replicas ?? [],
    replicaViews: monitor.views().filter((v) => v.masterId === view.id),
    history: monitor.history(view.id, sinceMs) ?? null,
    events: monitor.recentEvents(EVENTS_SCANNED).filter((e) => e.node === view.id).slice(-EVENTS_KEPT),
    persistence: persistenceReport(state, view, { topology: monitor.name, infoMs: monitor.config.infoMs, noSaveSeconds: monitor.noSaveSeconds() }, now),
  };
}

/** What was last sent on a node channel, kept small: JSON of the whole-value fields, the last point and event. */
export interface NodeMemo {
  view: NodeView;
  replicaViews: NodeView[];
  json: Partial<Record<WholeField, string>>;
  lastPointAt: number;
  lastEventId: number;
  infoSentAt: number;
}

const WHOLE = ["lastOkAt", "pollLatencyMs", "backlog", "replicas"] as const;
type WholeField = (typeof WHOLE)[number] | "info" | "persistence";

export function memoOf(d: NodeDetail, now: number): NodeMemo {
  const json: NodeMemo["json"] = { info: JSON.stringify(d.info), persistence: JSON.stringify(d.persistence ?? null) };
  for (const f of WHOLE) json[f] = JSON.stringify(d[f]);
  return { view: d.node, replicaViews: d.replicaViews, json, lastPointAt: d.history?.t.at(-1) ?? -Infinity, lastEventId: d.events.at(-1)?.id ?? 0, infoSentAt: now };
}

/** Changed fields of a node view; nested values compared by content. */
export function patchOf(prev: NodeView, next: NodeView): NodePatch | undefined {
  const out: Record<string, unknown> = {};
  let changed = false;
  for (const [k, v] of Object.entries(next)) {
    const old = (prev as unknown as Record<string, unknown>)[k];
    const same = v === old || (typeof v === "object" && v !== null && JSON.stringify(v) === JSON.stringify(old));
    if (!same) {
      out[k] = v;
      changed = true;
    }
  }
  return changed ? ({ ...out, id: next.id } as NodePatch) : undefined;
}

/** Points of `h` after `after` (epoch ms); undefined when there are none. */
export function pointsAfter(h: HistoryJson | null, after: number): HistoryJson | undefined {
  if (!h) return undefined;
  const from = h.t.findIndex((t) => t > after);
  if (from < 0) return undefined;
  const out = {} as HistoryJson;
  for (const [k, col] of Object.entries(h)) (out as Record<string, (number | null)[]>)[k] = (col as (number | null)[]).slice(from);
  return out;
}

/**
 * The delta from `memo` to `next` (`next.history` may hold only the newest points). INFO changes on
 * every poll (uptime, counters), so it goes out at most every `infoEveryMs`. Returns the new memo.
 */
export function nodeDelta(memo: NodeMemo, next: NodeDetail, key: string, now: number, infoEveryMs: number): { delta: NodeDelta | null; memo: NodeMemo } {
  const delta: NodeDelta = { at: now, key };
  let changed = false;
  const json = { ...memo.json };
  const node = patchOf(memo.view, next.node);
  if (node) {
    delta.node = node;
    changed = true;
  }
  for (const f of WHOLE) {
    const s = JSON.stringify(next[f]);
    if (s === json[f]) continue;
    json[f] = s;
    (delta as unknown as Record<string, unknown>)[f] = next[f];
    changed = true;
  }
  // Replica views change on every poll (offsets): only their changed fields go out.
  const before = new Map(memo.replicaViews.map((v) => [v.id, v]));
  const upserts: NodePatch[] = [];
  for (const v of next.replicaViews) {
    const prev = before.get(v.id);
    const p = prev ? patchOf(prev, v) : v;
    if (p) upserts.push(p);
  }
  const kept = new Set(next.replicaViews.map((v) => v.id));
  const removed = memo.replicaViews.filter((v) => !kept.has(v.id)).map((v) => v.id);
  if (upserts.length || removed.length) {
    delta.replicaViews = { upserts, removed };
    changed = true;
  }
  let infoSentAt = memo.infoSentAt;
  if (now - memo.infoSentAt >= infoEveryMs || (next.info === null) !== (json.info === "null")) {
    const s = JSON.stringify(next.info);
    if (s !== json.info) {
      json.info = s;
      delta.info = next.info;
      infoSentAt = now;
      changed = true;
    }
    // Built from the same full INFO rounds: it goes out with INFO's pace.
    const p = JSON.stringify(next.persistence ?? null);
    if (p !== json.persistence) {
      json.persistence = p;
      delta.persistence = next.persistence ?? null;
      infoSentAt = now;
      changed = true;
    }
  }
  const points = pointsAfter(next.history, memo.lastPointAt);
  if (points) {
    delta.points = points;
    changed = true;
  }
  const events = next.events.filter((e) => e.id > memo.lastEventId);
  if (events.length) {
    delta.events = events;
    changed = true;
  }
  const nextMemo: NodeMemo = {
    view: next.node,
    replicaViews: next.replicaViews,
    json,
    lastPointAt: points?.t.at(-1) ?? memo.lastPointAt,
    lastEventId: events.at(-1)?.id ?? memo.lastEventId,
    infoSentAt,
  };
  return { delta: changed ? delta : null, memo: nextMemo };
}
