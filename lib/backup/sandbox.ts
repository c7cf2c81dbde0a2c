// Throwaway redis-server processes for restore drills: loopback only, password protected (a random
// requirepass in the sandbox's own 0600 redis.conf), on a free port, in a fresh
// directory under the dashboard's own sandbox folder, never persisting anything (--save "",
// --appendonly no). Loaded from a copy of an RDB (streamed, never whole in memory) or started
// empty for a logical import. Whatever happens (load error, timeout, a failed verification, a
// shutdown), the process is stopped by its PID and its directory removed. At most `max` run at once.
import { createHash, randomBytes } from "node:crypto";
import { constants, createReadStream, createWriteStream } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile, open } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import type Redis from "ioredis";
import { createConnection } from "../redis/connection";
import { parseInfo } from "../redis/info";
import { redisServerBinary, startRedis, type LocalRedis } from "../redis/local-server";

/** Databases every sandbox has: RDBs from servers with more than 16 load, and logical verify gets a scratch db. */
export const SANDBOX_DATABASES = 256;
export const SCRATCH_DB = SANDBOX_DATABASES - 1;
const DIR_PREFIX = "sandbox-";
const RDB_NAME = "dump.rdb";

export class SandboxUnavailableError extends Error {
  readonly code = "ENOREDIS";
}
export class SandboxBusyError extends Error {
  readonly code = "EBUSY";
}
/**
 * redis-server refused to start on the copy: `reason` holds Redis's own words from its log.
 * `fromFile`: the file itself is at fault (corrupt, truncated), not the sandbox (too old a
 * redis-server, a missing module, a port, a start timeout): only then is it the backup's verdict.
 */
export class SandboxLoadError extends Error {
  constructor(
    readonly reason: string,
    readonly fromFile = false,
  ) {
    super(`redis-server could not load the backup: ${reason}`);
  }
}

/** Load failures that say nothing about the file: this redis-server cannot read it, or could not start at all. */
const NOT_THE_FILE = /can't handle RDB format version|module|Address already in use|Could not create server TCP|Out Of Memory|OOM command|maxmemory|did not answer PING|Permission denied/i;

/** Whether a sandbox that stopped on its own while loading (`exited`) blames the file. */
export function loadFailureFromFile(reason: string, exited: boolean): boolean {
  return exited && !NOT_THE_FILE.test(reason);
}

export interface SandboxPoolOptions {
  /** Folder holding the sandboxes' directories (e.g. <dataDir>/sandboxes); created when missing. */
  parentDir: string;
  /** Sandboxes running at once (default 2). */
  max?: number;
  /** redis-server binary (default REDIS_SERVER or redis-server on PATH). */
  binary?: string;
  /** maxmemory for each sandbox, bytes (0 or absent: none; a drill of a larger backup then fails with OOM). */
  maxmemoryBytes?: number;
  /** How long a sandbox may take to load its RDB and answer PING (default 10 min). */
  readyTimeoutMs?: number;
}

export interface SandboxSpec {
  /** An RDB to load, copied into the sandbox as its dbfilename. Absent: an empty server. */
  rdbFile?: string;
  /** Whole run, load included; the sandbox is killed when it passes (default 1 h). */
  timeoutMs?: number;
}

export interface Sandbox {
  readonly port: number;
  readonly dir: string;
  readonly pid: number;
  /** sha256 of the RDB bytes copied in (null for an empty sandbox). */
  readonly rdbSha256: string | null;
  /** The sandbox's copy of the RDB (the server never rewrites it: --save ""). */
  readonly rdbFile: string;
  /** Seconds redis-server took from spawn to its first PONG (RDB loading included). */
  readonly startSeconds: number;
  /** A new connection to the sandbox (closed by the pool at teardown). */
  connect(name: string): Promise<Redis>;
  /** The last lines of the sandbox's own log (its directory is ours, so its log is trusted). */
  logTail(maxBytes?: number): Promise<string>;
}

export class SandboxPool {
  private readonly running = new Set<Slot>();
  private closed = false;

  constructor(private readonly o: SandboxPoolOptions) {}

  get active(): number {
    return this.running.size;
  }

  get max(): number {
    return this.o.max ?? 2;
  }

