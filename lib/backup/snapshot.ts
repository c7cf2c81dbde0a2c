// One snapshot backup of one node, start to catalogue entry. When the node's RDB file is readable
// here (loopback, inside backupSourceDirs): BGSAVE, follow it through INFO persistence, copy the
// file (streamed, sha256 on the way). Otherwise: `redis-cli --rdb`, which makes the node fork and
// stream an RDB as it would to a replica. Either way the position comes from the file's own
// repl-id / repl-offset aux fields (the fork's exact position), and redis-check-rdb checks it.
import { realpath, rename } from "node:fs/promises";
import path from "node:path";
import type Redis from "ioredis";
import { isLoopback, logPathRefusal, resolveLogPath } from "../logs/log-path";
import { openGuarded, resolveDirsPolicy } from "../logs/log-access";
import { connectionError, createConnection, describeRedisError, type ConnectOptions } from "../redis/connection";
import { bgsaveFailureReason, classifyBgsaveError, saveFinished, saveState, staleRdbReason, type SaveState } from "./bgsave";
import { copyInto, hashFile, readHead, removeFile, tailLines, tempPath } from "./files";
import { parseRdbHeader, RDB_HEADER_BYTES } from "./rdb-aux";
import { BACKUP_SOURCE_PURPOSE, rdbSourcePath } from "./source";
import { checkRdbCommand, parseCheckRdb, redisCliFailure, redisCliRdbCommand, runTool, type RdbFetchTarget } from "./tools";
import type { Backup, BackupPosition } from "./types";

export interface SnapshotDeps {
  conn: ConnectOptions;
  fetch: RdbFetchTarget;
  /** Where copies of node RDB files may come from (already resolved by config). */
  backupSourceDirs: readonly string[];
  logDirs: readonly string[];
  privatePaths: readonly string[];
  /** The config's logFile for this node, if any. */
  logFile?: string;
  /** Final path of the backup file. */
  dest: string;
  /** Saves the row as the job goes (status stays running until the end). */
  save: (b: Backup) => Promise<void>;
  signal: AbortSignal;
  /** How long a BGSAVE / fetch / check may take. */
  saveTimeoutMs: number;
  pollMs?: number;
  redisCli?: string;
  checkRdb?: string;
}

class JobFailure extends Error {
  override name = "JobFailure";
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
  });

async function info(redis: Redis): Promise<SaveState> {
  return saveState(await redis.info("persistence", "replication"));
}

async function configGet(redis: Redis): Promise<{ known: boolean; dir: string | null; dbfilename: string | null; logfile: string | null }> {
  try {
    const flat = (await redis.call("CONFIG", "GET", "dir", "dbfilename", "logfile")) as string[];
    const m = new Map<string, string>();
    for (let i = 0; i + 1 < flat.length; i += 2) m.set(flat[i]!, flat[i + 1]!);
    return { known: true, dir: m.get("dir") ?? null, dbfilename: m.get("dbfilename") ?? null, logfile: m.get("logfile") ?? null };
  } catch {
    return { known: false, dir: null, dbfilename: null, logfile: null };
  }
}

/** Starts our BGSAVE: "started", or "scheduled" when another child runs; waits out a save already running. */
async function startBgsave(redis: Redis, deps: SnapshotDeps, deadline: number): Promise<"started" | "scheduled"> {
  for (;;) {
    try {
      await redis.call("BGSAVE");
      return "started";
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      const kind = classifyBgsaveError(msg);
      if (kind === "other") throw new JobFailure(`BGSAVE refused: ${msg}`);
      if (kind === "child-busy") {
        try {
          await redis.call("BGSAVE", "SCHEDULE");
          return "scheduled";
        } catch (err2) {
          const m2 = err2 instanceof Error ? err2.message : String(err2);
          if (classifyBgsaveError(m2) !== "rdb-in-progress") throw new JobFailure(`BGSAVE SCHEDULE refused: ${m2}`);
        }
      }
      // Another RDB save (someone's BGSAVE, a replica's full sync) runs: ours starts after it.
      if (Date.now() > deadline) throw new JobFailure(`BGSAVE refused until the timeout: ${msg}`);
      await sleep(deps.pollMs ?? 200, deps.signal);
      if (deps.signal.aborted) throw new JobFailure("cancelled: replscope is shutting down");
    }
  }
}

/**
 * Redis's reason for a failed save, from the node's log when replscope may read it: null when the
 * log cannot be read; "" when it can but names no reason (yet: it is read again a few times, as a
 * busy machine may write the child's last line after INFO already says err).
 */
