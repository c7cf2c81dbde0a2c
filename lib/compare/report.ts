// The compare report: what a job found, bounded, and its CSV form. Pure.
import { HIDDEN_DIFFERENCE_DETAIL, type DifferenceKind } from "../redis/fingerprint";
import type { ShardCompareSummary } from "./cluster";

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
  /** Cluster compares: the shard (its master's node id) the difference is in. */
  shard?: string;
}

/** "interrupted": the dashboard process stopped (crash, kill -9) while the job ran. */
export type JobStatus = "running" | "done" | "cancelled" | "failed" | "interrupted";
export type JobPhase = "starting" | "master" | "replicas" | "recheck" | "finished";

export interface ReplicaSummary {
  id: string;
  readOnly: boolean | null;
  lagBytesAtStart: number | null;
}

export interface CompareSummary {
  id: string;
  /** The replscope instance that runs (ran) it, with several instances; absent when running alone. */
  instance?: string;
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
  /**
   * Keys found equal by type, length and TTL only: their content was over the bounded-read
   * limits on master or replica, so "no difference" for them says nothing about the content.
   */
  contentNotCompared?: number;
  truncated: boolean;
  /**
   * Per replica: whether its own SCAN (for keys only it has) ran, and why not when skipped
   * (lib/compare/quiet.ts). Absent in reports stored before it existed.
   */
  replicaScans?: { node: string; ran: boolean; why: string }[];
  maxKeysPerSec: number;
  error: string | null;
  /**
   * Cluster compares (lib/compare/cluster): one row per shard, its master against its replicas.
   * Absent for a replication topology and in reports stored before clusters were compared.
   */
  shards?: ShardCompareSummary[];
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

/**
 * RFC 4180 cell, always quoted: an unquoted `a;=1+1;b` is three cells, one a formula, to a
 * spreadsheet whose list separator is ";". A leading = + - @ tab or CR is neutralised with a
 * single quote so no spreadsheet evaluates the cell (OWASP CSV injection).
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return `"${safe.replace(/"/g, '""')}"`;
}

export function reportCsv(r: CompareReport): string {
  // The shard column only for a cluster compare: older CSV readers keep their five columns.
  const cluster = r.shards !== undefined;
  const head = ["kind", "node", "key", "key_token", "detail", ...(cluster ? ["shard"] : [])];
  const lines = [head.map(csvCell).join(",")];
  for (const d of r.differences) lines.push([d.kind, d.node, d.display, d.key, d.detail, ...(cluster ? [d.shard ?? ""] : [])].map(csvCell).join(","));
  return `${lines.join("\r\n")}\r\n`;
}

/** What a viewer who may not see values learns about a difference: its kind, nothing derived from a value. */
export const HIDDEN_DETAIL: Record<ReportKind, string> = {
  ...HIDDEN_DIFFERENCE_DETAIL,
  expiring: "exists on one side only, expiring",
  unverified: "not confirmed: the key kept changing or the replica stayed behind",
};

/**
 * The report as a viewer without values (viewerValues: false) may see it: details such as
 * "length 7 on master, 8 on replica" or "same length (3000)" are replaced by the kind's text.
 */
export function redactReport(r: CompareReport): CompareReport {
  return { ...r, differences: r.differences.map((d) => ({ ...d, detail: HIDDEN_DETAIL[d.kind] })) };
}
