// Pure: a node's persistence view and hazards from what the monitor already holds (its last full
// INFO, the CONFIG it read, the save mark), so neither the API nor the overview polls anything new.
import type { NodeConfig, NodeState, PersistenceBadge } from "../monitor/types";
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

export type Freshness =
  | { kind: "unknown"; reason: string }
  | { kind: "current" }
  | { kind: "last-seen"; ageMs: number; reason: string };

/**
 * Whether the persistence values can be shown as current: the node answers and its last full INFO
 * is recent (three INFO periods, 10 s at least). Otherwise they are last-seen, with their age.
 */
export function persistenceFreshness(s: NodeState, sampledAt: number | null, now: number, infoMs: number): Freshness {
  if (sampledAt === null || !s.info?.persistence) return { kind: "unknown", reason: "this node has not reported INFO persistence yet" };
  const ageMs = Math.max(0, now - sampledAt);
  if (s.status !== "up") return { kind: "last-seen", ageMs, reason: s.lastError ? `not answering: ${s.lastError}` : "not answering" };
  if (ageMs > Math.max(3 * infoMs, 10_000)) return { kind: "last-seen", ageMs, reason: "no full INFO round since" };
  return { kind: "current" };
}

/** GET /api/nodes/{id}/persistence. */
export interface PersistenceReport {
  topology: string;
  node: string;
  role: "master" | "replica" | "unknown";
  status: "up" | "down";
  freshness: Freshness;
  /** epoch ms (server clock) of the INFO the view was built from; null: none yet. */
  sampledAt: number | null;
  /** The server's clock when answering. */
  now: number;
  noSaveSeconds: number;
  view: PersistenceView | null;
  hazards: Hazard[];
}
