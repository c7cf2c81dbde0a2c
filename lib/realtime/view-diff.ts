// Socket pacing for node views: which fields change on every write (sent at a slower pace) and the
// field-level patch between two views of a node. Pure; used by the broadcaster.
import type { NodeView } from "../monitor/types";

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
  "ackLagBytes",
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
    const a = prev[k];
    const b = next[k];
    // Scalars by value; the few list fields (persistenceBadges) by content, not identity.
    if (a !== b && !(typeof b === "object" && b !== null && typeof a === "object" && a !== null && JSON.stringify(a) === JSON.stringify(b))) {
      out[k] = next[k];
      changed = true;
    }
  }
  return changed ? ({ ...out, id: next.id } as Partial<NodeView> & { id: string }) : undefined;
}
