// The shapes of the backup catalogue, shared by the store, the jobs, the API and the page.

export type BackupKind = "rdb" | "logical";
export type BackupStatus = "running" | "done" | "failed";
/** How an RDB reached the backup store: copied from the node's dir, or fetched as a replica would. */
export type BackupSource = "file" | "replication";

/**
 * Where the backup sits in the replication stream. "rdb-aux": the exact position at fork time,
 * from the file's repl-id / repl-offset aux fields. "info-range": the file could not be read, so
 * only INFO's master_replid / master_repl_offset before and after the save are known.
 */
export type BackupPosition =
  | { source: "rdb-aux"; replid: string; offset: number }
  | { source: "info-range"; replid: string | null; offsetFrom: number | null; offsetTo: number | null; note: string };

export interface Backup {
  id: string;
  /** The replscope instance that runs (ran) it, with several instances; absent when running alone. */
  instance?: string;
  kind: BackupKind;
  topology: string;
  node: string;
  status: BackupStatus;
  /** "manual" or "schedule:<id>". */
  origin: string;
  requestedBy: string;
  startedAt: number;
  finishedAt: number | null;
  replid: string | null;
  offset: number | null;
  bytes: number | null;
  sha256: string | null;
  /** File name inside the backup dir. */
  file: string | null;
  source: BackupSource | null;
  checkStatus: "ok" | "failed" | "skipped" | null;
  checkDetail: string | null;
  /** Redis's own words when it failed (BGSAVE reply, rdb_last_bgsave_status, its log line). */
  error: string | null;
  keys: number | null;
  meta: Record<string, unknown> | null;
  verifiedAt: number | null;
  verifyStatus: string | null;
  verifyDetail: string | null;
}

export interface BackupSchedule {
  id: string;
  topology: string;
  everyHours: number | null;
  /** "HH:MM", UTC. */
  dailyAt: string | null;
  /** "replica" | "master" | a node id (host:port). */
  prefer: string;
  keepLast: number | null;
  keepDays: number | null;
  enabled: boolean;
  createdAt: number;
  lastRunAt: number | null;
  nextRunAt: number | null;
  lastBackupId: string | null;
}

export const BACKUP_ID = /^\d{8}T\d{6}Z-[0-9a-f]{8}$/;
export const SCHEDULE_ID = /^[0-9a-f]{16}$/;
/** A file name inside the backup dir: no separators, no dot files. */
export const BACKUP_FILE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/;
