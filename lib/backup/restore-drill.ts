// I/O side of a restore drill of an RDB: the sandbox loads a copy of the backup, then we read what
// it loaded (INFO), count its keys per type (SCAN + TYPE in bounded batches, nothing held but the
// counts), run redis-check-rdb on the same copy when it is installed, and hand the facts to the
// pure checks in verify.ts. Shared by the logical drill: countKeys().
import { spawn } from "node:child_process";
import type Redis from "ioredis";
import { parseInfo, parseKeyspace } from "../redis/info";
import { asText, unwrapResults } from "../redis/reply";
import { EngineCancelled, runEngine } from "../keyspace/engine";
import { scanWalk } from "../keyspace/scan-source";
import type { Sandbox, SandboxPool } from "./sandbox";
import { outcome, parseCheckRdb, parseRdbLoad, verifyRdb, type BackupRecord, type CheckRdbCounts, type DrillOutcome, type RdbLoadFacts, type SandboxCounts, type Verification } from "./verify";

/** Keys per SCAN and per TYPE pipeline. */
const BATCH = 1000;

export interface DrillResult extends DrillOutcome {
  byType: Record<string, number>;
  verification: Verification;
  /** RDB drills: what the sandbox reported after loading. */
  load?: RdbLoadFacts;
  /** Seconds from the start of the drill until the data was in the sandbox (copy + load, or import). */
  restoreSeconds: number;
  sandbox: { pid: number; port: number };
}

export interface RdbDrillInput {
  /** The backup file (in replscope's own backup store). */
  file: string;
  backup: BackupRecord;
  timeoutMs?: number;
  /** Runs on the loaded sandbox after the verification (the optional compare with the live master). */
  extra?: (sandbox: Redis, signal: AbortSignal) => Promise<void>;
}

export async function runRdbDrill(pool: SandboxPool, input: RdbDrillInput): Promise<DrillResult> {
  const started = Date.now();
  return pool.run({ rdbFile: input.file, timeoutMs: input.timeoutMs }, async (sb, signal) => {
    const restoreSeconds = (Date.now() - started) / 1000;
    const redis = await sb.connect("replscope-restore-drill");
    const check = runCheckRdb(sb.rdbFile, signal);
    const counts = await countKeys(redis, signal);
    const info = parseInfo(await redis.info("everything"));
    const load = parseRdbLoad(info);
    const verification = verifyRdb({ load, counts, fileSha256: sb.rdbSha256 ?? "", backup: input.backup, checkRdb: await check });
    if (input.extra) await input.extra(redis, signal);
    return finish(sb, counts, verification, restoreSeconds, started, load);
  });
}

export function finish(sb: Sandbox, counts: SandboxCounts, verification: Verification, restoreSeconds: number, started: number, load?: RdbLoadFacts): DrillResult {
  const o = outcome(counts.total, verification.total ?? verification.differences.length, restoreSeconds, verification.unchecked);
  return { ...o, byType: counts.byType, verification, load, restoreSeconds, sandbox: { pid: sb.pid, port: sb.port }, seconds: (Date.now() - started) / 1000 };
}

/**
 * Every key of every db per type. Expiry is switched off first (DEBUG SET-ACTIVE-EXPIRE 0) so the
 * count does not drift while it runs; a key that expired anyway (on access) is counted as vanished.
 */
export async function countKeys(redis: Redis, signal: AbortSignal): Promise<SandboxCounts> {
  await redis.call("DEBUG", "SET-ACTIVE-EXPIRE", "0");
  const counts: SandboxCounts = { byType: {}, total: 0, vanished: 0 };
  const dbs = parseKeyspace(parseInfo(await redis.info("keyspace")).keyspace);
  for (const { db } of dbs) {
    await redis.select(db);
    // The keyspace engine: SCAN pages ahead while the TYPE pipelines of earlier pages run.
    await runEngine({
      source: scanWalk(redis, { count: BATCH, signal }),
      batchKeys: BATCH,
      window: 2,
      signal,
      read: async (keys) => {
        const pipe = redis.pipeline();
        for (const key of keys) pipe.type(key);
        return unwrapResults(await pipe.exec(), "TYPE");
      },
      write: (_keys, replies) => {
        for (const reply of replies) {
          const type = asText(reply, "TYPE");
          if (type === "none") counts.vanished++;
          else {
            counts.byType[type] = (counts.byType[type] ?? 0) + 1;
            counts.total++;
          }
        }
      },
    }).catch((err: unknown) => {
      throw err instanceof EngineCancelled ? new Error("the restore drill was stopped") : err;
    });
  }
  await redis.select(0);
  return counts;
}

/** redis-check-rdb on our own copy; null when it is not installed or said nothing we can read. Killed when `signal` aborts (teardown). */
export function runCheckRdb(file: string, signal?: AbortSignal): Promise<CheckRdbCounts | null> {
  const binary = process.env.REDIS_CHECK_RDB || "redis-check-rdb";
  return new Promise((resolve) => {
    let out = "";
    let child;
    try {
      child = spawn(binary, [file], { stdio: ["ignore", "pipe", "pipe"], signal, killSignal: "SIGKILL" });
    } catch {
      resolve(null);
      return;
    }
    // Only the closing summary matters: keep a bounded tail.
    const keep = (d: Buffer) => (out = (out + d.toString("utf8")).slice(-8192));
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    child.once("error", () => resolve(null));
    child.once("close", () => resolve(parseCheckRdb(out)));
  });
}