async function failureFromLog(host: string, cfg: { known: boolean; dir: string | null; logfile: string | null }, deps: SnapshotDeps): Promise<string | null> {
  const where = resolveLogPath({ host, configured: deps.logFile, logfile: cfg.logfile, dir: cfg.dir, configKnown: cfg.known });
  if ("unreadable" in where) return null;
  for (let attempt = 0; ; attempt++) {
    let reason: string | null;
    try {
      const policy = await resolveDirsPolicy(["/var/log", ...deps.logDirs], deps.privatePaths);
      const fh = await openGuarded(where.path, where.trusted ? { allow: ["/"], deny: policy.deny } : policy);
      try {
        reason = bgsaveFailureReason(await tailLines(fh, 64 * 1024));
      } finally {
        await fh.close();
      }
    } catch {
      return null;
    }
    if (reason || attempt >= 4 || deps.signal.aborted) return reason ?? "";
    await sleep(250, deps.signal);
  }
}

function positionFrom(head: Buffer | null, before: SaveState, after: SaveState): { pos: BackupPosition; ctime: number | null; redisVer: string | null } {
  if (head) {
    try {
      const h = parseRdbHeader(head);
      const ctime = h.aux.ctime && /^\d+$/.test(h.aux.ctime) ? Number(h.aux.ctime) : null;
      if (h.replid && h.offset !== null) return { pos: { source: "rdb-aux", replid: h.replid, offset: h.offset }, ctime, redisVer: h.aux["redis-ver"] ?? null };
    } catch {
      /* fall through to the INFO range */
    }
  }
  const same = before.replid === after.replid;
  return {
    pos: {
      source: "info-range",
      replid: same ? before.replid : null,
      offsetFrom: same ? before.offset : null,
      offsetTo: same ? after.offset : null,
      note: "the RDB header carries no repl-id/repl-offset (or could not be read): the position is only known to lie between INFO's master_repl_offset before and after the save",
    },
    ctime: null,
    redisVer: null,
  };
}

