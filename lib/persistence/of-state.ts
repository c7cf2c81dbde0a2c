// Pure: a node's persistence view and hazards from what the monitor already holds (its last full
// INFO, the CONFIG it read, the save mark), so neither the API nor the overview polls anything new.
import type { NodeConfig, NodeState, NodeView, PersistenceBadge } from "../monitor/types";
import { persistenceHazards, type Hazard } from "./hazards";
import { persistenceView, type PersistenceConfig, type PersistenceView } from "./view";

export interface NodePersistence {
  view: PersistenceView;
  hazards: Hazard[];
  /** epoch ms (our clock) the INFO behind the view was received. */
  sampledAt: number | null;
}

export function persistenceConfigOf(c: NodeConfig | null): PersistenceConfig | null {
  if (!c) return null;
  return { save: c.save ?? null, appendonly: c.appendonly ?? null, readAt: c.readAt ?? null };
}

export function nodePersistence(s: NodeState, now: number, noSaveSeconds: number): NodePersistence | null {
  if (!s.info?.persistence) return null;
  const view = persistenceView(s.info, persistenceConfigOf(s.nodeConfig), s.saveMark ?? null);
  const sampledAt = s.saveMark?.at ?? s.lastOkAt;
  const sinceSampleSeconds = sampledAt === null ? 0 : Math.max(0, (now - sampledAt) / 1000);
  return { view, hazards: persistenceHazards(view, { noSaveSeconds, sinceSampleSeconds }), sampledAt };
}

/** The hazards that earn a badge on the overview card. */
export function persistenceBadges(p: NodePersistence | null): PersistenceBadge[] {
  if (!p) return [];
  return p.hazards.filter((h) => h.severity !== "info").map(({ kind, severity, badge, text }) => ({ kind, severity, badge, text }));
}

/**
 * Views are rebuilt many times a second for every node, but the badges only change with a new
 * full INFO (a new `info` object), a new CONFIG reading or save mark, or as the no-save age
 * crosses a threshold: kept per INFO object and recomputed once a minute at most otherwise.
 */
const badgeCache = new WeakMap<object, { config: NodeConfig | null; mark: NodeState["saveMark"]; minute: number; noSaveSeconds: number; badges: PersistenceBadge[] }>();

export function nodeBadges(s: NodeState, now: number, noSaveSeconds: number): PersistenceBadge[] {
  if (!s.info) return [];
  const minute = Math.floor(now / 60_000);
  const hit = badgeCache.get(s.info);
  if (hit && hit.config === s.nodeConfig && hit.mark === s.saveMark && hit.minute === minute && hit.noSaveSeconds === noSaveSeconds) return hit.badges;
  const badges = persistenceBadges(nodePersistence(s, now, noSaveSeconds));
  badgeCache.set(s.info, { config: s.nodeConfig, mark: s.saveMark, minute, noSaveSeconds, badges });
  return badges;
}

/** Whether the view is current; its age is counted from `sampledAt` by whoever shows it. */
export type Freshness = { kind: "unknown"; reason: string } | { kind: "current" } | { kind: "last-seen"; reason: string };

/** How long a persistence sample counts as current: three INFO periods, 10 s at least. */
export function freshForMs(infoMs: number): number {
  return Math.max(3 * infoMs, 10_000);
}

/**
 * Whether the persistence values can be shown as current: the node answers and its last full INFO
 * is recent (three INFO periods, 10 s at least). Otherwise they are last-seen, with their age.
 */
export function persistenceFreshness(s: NodeState, sampledAt: number | null, now: number, infoMs: number): Freshness {
  if (sampledAt === null || !s.info?.persistence) return { kind: "unknown", reason: "this node has not reported INFO persistence yet" };
  if (s.status !== "up") return { kind: "last-seen", reason: s.lastError ? `not answering: ${s.lastError}` : "not answering" };
  if (now - sampledAt > freshForMs(infoMs)) return { kind: "last-seen", reason: "no full INFO round since" };
  return { kind: "current" };
}

/** The node page's persistence data (socket node channel) and, with `now` and `ageMs`, GET /api/nodes/{id}/persistence. */
export interface PersistenceReport {
  topology: string;
  node: string;
  role: "master" | "replica" | "unknown";
  status: "up" | "down";
  freshness: Freshness;
  /** epoch ms (server clock) of the INFO the view was built from; null: none yet. */
  sampledAt: number | null;
  /** A sample older than this is not current (a viewer re-checks with its own clock). */
  freshForMs: number;
  noSaveSeconds: number;
  view: PersistenceView | null;
  hazards: Hazard[];
}

export interface PersistenceSource {
  topology: string;
  infoMs: number;
  noSaveSeconds: number;
}

export function persistenceReport(state: NodeState | undefined, view: NodeView, src: PersistenceSource, now: number): PersistenceReport {
  const p = state ? nodePersistence(state, now, src.noSaveSeconds) : null;
  return {
    topology: src.topology,
    node: view.id,
    role: view.role,
    status: view.status,
    freshness: state ? persistenceFreshness(state, p?.sampledAt ?? null, now, src.infoMs) : { kind: "unknown", reason: "not polled yet" },
    sampledAt: p?.sampledAt ?? null,
    freshForMs: freshForMs(src.infoMs),
    noSaveSeconds: src.noSaveSeconds,
    view: p?.view ?? null,
    hazards: p?.hazards ?? [],
  };
}
