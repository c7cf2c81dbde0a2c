// The compare report: what a job found, bounded, and its CSV form. Pure.
import type { DifferenceKind } from "./fingerprint";

/** Differences that count, plus the two outcomes that must not be mistaken for them. */
export type ReportKind = DifferenceKind | "expiring" | "unverified";

export interface ReportDifference {
  /** codec token (reopen it in the key browser). */
  key: string;
  display: string;
  kind: ReportKind;
  /** The replica the difference is on (host:port). */
  node: string;
  detail: string;
}

export type JobStatus = "running" | "done" | "cancelled" | "failed";
export type JobPhase = "starting" | "master" | "replicas" | "recheck" | "finished";

export interface ReplicaSummary {
  id: string;
  readOnly: boolean | null;
  lagBytesAtStart: number | null;
}

export interface CompareSummary {
  id: string;
  topology: string;
  master: string;
  replicas: ReplicaSummary[];
  match: string | null;
  db: number;
  status: JobStatus;
  phase: JobPhase;
  startedAt: number;
  finishedAt: number | null;
  /** Keys examined (SCAN replies; COUNT hints when a pattern filters) over all passes. */
  scanned: number;
  /** DBSIZE of the master plus each replica, when the job started. */
  total: number;
  /** Keys whose fingerprints were compared. */
  compared: number;
  keysPerSec: number;
  etaSeconds: number | null;
  /** Confirmed differences by kind, counted even past the stored limit. */
  counts: Record<ReportKind, number>;
  /** Candidates that disappeared on re-check (replication caught up, key rewritten). */
  resolvedOnRecheck: number;
  truncated: boolean;
  maxKeysPerSec: number;
  error: string | null;
}

export interface CompareReport extends CompareSummary {
  differences: ReportDifference[];
}

export const KINDS: ReportKind[] = ["missing-on-replica", "only-on-replica", "type", "value", "ttl", "expiring", "unverified"];

export function emptyCounts(): Record<ReportKind, number> {
  return Object.fromEntries(KINDS.map((k) => [k, 0])) as Record<ReportKind, number>;
}

/** Real divergence, as opposed to keys that were expiring or changing too fast to verify. */
export function isRealDifference(kind: ReportKind): boolean {
  return kind !== "expiring" && kind !== "unverified";
}

/** Confirmed real differences (expiring and unverified keys excluded). */
export function realCount(counts: Record<ReportKind, number>): number {
  return counts["missing-on-replica"] + counts["only-on-replica"] + counts.type + counts.value + counts.ttl;
}

/** Keeps at most `limit` findings (one per node and key); counts everything. */
export class DifferenceLog {
  private readonly items = new Map<string, ReportDifference>();
  readonly counts = emptyCounts();
  truncated = false;
  constructor(private readonly limit: number) {}

  add(d: ReportDifference): void {
    const id = `${d.node}\0${d.key}`;
    if (this.items.has(id)) return; // SCAN can return a key twice
    this.counts[d.kind]++;
    if (this.items.size >= this.limit) {
      this.truncated = true;
      return;
    }
    this.items.set(id, d);
  }

  list(): ReportDifference[] {
    return [...this.items.values()];
  }
}

/** RFC 4180 cell; a leading = + - @ is neutralised so spreadsheets do not run it as a formula. */
function cell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function reportCsv(r: CompareReport): string {
  const lines = [["kind", "node", "key", "key_token", "detail"].join(",")];
  for (const d of r.differences) lines.push([d.kind, d.node, d.display, d.key, d.detail].map(cell).join(","));
  return `${lines.join("\r\n")}\r\n`;
}