/** Runs the job to its end; the returned row is final (done or failed). Never throws. */
export async function runSnapshot(start: Backup, deps: SnapshotDeps): Promise<Backup> {
  let b: Backup = { ...start, meta: { ...(start.meta ?? {}) } };
  const meta = b.meta as Record<string, unknown>;
  const deadline = Date.now() + deps.saveTimeoutMs;
  const fileName = deps.dest.slice(deps.dest.lastIndexOf("/") + 1);
  const redis = createConnection({ ...deps.conn, connectionName: "replscope-backup" });
  let tmp: string | null = null;
  try {
    try {
      await redis.connect();
    } catch (err) {
      throw new JobFailure(`cannot reach ${b.node}: ${describeRedisError(connectionError(redis, err))}`);
    }
    const cfg = await configGet(redis);
    const src = rdbSourcePath({ host: deps.conn.host, dir: cfg.dir, dbfilename: cfg.dbfilename, configKnown: cfg.known, trustedDirs: deps.backupSourceDirs.length });
    const policy = await resolveDirsPolicy(deps.backupSourceDirs, deps.privatePaths);
    let copyFrom: string | null = null;
    if ("path" in src) {
      // The dir's real path decides (the file may not exist before the first save).
      // A dir that does not exist (any more) is judged as written: the BGSAVE then fails with
      // Redis's own reason, and the copy is guarded again by openGuarded on the real file.
      const realDir = await realpath(cfg.dir ?? "").catch(() => path.resolve(cfg.dir ?? "/"));
      const refusal = logPathRefusal(`${realDir}/${cfg.dbfilename}`, policy, BACKUP_SOURCE_PURPOSE);
      if (refusal) meta.notCopiedBecause = refusal;
      else copyFrom = `${realDir}/${cfg.dbfilename}`;
    } else meta.notCopiedBecause = src.unusable;

    const before = await info(redis);
    let head: Buffer | null = null;
    // Redis answers CONFIG GET dir with "" when its working dir is gone: a BGSAVE then gets Redis's
    // own verdict (and reason) instead of a replication fetch that hides the broken disk.
    const dirLost = cfg.known && cfg.dir === "" && isLoopback(deps.conn.host) && deps.backupSourceDirs.length > 0;
    if (dirLost) meta.notCopiedBecause = "the node reports an empty dir (its working directory was removed or is unreadable)";
    let last = before;
    if (copyFrom || dirLost) {
      if (copyFrom) b = { ...b, source: "file" };
      const how = await startBgsave(redis, deps, deadline);
      meta.bgsave = how;
      meta.bgsaveStartedAt = Date.now();
      const atReply = await info(redis);
      last = atReply;
      await deps.save(b);
      let sawRdbChild = atReply.inProgress;
      while (!saveFinished(how, atReply, last, sawRdbChild)) {
        if (deps.signal.aborted) throw new JobFailure("cancelled: replscope is shutting down while the BGSAVE ran");
        if (Date.now() > deadline) throw new JobFailure(`the BGSAVE did not finish within ${Math.round(deps.saveTimeoutMs / 1000)} s (rdb_bgsave_in_progress:${last.inProgress ? 1 : 0})`);
        await sleep(deps.pollMs ?? 200, deps.signal);
        last = await info(redis);
        sawRdbChild ||= last.inProgress;
      }
      meta.bgsaveFinishedAt = Date.now();
      meta.rdbLastBgsaveTimeSec = last.lastTimeSec;
      if (last.lastStatus !== "ok") {
        const reason = await failureFromLog(deps.conn.host, cfg, deps);
        const why = reason ? `: ${reason}` : reason === "" ? " (the node's log names no reason)" : " (the reason is in the node's log, which replscope cannot read)";
        throw new JobFailure(`BGSAVE failed: rdb_last_bgsave_status:${last.lastStatus ?? "unknown"}${why}`);
      }
    }
    let copied = false;
    if (copyFrom) {
      const startedAt = typeof meta.bgsaveStartedAt === "number" ? meta.bgsaveStartedAt : Date.now();
      const fh = await openGuarded(copyFrom, policy, BACKUP_SOURCE_PURPOSE);
      // The file must be the one this BGSAVE wrote: one last written before it started is stale
      // (an old dump, or a foreign file put in its place) and is never catalogued as fresh.
      const st = await fh.stat().catch(async (err: unknown) => {
        await fh.close().catch(() => undefined);
        throw err;
      });
      const stale = staleRdbReason(st.mtimeMs, null, startedAt);
      if (stale) {
        await fh.close().catch(() => undefined);
        meta.notCopiedBecause = stale;
      } else {
        const { bytes, sha256 } = await copyInto(fh, deps.dest, deps.signal);
        head = await readHead(deps.dest, RDB_HEADER_BYTES).catch(() => null);
        const { pos, ctime, redisVer } = positionFrom(head, before, last);
        const staleHeader = staleRdbReason(null, ctime, startedAt);
        if (staleHeader) {
          await removeFile(deps.dest).catch(() => undefined);
          meta.notCopiedBecause = staleHeader;
        } else {
          copied = true;
          b = { ...b, bytes, sha256, file: fileName, replid: pos.replid, offset: pos.source === "rdb-aux" ? pos.offset : null };
          meta.position = pos;
          meta.rdbCtime = ctime;
          meta.redisVersion = redisVer;
        }
      }
    }
    if (!copied) {
      // No file replscope may copy (or not the fresh one): the node streams its RDB over replication.
      b = { ...b, source: "replication" };
      await deps.save(b);
      tmp = tempPath(deps.dest);
      const cmd = redisCliRdbCommand(deps.fetch, tmp, deps.redisCli);
      const r = await runTool(cmd, { timeoutMs: Math.max(1000, deadline - Date.now()), signal: deps.signal });
      if (r.code !== 0 || r.spawnError || r.timedOut) throw new JobFailure(redisCliFailure(r));
      const after = await info(redis).catch(() => before);
      const { bytes, sha256 } = await hashFile(tmp);
      await rename(tmp, deps.dest);
      tmp = null;
      b = { ...b, bytes, sha256, file: fileName };
      head = await readHead(deps.dest, RDB_HEADER_BYTES).catch(() => null);
      const { pos, ctime, redisVer } = positionFrom(head, before, after);
      b = { ...b, replid: pos.replid, offset: pos.source === "rdb-aux" ? pos.offset : null };
      meta.position = pos;
      meta.rdbCtime = ctime;
      meta.redisVersion = redisVer;
    }

    const check = await runTool(checkRdbCommand(deps.dest, deps.checkRdb), { timeoutMs: Math.max(5000, deadline - Date.now()), maxOutput: 16_384, signal: deps.signal });
    if (check.spawnError) b = { ...b, checkStatus: "skipped", checkDetail: check.spawnError };
    else {
      const c = parseCheckRdb(check.output, check.code);
      b = { ...b, checkStatus: c.ok ? "ok" : "failed", checkDetail: check.timedOut ? "redis-check-rdb did not finish in time" : c.detail, keys: c.keys };
    }
    return { ...b, status: "done", finishedAt: Date.now() };
  } catch (err) {
    const msg = err instanceof JobFailure ? err.message : err instanceof Error ? `${(err as NodeJS.ErrnoException).code ? `${(err as NodeJS.ErrnoException).code}: ` : ""}${err.message}` : String(err);
    if (b.file === null) await removeFile(deps.dest).catch(() => undefined);
    return { ...b, status: "failed", finishedAt: Date.now(), error: msg.slice(0, 2000) };
  } finally {
    if (tmp) await removeFile(tmp).catch(() => undefined);
    redis.disconnect();
  }
}
