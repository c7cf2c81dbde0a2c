// The one store: SQLite in the data dir by default (WAL, in a worker thread), PostgreSQL when
// REPLSCOPE_DATABASE_URL says so. One Kysely query layer for both, migrations at open, batched
// writes (write-behind, ≤ 100 ms), retention as DELETEs on a self-scheduling loop.
import { chmodSync, closeSync, mkdirSync, openSync } from "node:fs";
import path from "node:path";
import { CompiledQuery, Kysely, Migrator, PostgresDialect, sql } from "kysely";
import { AuditRepo } from "./audit";
import { AuthRepo } from "./auth";
import { BackupRepo, BackupScheduleRepo } from "./backups";
import { RestoreDrillRepo } from "./restore-drills";
import { CompareRepo } from "./compare";
import { DrillRepo } from "./drills";
import { EventRepo } from "./events";
import { MetricRepo } from "./metrics";
import { migrations, type DialectName } from "./migrations";
import type { Database } from "./schema";
import { workerSqliteDialect, WorkerSqliteDriver } from "./sqlite-worker";
import { WriteBehind, type RawQuery, type WriterStats } from "./write-behind";

export type { Database } from "./schema";
export type { RawQuery } from "./write-behind";

export interface StoreOptions {
  /** SQLite lives at <dataDir>/replscope.db unless databaseUrl is given. */
  dataDir: string;
  /** postgres://… selects PostgreSQL (REPLSCOPE_DATABASE_URL). */
  databaseUrl?: string;
  /** Write-behind interval (default 50, at most 100 ms). */
  flushMs?: number;
  /** Bound on statements waiting for a flush. */
  maxQueued?: number;
  /** How often metric rollups and retention run (default 30 s). */
  retentionMs?: number;
  /** Timeline events kept (newest). */
  maxEvents?: number;
  /** Audit entries kept (newest). */
  maxAudit?: number;
  /** PostgreSQL pool size. */
  poolMax?: number;
}

export interface Store {
  readonly dialect: DialectName;
  /** Typed query builder, for reads and for repositories. */
  readonly db: Kysely<Database>;
  readonly events: EventRepo;
  readonly audit: AuditRepo;
  readonly metrics: MetricRepo;
  readonly drills: DrillRepo;
  readonly compare: CompareRepo;
  readonly auth: AuthRepo;
  /** The backup catalogue (snapshot and logical) and its schedules. */
  readonly backups: BackupRepo;
  readonly backupSchedules: BackupScheduleRepo;
  readonly restoreDrills: RestoreDrillRepo;
  /** Queues statements for the next batched commit (≤ flushMs). */
  enqueue(...qs: RawQuery[]): void;
  /** Commits statements now, in one transaction. */
  commit(qs: RawQuery[]): Promise<void>;
  /** Commits everything queued so far. */
  flush(): Promise<void>;
  /** Rolls metric tiers up, then runs retention (both also run by themselves). */
  retain(now?: number): Promise<void>;
  /** Bytes used on disk (SQLite file + WAL) or by the PostgreSQL database. */
  sizeBytes(): Promise<number>;
  writerStats(): WriterStats;
  /** Flushes, stops the retention loop and closes the database. */
  close(): Promise<void>;
}

export const DB_FILE = "replscope.db";

export async function openStore(opts: StoreOptions): Promise<Store> {
  const url = opts.databaseUrl;
  const dialect: DialectName = url && /^postgres(ql)?:\/\//.test(url) ? "postgres" : "sqlite";
  if (url && dialect !== "postgres") throw new Error("REPLSCOPE_DATABASE_URL must be a postgres:// URL");
  let sqliteDriver: WorkerSqliteDriver | null = null;
  let db: Kysely<Database>;
  let file: string | null = null;
  if (dialect === "sqlite") {
    mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
    file = path.join(opts.dataDir, DB_FILE);
    // The database holds the login state (password hash, session secret): owner-only, like auth.json
    // was. SQLite gives its -wal and -shm files the database file's mode.
    closeSync(openSync(file, "a", 0o600));
    try {
      chmodSync(file, 0o600);
    } catch {
      /* best effort on filesystems without modes */
    }
    sqliteDriver = new WorkerSqliteDriver(file);
    db = new Kysely<Database>({ dialect: workerSqliteDialect(sqliteDriver) });
  } else {
    // Loaded only when asked for, so the default start never needs pg.
    const pg = await import("pg");
    const { Pool, TypeOverrides, types } = pg.default ?? pg;
    // bigint columns hold epoch ms and ids, all below 2^53: numbers, not strings. Per pool, not global.
    const overrides = new TypeOverrides();
    overrides.setTypeParser(types.builtins.INT8, Number);
    const pool = new Pool({ connectionString: url, max: opts.poolMax ?? 5, types: overrides });
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  }

  try {
    const r = await new Migrator({ db, provider: migrations(dialect) }).migrateToLatest();
    if (r.error) throw r.error instanceof Error ? r.error : new Error(String(r.error));
  } catch (err) {
    await db.destroy();
    throw err;
  }

  const commit = async (qs: RawQuery[]): Promise<void> => {
    if (qs.length === 0) return;
    if (sqliteDriver) {
      await sqliteDriver.batch(qs);
      return;
    }
    await db.transaction().execute(async (trx) => {
      for (const q of qs) await trx.executeQuery(CompiledQuery.raw(q.sql, [...q.params]));
    });
  };
  const writer = new WriteBehind(commit, Math.min(100, opts.flushMs ?? 50), opts.maxQueued);
  const events = new EventRepo(db, writer);
  const audit = new AuditRepo(db, writer);
  const metrics = new MetricRepo(db, writer, commit);

  const retain = async (now = Date.now()): Promise<void> => {
    // Rollups first: they read the 1 s and 1 min rows that retention is about to delete.
    await metrics.rollup(now);
    await events.retain(opts.maxEvents ?? 50_000);
    await audit.retain(opts.maxAudit ?? 100_000);
    await metrics.retain(now);
  };

  // Self-scheduling retention loop: the next run is armed only after this one finished.
  let closed = false;
  let retentionTimer: NodeJS.Timeout | null = null;
  const loop = () => {
    retentionTimer = setTimeout(() => {
      retain().catch((err: unknown) => console.error("replscope: store rollup/retention failed", err)).finally(() => {
        if (!closed) loop();
      });
    }, opts.retentionMs ?? 30_000);
    retentionTimer.unref();
  };
  loop();

  return {
    dialect,
    db,
    events,
    audit,
    metrics,
    drills: new DrillRepo(db, commit),
    compare: new CompareRepo(db, commit),
    auth: new AuthRepo(db, commit),
    backups: new BackupRepo(db),
    backupSchedules: new BackupScheduleRepo(db),
    restoreDrills: new RestoreDrillRepo(db),
    enqueue: (...qs) => writer.enqueue(...qs),
    commit,
    flush: () => writer.flush(),
    retain,
    writerStats: () => writer.stats(),
    async sizeBytes() {
      if (file) {
        const r = await sql<{ n: number }>`select page_count * page_size as n from pragma_page_count(), pragma_page_size()`.execute(db);
        return Number(r.rows[0]?.n ?? 0);
      }
      const r = await sql<{ n: number }>`select pg_database_size(current_database()) as n`.execute(db);
      return Number(r.rows[0]?.n ?? 0);
    },
    async close() {
      if (closed) return;
      closed = true;
      if (retentionTimer) clearTimeout(retentionTimer);
      await writer.close();
      await db.destroy();
    },
  };
}