  /** Throws now (not after a queue) when redis-server is missing or every slot is taken. */
  checkAvailable(): void {
    if (this.closed) throw new SandboxBusyError("replscope is shutting down");
    if (this.running.size >= this.max) throw new SandboxBusyError(`${this.max} restore sandboxes are already running; wait for one to finish`);
    if (!redisServerBinary(this.o.binary)) {
      const name = this.o.binary ?? (process.env.REDIS_SERVER || "redis-server");
      throw new SandboxUnavailableError(
        `redis-server is not installed on the dashboard host ("${name}" did not run): a restore drill starts a sandbox redis-server on loopback. Install it (Debian: apt install redis-server) or set REDIS_SERVER to its path.`,
      );
    }
  }

  /** Starts a sandbox, runs `fn` on it, and always tears it down (process by PID, then its dir). */
  async run<T>(spec: SandboxSpec, fn: (sb: Sandbox, signal: AbortSignal) => Promise<T>): Promise<T> {
    this.checkAvailable();
    const conns: Redis[] = [];
    let server: LocalRedis | null = null;
    let dir: string | null = null;
    const ctl = new AbortController();
    const teardown = async () => {
      for (const c of conns) c.disconnect();
      if (server) await server.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    };
    let finished = () => undefined as void;
    const slot: Slot = { abort: () => ctl.abort(new Error("replscope is shutting down")), pid: undefined, finished: new Promise<void>((resolve) => (finished = resolve)) };
    this.running.add(slot);
    // Covers the copy and the start too: both stop on abort (the half-started process is killed).
    const timer = setTimeout(() => ctl.abort(new Error(`the restore drill ran past its ${Math.round((spec.timeoutMs ?? 3_600_000) / 1000)} s limit`)), spec.timeoutMs ?? 3_600_000);
    try {
      await mkdir(this.o.parentDir, { recursive: true, mode: 0o700 });
      dir = await mkdtemp(path.join(this.o.parentDir, DIR_PREFIX));
      const sha256 = spec.rdbFile ? await copyRdb(spec.rdbFile, path.join(dir, RDB_NAME), ctl.signal) : null;
      const started = Date.now();
      const sandboxDir = dir;
      // A random password in a 0600 redis.conf inside the 0700 dir (never argv): no other local
      // user can read the restored data over loopback TCP.
      const password = randomBytes(24).toString("hex");
      const configFile = path.join(sandboxDir, "redis.conf");
      await writeFile(configFile, `requirepass ${password}\n`, { mode: 0o600, flag: "wx" });
      server = await this.start(sandboxDir, configFile, ctl.signal);
      slot.pid = server.pid();
      if (ctl.signal.aborted) throw ctl.signal.reason instanceof Error ? ctl.signal.reason : new Error("aborted");
      const pid = server.pid();
      if (pid === undefined) throw new Error("the sandbox redis-server has no PID");
      const port = server.port;
      const connectTo = async (name: string) => {
        const c = createConnection({ host: "127.0.0.1", port, password, timeoutMs: 30_000, connectionName: name });
        conns.push(c);
        await c.connect();
        return c;
      };
      // Another listener could have taken the port between freePort() and the bind: the data goes
      // only to the process we started.
      const probe = await connectTo("replscope-restore-drill-probe");
      const reported = Number(parseInfo(await probe.info("server")).server?.process_id);
      probe.disconnect();
      if (reported !== pid) throw new Error(`port ${port} is answered by process ${reported}, not the sandbox's ${pid}: another program took the port`);
      await writeFile(path.join(sandboxDir, "pid"), String(pid), { mode: 0o600 });
      const sb: Sandbox = {
        port: server.port,
        dir: sandboxDir,
        pid,
        rdbSha256: sha256,
        rdbFile: path.join(sandboxDir, RDB_NAME),
        startSeconds: (Date.now() - started) / 1000,
        connect: connectTo,
        logTail: (maxBytes) => readTail(path.join(sandboxDir, "redis.log"), maxBytes),
      };
      return await abortable(fn(sb, ctl.signal), ctl.signal);
    } finally {
      clearTimeout(timer);
      ctl.abort();
      await teardown();
      this.running.delete(slot);
      finished();
    }
  }

  private async start(dir: string, configFile: string, signal: AbortSignal): Promise<LocalRedis> {
    const args = [
      "--dbfilename", RDB_NAME,
      "--databases", String(SANDBOX_DATABASES),
      "--protected-mode", "yes",
      // DEBUG DIGEST / DIGEST-VALUE / SET-ACTIVE-EXPIRE for the verification, from loopback only.
      "--enable-debug-command", "local",
      ...(this.o.maxmemoryBytes ? ["--maxmemory", String(this.o.maxmemoryBytes), "--maxmemory-policy", "noeviction"] : []),
    ];
    try {
      return await startRedis({ dir, args, configFile, signal, binary: this.o.binary, readyTimeoutMs: this.o.readyTimeoutMs ?? 600_000 });
    } catch (err) {
      if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error("aborted");
      // The process logs to its file, not stderr: Redis's own reason is there.
      const reason = redisReason(await readTail(path.join(dir, "redis.log")).catch(() => ""));
      const message = err instanceof Error ? err.message : String(err);
      throw new SandboxLoadError(reason ?? message, reason !== null && loadFailureFromFile(reason, / exited with /.test(message)));
    }
  }

