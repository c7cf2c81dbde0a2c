// Pure, browser-safe: the order the "Back up now" picker offers nodes in.
import type { NodeView } from "../monitor/types";

/** Replicas first (a replica's fork does not pause the master), then masters, nodes that are down last. */
export function backupCandidates(views: readonly NodeView[]): NodeView[] {
  const rank = (v: NodeView) => (v.status !== "up" ? 3 : v.role === "replica" ? 0 : v.role === "master" ? 1 : 2);
  return [...views].sort((a, b) => rank(a) - rank(b) || a.id.localeCompare(b.id));
}
