// Migrations in code, run by Kysely's Migrator at open (idempotent: applied ones are recorded in
// kysely_migration). Dialect differences stay here: the auto-increment key and SQLite's
// WITHOUT ROWID for the clustered metric tables.
import { sql, type Kysely, type Migration, type MigrationProvider } from "kysely";
import { TIERS } from "./schema";

export type DialectName = "sqlite" | "postgres";

function initial(dialect: DialectName): Migration {
  const sqlite = dialect === "sqlite";
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("events")
        .addColumn("id", "bigint", (c) => c.primaryKey())
        .addColumn("at", "bigint", (c) => c.notNull())
        .addColumn("topology", "text", (c) => c.notNull())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("node", "text", (c) => c.notNull())
        .addColumn("severity", "text", (c) => c.notNull())
        .addColumn("text", "text", (c) => c.notNull())
        .addColumn("data", "text")
        .execute();
      await db.schema.createIndex("events_at").on("events").column("at").execute();
      await db.schema.createIndex("events_topology_id").on("events").columns(["topology", "id"]).execute();
      await db.schema.createIndex("events_node_id").on("events").columns(["node", "id"]).execute();

      await db.schema
        .createTable("audit")
        .addColumn("id", sqlite ? "integer" : "bigserial", (c) => (sqlite ? c.primaryKey().autoIncrement() : c.primaryKey()))
        .addColumn("at", "bigint", (c) => c.notNull())
        .addColumn("user", "text", (c) => c.notNull())
        .addColumn("role", "text", (c) => c.notNull())
        .addColumn("action", "text", (c) => c.notNull())
        .addColumn("topology", "text")
        .addColumn("nodes", "text", (c) => c.notNull())
        .addColumn("params", "text")
        .addColumn("result", "text", (c) => c.notNull())
        .addColumn("error", "text")
        .execute();
      await db.schema.createIndex("audit_at").on("audit").column("at").execute();
      await db.schema.createIndex("audit_user_at").on("audit").columns(["user", "at"]).execute();
      await db.schema.createIndex("audit_action_at").on("audit").columns(["action", "at"]).execute();

      await db.schema
        .createTable("metric_nodes")
        .addColumn("id", sqlite ? "integer" : "serial", (c) => (sqlite ? c.primaryKey().autoIncrement() : c.primaryKey()))
        .addColumn("topology", "text", (c) => c.notNull())
        .addColumn("node", "text", (c) => c.notNull())
        .addUniqueConstraint("metric_nodes_topology_node", ["topology", "node"])
        .execute();
      for (const tier of TIERS) {
        // Clustered on (node, t): a node's chart is one range read, retention one range delete per node.
        let t = db.schema
          .createTable(tier)
          .addColumn("node_id", "integer", (c) => c.notNull())
          .addColumn("t", "bigint", (c) => c.notNull())
          .addColumn("repl_offset", "double precision")
          .addColumn("lag_bytes", "double precision")
          .addColumn("lag_seconds", "double precision")
          .addColumn("ops_per_sec", "double precision")
          .addColumn("used_memory", "double precision")
          .addColumn("write_rate", "double precision")
          .addPrimaryKeyConstraint(`${tier}_pk`, ["node_id", "t"]);
        if (sqlite) t = t.modifyEnd(sql`without rowid`);
        await t.execute();
      }

      await db.schema
        .createTable("drills")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("topology", "text", (c) => c.notNull())
        .addColumn("scenario", "text", (c) => c.notNull())
        .addColumn("target", "text")
        .addColumn("user", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("started_at", "bigint", (c) => c.notNull())
        .addColumn("ended_at", "bigint")
        .addColumn("body", "text", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("drills_started_at").on("drills").column("started_at").execute();
      await db.schema.createIndex("drills_status").on("drills").column("status").execute();
      await db.schema
        .createTable("drill_events")
        .addColumn("drill_id", "text", (c) => c.notNull().references("drills.id").onDelete("cascade"))
        .addColumn("seq", "integer", (c) => c.notNull())
        .addColumn("event", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("drill_events_pk", ["drill_id", "seq"])
        .execute();

      await db.schema
        .createTable("compare_reports")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("topology", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("started_at", "bigint", (c) => c.notNull())
        .addColumn("finished_at", "bigint")
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .addColumn("summary", "text", (c) => c.notNull())
        .addColumn("differences", "text", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("compare_reports_updated_at").on("compare_reports").column("updated_at").execute();

      await db.schema
        .createTable("meta")
        .addColumn("key", "text", (c) => c.primaryKey())
        .addColumn("value", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("auth_state")
        .addColumn("key", "text", (c) => c.primaryKey())
        .addColumn("value", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("auth_users")
        .addColumn("name", "text", (c) => c.primaryKey())
        .addColumn("password_hash", "text", (c) => c.notNull())
        .addColumn("role", "text", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("auth_sessions")
        .addColumn("sid", "text", (c) => c.primaryKey())
        .addColumn("user", "text", (c) => c.notNull())
        .addColumn("expires_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("auth_sessions_expires_at").on("auth_sessions").column("expires_at").execute();
    },
  };
}

/**
 * Drill list columns: the figures the drill list shows (new master, write outage, lost writes,
 * canary sent/failed), so listing never parses a drill's JSON, and when the row was last written
 * (the moment a crash cut a running drill off). One ALTER per column: SQLite allows no more.
 */
const drillSummary: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const cols: [string, "text" | "bigint" | "integer"][] = [
      ["new_master", "text"],
      ["write_outage_ms", "bigint"],
      ["lost_writes", "integer"],
      ["canary_sent", "integer"],
      ["canary_failed", "integer"],
    ];
    for (const [name, type] of cols) await db.schema.alterTable("drills").addColumn(name, type).execute();
    await db.schema.alterTable("drills").addColumn("updated_at", "bigint", (c) => c.notNull().defaultTo(0)).execute();
  },
};

/**
 * Backups (snapshot RDBs now, logical exports later) and their schedules. The verify_* columns
 * take a restore drill's result; meta is JSON for what a kind needs beyond the shared columns.
 */
const backups: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable("backups")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("kind", "text", (c) => c.notNull())
      .addColumn("topology", "text", (c) => c.notNull())
      .addColumn("node", "text", (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("origin", "text", (c) => c.notNull())
      .addColumn("requested_by", "text", (c) => c.notNull())
      .addColumn("started_at", "bigint", (c) => c.notNull())
      .addColumn("finished_at", "bigint")
      .addColumn("replid", "text")
      .addColumn("offset", "bigint")
      .addColumn("bytes", "bigint")
      .addColumn("sha256", "text")
      .addColumn("file", "text")
      .addColumn("source", "text")
      .addColumn("check_status", "text")
      .addColumn("check_detail", "text")
      .addColumn("error", "text")
      .addColumn("keys", "bigint")
      .addColumn("meta", "text")
      .addColumn("verified_at", "bigint")
      .addColumn("verify_status", "text")
      .addColumn("verify_detail", "text")
      .addColumn("updated_at", "bigint", (c) => c.notNull())
      .execute();
    await db.schema.createIndex("backups_started_at").on("backups").column("started_at").execute();
    await db.schema.createIndex("backups_topology_started_at").on("backups").columns(["topology", "started_at"]).execute();
    await db.schema.createIndex("backups_origin_started_at").on("backups").columns(["origin", "started_at"]).execute();
    await db.schema.createIndex("backups_status").on("backups").column("status").execute();
    await db.schema
      .createTable("backup_schedules")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("topology", "text", (c) => c.notNull())
      .addColumn("every_hours", "double precision")
      .addColumn("daily_at", "text")
      .addColumn("prefer", "text", (c) => c.notNull())
      .addColumn("keep_last", "integer")
      .addColumn("keep_days", "double precision")
      .addColumn("enabled", "integer", (c) => c.notNull())
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .addColumn("last_run_at", "bigint")
      .addColumn("next_run_at", "bigint")
      .addColumn("last_backup_id", "text")
      .execute();
    await db.schema.createIndex("backup_schedules_next_run_at").on("backup_schedules").column("next_run_at").execute();
  },
};

/**
 * Restore drills: a backup (RDB or logical export) restored into a sandbox redis-server and
 * verified. backup_id names a catalogue entry (or an export id for a logical export that is not
 * catalogued); the figures the list shows are columns, the rest of the result is JSON in detail.
 */
const restoreDrills: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable("restore_drills")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("backup_id", "text", (c) => c.notNull())
      .addColumn("kind", "text", (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("started_at", "bigint", (c) => c.notNull())
      .addColumn("finished_at", "bigint")
      .addColumn("keys", "bigint")
      .addColumn("differences", "bigint")
      .addColumn("seconds", "double precision")
      .addColumn("line", "text")
      .addColumn("detail", "text")
      .addColumn("requested_by", "text", (c) => c.notNull())
      .addColumn("updated_at", "bigint", (c) => c.notNull())
      .execute();
    await db.schema.createIndex("restore_drills_started_at").on("restore_drills").column("started_at").execute();
    await db.schema.createIndex("restore_drills_backup_id").on("restore_drills").columns(["backup_id", "started_at"]).execute();
    await db.schema.createIndex("restore_drills_status").on("restore_drills").column("status").execute();
  },
};

/**
 * Which instance runs a job (several instances on one PostgreSQL store): a nullable column on each
 * job table; existing rows keep null (written by a single instance, judged as before).
 */
const jobInstance: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    for (const table of ["drills", "compare_reports", "backups", "restore_drills"]) {
      await db.schema.alterTable(table).addColumn("instance_id", "text").execute();
    }
  },
};

export function migrations(dialect: DialectName): MigrationProvider {
  return {
    getMigrations: () => Promise.resolve({ "0001_initial": initial(dialect), "0002_drill_summary": drillSummary, "0003_backups": backups, "0004_restore_drills": restoreDrills, "0005_job_instance": jobInstance }),
  };
}
