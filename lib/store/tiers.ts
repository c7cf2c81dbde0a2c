// The metric history tiers and how each series rolls up: shared by the store (which writes and
// picks them) and the node page (which labels its charts). No database code here, so the browser
// bundle can import it.
import type { SeriesName } from "../monitor/history";

export type TierTable = "metric_1s" | "metric_1m" | "metric_1h";

export interface TierSpec {
  table: TierTable;
  stepMs: number;
  keepMs: number;
  /** How a chart names the tier's points. */
  name: string;
}

export const TIER_SPECS: readonly TierSpec[] = [
  { table: "metric_1s", stepMs: 1000, keepMs: 3600_000, name: "1-second samples" },
  { table: "metric_1m", stepMs: 60_000, keepMs: 7 * 86400_000, name: "1-minute" },
  { table: "metric_1h", stepMs: 3600_000, keepMs: 90 * 86400_000, name: "1-hour" },
];

/** last: a counter-like position; max: the worst moment matters (lag, memory peak); avg: rates. */
export const ROLLUP: Record<SeriesName, "last" | "max" | "avg"> = {
  replOffset: "last",
  lagBytes: "max",
  lagSeconds: "max",
  opsPerSec: "avg",
  usedMemory: "max",
  writeRate: "avg",
};

/** The tier whose resolution suits a chart spanning `spanMs` (and still holds data that old). */
export function tierSpecFor(spanMs: number): TierSpec {
  return TIER_SPECS.find((s) => spanMs <= s.keepMs) ?? TIER_SPECS[TIER_SPECS.length - 1]!;
}