  /**
   * Shutdown: aborts running drills (their teardown stops the process and removes the dir), waits
   * at most `graceMs` for that, then kills what is left by PID (removeLeftovers at the next start
   * cleans up its dir).
   */
  async close(graceMs = 5000): Promise<void> {
    this.closed = true;
    const slots = [...this.running];
    for (const s of slots) s.abort();
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
    await Promise.race([Promise.allSettled(slots.map((s) => s.finished)), grace]);
    clearTimeout(timer);
    for (const s of this.running) if (s.pid !== undefined) killQuietly(s.pid);
  }

  /**
   * At startup: a sandbox left behind by a crashed replscope (its pid file names a live
   * redis-server whose command line holds that directory) is killed, and every such dir removed.
   */
  async removeLeftovers(): Promise<number> {
    let removed = 0;
    const entries = await readdir(this.o.parentDir).catch(() => [] as string[]);
    for (const name of entries) {
      if (!name.startsWith(DIR_PREFIX)) continue;
      const dir = path.join(this.o.parentDir, name);
      const pid = Number((await readFile(path.join(dir, "pid"), "utf8").catch(() => "")).trim());
      if (Number.isInteger(pid) && pid > 1) {
        const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
        // Only the process started with this very directory (a reused PID is someone else's).
        if (cmdline.split("\0").includes(dir)) killQuietly(pid);
      }
      await rm(dir, { recursive: true, force: true });
      removed++;
    }
    return removed;
  }
}

interface Slot {
  abort: () => void;
  /** The sandbox's redis-server, once spawned and answering. */
  pid: number | undefined;
  /** Resolves when the run's teardown is done. */
  finished: Promise<void>;
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    /* already gone */
  }
}

/** Streamed copy of our own backup file (opened without following a symlink) into the sandbox. */
async function copyRdb(src: string, dst: string, signal: AbortSignal): Promise<string> {
  const fh = await open(src, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new Error("the backup file is not a regular file");
    const hash = createHash("sha256");
    const rs = createReadStream("", { fd: fh, autoClose: false });
    rs.on("data", (chunk) => hash.update(chunk));
    // pipeline's own AbortError says only "aborted": the drill's reason (time limit, shutdown) is what it should say.
    await pipeline(rs, createWriteStream(dst, { flags: "wx", mode: 0o600 }), { signal }).catch((err: unknown) => {
      throw signal.aborted && signal.reason instanceof Error ? signal.reason : err;
    });
    return hash.digest("hex");
  } finally {
    await fh.close();
  }
}

async function readTail(file: string, maxBytes = 8192): Promise<string> {
  const st = await stat(file);
  const fh = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const len = Math.min(maxBytes, st.size);
    const buf = Buffer.alloc(len);
    await fh.read(buf, 0, len, st.size - len);
    return buf.toString("utf8");
  } finally {
    await fh.close();
  }
}

/**
 * Redis's reason from its log: the warning lines (" # ") from the last start, without the
 * generic ones every start prints on this kind of host (overcommit, THP).
 */
export function redisReason(log: string): string | null {
  const lines = log.split("\n").filter((l) => / # /.test(l) && !/overcommit|Transparent Huge|Server initialized|WARNING/i.test(l));
  const text = lines.map((l) => l.replace(/^\d+:[A-Z] [^#]*# /, "").trim()).filter(Boolean);
  return text.length ? text.slice(-4).join(" — ").slice(0, 600) : null;
}

/** Resolves with `p`, or rejects once `signal` aborts (the teardown then stops what `p` was using). */
function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    p.catch(() => undefined);
    return Promise.reject(signal.reason instanceof Error ? signal.reason : new Error("aborted"));
  }
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const onAbort = () => {
      settled = true;
      reject(signal.reason instanceof Error ? signal.reason : new Error("aborted"));
    };
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        if (!settled) resolve(v);
      },
      (err: unknown) => {
        signal.removeEventListener("abort", onAbort);
        if (!settled) reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
