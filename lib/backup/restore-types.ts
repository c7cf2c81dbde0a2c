// The shape of a restore drill record, shared by the store, the runner, the API and the panel.
// Pure: safe to import from client components.
import type { DrillDifference, DrillKind, DrillStatus, RdbLoadFacts } from "./verify";

/** The optional step: the sandbox (the backup) against the live master, bounded. */
export interface LiveComparison {
  node: string;
  /** Keys only on the live master: written since the backup. */
  added: number;
  /** Keys only in the backup: deleted (or expired) since. */
  removed: number;
  /** In both, with a different type, value or expiry. */
  changed: number;
  unchanged: number;
  /** A few examples of each, display form. */
  samples: { kind: "added" | "removed" | "changed"; key: string; detail: string }[];
  /** Set when a side had more keys than the comparison reads: counts are then lower bounds. */
  truncated: string | null;
  error: string | null;
}

export interface RestoreDrillDetail {
  byType?: Record<string, number>;
  differences?: DrillDifference[];
  notes?: string[];
  /** Seconds until the data was in the sandbox (copy + load, or import). */
  restoreSeconds?: number;
  load?: RdbLoadFacts;
  import?: { status: string; restored: number; skipped: number; failed: number; expired: number; error: string | null; errorOffset: number | null; failures: { key: string; error: string }[] };
  compareWithLive?: boolean;
  live?: LiveComparison;
  /** Why the drill failed (Redis's own words when it refused the file). */
  error?: string;
}

export interface RestoreDrill {
  id: string;
  /** The replscope instance that runs (ran) it, with several instances; absent when running alone. */
  instance?: string;
  backupId: string;
  kind: DrillKind;
  status: DrillStatus;
  startedAt: number;
  finishedAt: number | null;
  keys: number | null;
  differences: number | null;
  seconds: number | null;
  line: string | null;
  detail: RestoreDrillDetail | null;
  requestedBy: string;
}

export const RESTORE_DRILL_ID = /^rd-[0-9a-f]{16}$/;
