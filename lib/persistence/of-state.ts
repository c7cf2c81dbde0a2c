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
