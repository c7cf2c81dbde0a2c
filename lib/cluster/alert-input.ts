// Pure: what the alert rules need to know about a cluster, from the watcher's status. A reading
// that failed or grew old is "not current": the cluster alerts then neither fire nor resolve.
import type { ClusterAlertInput } from "../alerts/rules";
import { formatRanges, slotCount } from "./model";
import type { ClusterStatus } from "./watcher";

/** A view older than this (three missed 2 s reads) no longer decides anything. */
export const CLUSTER_STALE_MS = 6000;

export function clusterAlertInput(status: ClusterStatus | null, now: number): ClusterAlertInput | null {
  if (!status?.view) return status ? { current: false, state: "unknown", uncoveredCount: 0, uncovered: "", failCount: 0, fail: "" } : null;
  const v = status.view;
  const current = status.lastError === null && status.readAt !== null && now - status.readAt <= CLUSTER_STALE_MS;
  return {
    current,
    state: v.state,
    uncoveredCount: slotCount(v.coverage.uncovered),
    uncovered: formatRanges(v.coverage.uncovered),
    failCount: slotCount(v.coverage.fail),
    fail: formatRanges(v.coverage.fail),
  };
}
