// npm run bench:store — how big the store gets: simulates `--days` of metric history for `--nodes`
// nodes through the tiers and retention (rollup rows written directly at simulated times, one
// retention pass per simulated hour) plus a timeline and audit volume, then prints row counts and
// the database size. SQLite always (temp dir); PostgreSQL too with --pg <admin url> (a database of
// its own is created and dropped).
import { mkdtempSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { sql } from "kysely";
import type { Sample } from "../lib/monitor/history";
import type { TimelineEvent } from "../lib/timeline/types";
import { DB_FILE, openStore, type Store } from "../lib/store";
import type { MetricRow } from "../lib/store/metrics";

const { values: args } = parseArgs({
  options: {
    nodes: { type: "string", default: "100" },
    days: { type: "string", default: "30" },
    "events-per-day": { type: "string", default: "20000" },
    "audit-per-day": { type: "string", default: "200" },
    pg: { type: "string" },
  },
});
const NODES = Number(args.nodes);
const DAYS = Number(args.days);
const EVENTS_PER_DAY = Number(args["events-per-day"]);
const AUDIT_PER_DAY = Number(args["audit-per-day"]);
const HOUR = 3600_000;
const DAY = 24 * HOUR;

/** Plausible values: offsets grow, lag is mostly small, memory drifts, rates are fractional. */
function sample(node: number, t: number): Sample {
  const s = t / 1000;
  return {
    replOffset: Math.floor(s * 1200 + node * 1e9),
    lagBytes: node % 10 === 0 ? null : Math.floor(Math.abs(Math.sin(s / 7 + node)) * 2000),
    lagSeconds: node % 10 === 0 ? null : Math.floor(Math.abs(Math.sin(s / 11)) * 2),
    opsPerSec: 800 + Math.sin(s / 300 + node) * 400 + (s % 7) / 3,
    usedMemory: 1.2e9 + node * 1e6 + Math.floor(Math.sin(s / 3600) * 5e7),
    writeRate: 1200 + Math.cos(s / 60 + node) * 300 + (s % 13) / 7,
  };
}

function rows(node: number, from: number, to: number, step: number): MetricRow[] {
  const out: MetricRow[] = [];
  for (let t = from; t < to; t += step) out.push({ t, sample: sample(node, t) });
  return out;
}

async function simulate(store: Store, label: string): Promise<void> {
  const started = Date.now();
  const end = Math.floor(Date.now() / HOUR) * HOUR;
  const start = end - DAYS * DAY;
  let eventId = 0;
  const kinds = ["replica:link-down", "replica:link-up", "sync:partial-resync", "node:up", "log:warning", "alert:lag"] as const;
  for (let hour = start; hour < end; hour += HOUR) {
    const last = hour + HOUR >= end;
    for (let n = 0; n < NODES; n++) {
      const node = `10.0.${Math.floor(n / 250)}.${n % 250}:6379`;
      await store.metrics.insertRows("metric_1h", "bench", node, rows(n, hour, hour + HOUR, HOUR));
      await store.metrics.insertRows("metric_1m", "bench", node, rows(n, hour, hour + HOUR, 60_000));
      // Only the 1 s rows that can survive the hour window are worth writing: the last hour.
      if (last) await store.metrics.insertRows("metric_1s", "bench", node, rows(n, hour, hour + HOUR, 1000));
    }
    const events: TimelineEvent[] = [];
    const perHour = Math.round(EVENTS_PER_DAY / 24);
    for (let i = 0; i < perHour; i++) {
      const id = ++eventId;
      events.push({ id, at: hour + Math.floor((i * HOUR) / perHour), topology: "bench", kind: kinds[id % kinds.length]!, node: `10.0.0.${id % NODES}:6379`, severity: id % 9 ? "info" : "warning", text: `replica 10.0.0.${id % NODES}:6379 link is down (master_link_down_since_seconds ${id % 60})`, data: { lagBytes: id % 5000, master: "10.0.0.1:6379" } });
    }
    store.events.queue(events);
    for (let i = 0; i < Math.round(AUDIT_PER_DAY / 24); i++) store.audit.queue({ at: hour + i * 1000, user: "alice", role: "operator", action: "drill:start", topology: "bench", nodes: ["10.0.0.1:6379"], params: { scenario: "switchover" }, result: "ok" });
    await store.flush();
    await store.retain(hour + HOUR);
    // PostgreSQL reuses deleted rows' space once vacuumed; autovacuum does that continuously at
    // the real write rate, which the compressed simulation outruns: vacuum once a simulated day.
    if (store.dialect === "postgres" && (hour + HOUR - start) % DAY === 0) await sql`vacuum`.execute(store.db);
    if ((hour - start) % (5 * DAY) === 0) process.stdout.write(`  ${label}: day ${Math.round((hour - start) / DAY)} of ${DAYS}\n`);
  }
  const count = async (t: "events" | "audit" | "metric_1s" | "metric_1m" | "metric_1h") => Number((await store.db.selectFrom(t).select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);
  console.log(`${label}: ${NODES} nodes × ${DAYS} days simulated in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(`  rows: metric_1s ${await count("metric_1s")}, metric_1m ${await count("metric_1m")}, metric_1h ${await count("metric_1h")}, events ${await count("events")}, audit ${await count("audit")}`);
}

const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB`;

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "replscope-bench-store-"));
  try {
    const store = await openStore({ dataDir: dir, retentionMs: 3600_000 });
    await simulate(store, "SQLite");
    const inUse = await store.sizeBytes();
    const free = await sql<{ n: number }>`select freelist_count * page_size as n from pragma_freelist_count(), pragma_page_size()`.execute(store.db);
    await store.close();
    const file = statSync(path.join(dir, DB_FILE)).size;
    console.log(`  SQLite file ${mb(file)} (${mb(Number(free.rows[0]?.n ?? 0))} of it free pages reused by the next writes; pages in use ${mb(inUse - Number(free.rows[0]?.n ?? 0))})`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  if (args.pg) {
    const pg = (await import("pg")).default;
    const name = `replscope_bench_${process.pid}`;
    const admin = new pg.Client(args.pg);
    await admin.connect();
    await admin.query(`create database ${name}`);
    const url = new URL(args.pg);
    url.pathname = `/${name}`;
    try {
      const dataDir = mkdtempSync(path.join(os.tmpdir(), "replscope-bench-store-pg-"));
      const store = await openStore({ dataDir, databaseUrl: url.toString(), retentionMs: 3600_000 });
      await simulate(store, "PostgreSQL");
      console.log(`  pg_database_size ${mb(await store.sizeBytes())}`);
      await sql`vacuum full`.execute(store.db);
      console.log(`  pg_database_size ${mb(await store.sizeBytes())} after VACUUM FULL (live rows only)`);
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    } finally {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
