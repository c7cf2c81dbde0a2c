// The store's tables as Kysely sees them. Times are epoch milliseconds (bigint columns; the pg pool
// parses int8 to number). JSON columns are text: both dialects store and return them verbatim.
import type { TierTable as TierTableName } from "./tiers";
import type { Generated } from "kysely";

export interface EventsTable {
  /** The timeline's own event id (monotonic, handed out by the store's nextId()). */
  id: number;
  at: number;
  topology: string;
  kind: string;
  node: string;
  severity: string;
  text: string;
  /** JSON object or null. */
  data: string | null;
}

export interface AuditTable {
  id: Generated<number>;
  at: number;
  user: string;
  role: string;
  action: string;
  topology: string | null;
  /** JSON string array. */
  nodes: string;
  /** JSON object or null. */
  params: string | null;
  result: string;
  error: string | null;
}

/** One row per (topology, node): samples refer to it by a small integer instead of two strings. */
export interface MetricNodesTable {
  id: Generated<number>;
  topology: string;
  node: string;
}

/** One sample (tier 1 s) or rollup (1 min, 1 h) of every series of one node. */
export interface MetricSamplesTable {
  node_id: number;
  t: number;
  repl_offset: number | null;
  lag_bytes: number | null;
  lag_seconds: number | null;
  ops_per_sec: number | null;
  used_memory: number | null;
  write_rate: number | null;
}

export interface DrillsTable {
  id: string;
  topology: string;
  scenario: string;
  target: string | null;
  user: string;
  status: string;
  started_at: number;
  ended_at: number | null;
  /** JSON: the drill without its events (steps, options, touches, report, error ...). */
  body: string;
  /** The list's figures from the report (null while there is none). Migration 0002. */
  new_master: string | null;
  write_outage_ms: number | null;
  lost_writes: number | null;
  canary_sent: number | null;
  canary_failed: number | null;
  /** When the row was last written. */
  updated_at: Generated<number>;
  /** The instance that runs it (migration 0005); null alone or on rows from before. */
  instance_id: string | null;
}

export interface DrillEventsTable {
  drill_id: string;
  seq: number;
  /** JSON TimelineEvent. */
  event: string;
}

export interface CompareReportsTable {
  id: string;
  topology: string;
  status: string;
  started_at: number;
  finished_at: number | null;
  /** When the row was last written (listing order, like the files' mtime before). */
  updated_at: number;
  /** JSON CompareSummary (the report without its differences). */
  summary: string;
  /** JSON array of differences. */
  differences: string;
  /** The instance that runs it (migration 0005); null alone or on rows from before. */
  instance_id: string | null;
}

/** Store-wide markers (e.g. which legacy directories were imported). */
export interface MetaTable {
  key: string;
  value: string;
}

/** Single values of the auth state (password hash, session secret, generation ...). */
export interface AuthStateTable {
  key: string;
  value: string;
}

export interface AuthUsersTable {
  name: string;
  password_hash: string;
  role: string;
  updated_at: number;
}

export interface AuthSessionsTable {
  sid: string;
  user: string;
  expires_at: number;
}

/** A backup: a snapshot RDB (kind "rdb") or a logical export (kind "logical"). Migration 0003. */
export interface BackupsTable {
  id: string;
  kind: string;
  topology: string;
  node: string;
  /** running | done | failed */
  status: string;
  /** manual | schedule:<id> */
  origin: string;
  requested_by: string;
  started_at: number;
  finished_at: number | null;
  /** The backup's replication position: master_replid and offset. */
  replid: string | null;
  offset: number | null;
  bytes: number | null;
  sha256: string | null;
  /** File name inside <dataDir>/backups (never a path). */
  file: string | null;
  /** How the RDB reached us: file | replication. */
  source: string | null;
  check_status: string | null;
  check_detail: string | null;
  error: string | null;
  keys: number | null;
  /** JSON object or null. */
  meta: string | null;
  verified_at: number | null;
  verify_status: string | null;
  verify_detail: string | null;
  updated_at: number;
  /** The instance that runs it (migration 0005); null alone or on rows from before. */
  instance_id: string | null;
}

export interface BackupSchedulesTable {
  id: string;
  topology: string;
  every_hours: number | null;
  /** HH:MM, UTC. */
  daily_at: string | null;
  /** replica | master | a node id */
  prefer: string;
  keep_last: number | null;
  keep_days: number | null;
  /** 0 | 1 (both dialects). */
  enabled: number;
  created_at: number;
  last_run_at: number | null;
  next_run_at: number | null;
  last_backup_id: string | null;
}

/** A restore drill (migration 0004). */
export interface RestoreDrillsTable {
  id: string;
  backup_id: string;
  /** rdb | logical */
  kind: string;
  /** running | verified | differences | failed */
  status: string;
  started_at: number;
  finished_at: number | null;
  keys: number | null;
  differences: number | null;
  seconds: number | null;
  /** "backup verified: N keys, 0 differences, restored in T s", or why it failed. */
  line: string | null;
  /** JSON: per-type counts, the listed differences (bounded), notes, load facts, live comparison. */
  detail: string | null;
  requested_by: string;
  updated_at: number;
  /** The instance that runs it (migration 0005); null alone or on rows from before. */
  instance_id: string | null;
}

export const TIERS = ["metric_1s", "metric_1m", "metric_1h"] as const satisfies readonly TierTableName[];
export type TierTable = (typeof TIERS)[number] & TierTableName;

export interface Database {
  events: EventsTable;
  audit: AuditTable;
  metric_nodes: MetricNodesTable;
  metric_1s: MetricSamplesTable;
  metric_1m: MetricSamplesTable;
  metric_1h: MetricSamplesTable;
  drills: DrillsTable;
  drill_events: DrillEventsTable;
  compare_reports: CompareReportsTable;
  meta: MetaTable;
  auth_state: AuthStateTable;
  auth_users: AuthUsersTable;
  auth_sessions: AuthSessionsTable;
  backups: BackupsTable;
  backup_schedules: BackupSchedulesTable;
  restore_drills: RestoreDrillsTable;
}
