// Export and import jobs: a bounded in-memory list (the last MAX_JOBS), export files under
// <dataDir>/exports/<id>.rsd (written as <id>.rsd.part, renamed when whole; at most MAX_FILES
// kept, oldest deleted; leftovers of a crash removed at start), progress published at most every
// PROGRESS_MS plus a final report, and a final audit entry. Built by server.ts, closed on shutdown.
// The I/O around the pure exportNode/importDump.
import { randomBytes } from "node:crypto";
import { lstatSync, closeSync, constants, createReadStream, fstatSync, openSync, createWriteStream, mkdirSync, readdirSync, renameSync, statSync, unlinkSync, type ReadStream } from "node:fs";
import path from "node:path";
import type Redis from "ioredis";
import { connectionError, createConnection, describeRedisError, type ConnectOptions } from "../../redis/connection";
import { exportNode, type ExportFilters } from "./export";
import { importDump, ImportRefusedError, type ConflictPolicy, type ImportResult } from "./import";
import type { DumpSource } from "./reader";
import { DumpWriteError } from "./writer";

export const TRANSFER_ID = /^[0-9a-f]{16}$/;
export const MAX_JOBS = 50;
export const MAX_FILES = 20;
/** Exports (and, separately, imports) running at once; one more is refused with 429. */
export const MAX_RUNNING = 2;
const PROGRESS_MS = 250;

export interface TransferJob {
  id: string;
  kind: "export" | "import";
  /** partial: an import read its whole file but some keys failed to restore (see failures). */
  status: "running" | "done" | "partial" | "stopped" | "failed";
  node: string;
  topology: string | null;
  /** Who started it (the audit entry of its final report names them). */
  startedBy: { user: string; role: string } | null;
  startedAt: number;
  finishedAt: number | null;
  keys: number;
  bytes: number;
  /** Total to reach, for the ETA: keys (export: DBSIZE at start) or bytes (import: Content-Length). */
  total: number | null;
  totalUnit: "keys" | "bytes";
  /** Keys per second so far. */
  rate: number;
  etaMs: number | null;
  error: string | null;
  // Export
  filters?: ExportFilters;
  vanished?: number;
  chunked?: number;
  /** Module-type values too big to DUMP, not written (see notes). */
  omitted?: number;
  /** What the file leaves out and why (the trailer's notes). */
  notes?: string[];
  replid?: string;
  offset?: number;
  sha256?: string;
  // Import
  policy?: ConflictPolicy;
  db?: number | null;
  restored?: number;
  skipped?: number;
  failed?: number;
  expired?: number;
  errorOffset?: number | null;
  conflictKey?: string | null;
  restoredKeys?: string[];
  failures?: { key: string; error: string }[];
  source?: { node: string; replid: string; offset: number; keys: number | null } | null;
}

export interface TransferDeps {
  dataDir: string;
  /** A job's state changed (rate-limited while running; always the final one). */
  onUpdate?: (job: TransferJob) => void;
  /** The final report of a job, for the audit log. */
  onFinished?: (job: TransferJob) => void;
}

/** The node to export from or import into, as the monitor knows it. */
export interface TransferTarget {
  node: string;
  topology: string | null;
  conn: ConnectOptions;
  startedBy?: { user: string; role: string };
}

export class TransferRefusedError extends Error {
  override name = "TransferRefusedError";
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export class TransferManager {
  private readonly jobs = new Map<string, TransferJob>();
  private readonly running = new Map<string, { abort: AbortController; done: Promise<void> }>();
  private readonly lastSent = new Map<string, number>();
  /** Export id → how many readers hold it (pinExport). */
  private readonly pins = new Map<string, number>();
  readonly dir: string;

  constructor(private readonly deps: TransferDeps) {
    this.dir = path.join(deps.dataDir, "exports");
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    for (const name of readdirSync(this.dir)) if (name.endsWith(".part")) unlinkSync(path.join(this.dir, name));
    this.pruneFiles();
  }

  list(): TransferJob[] {
    return [...this.jobs.values()].sort((a, b) => b.startedAt - a.startedAt);
  }

  get(id: string): TransferJob | null {
    return this.jobs.get(id) ?? null;
  }

  /** The finished export file of `id` (also one from before a restart), or null. */
  exportFile(id: string): { path: string; size: number } | null {
    if (!TRANSFER_ID.test(id)) return null;
    const file = path.join(this.dir, `${id}.rsd`);
    try {
      const st = lstatSync(file);
      return st.isFile() ? { path: file, size: st.size } : null;
    } catch {
      return null;
    }
  }

  /** A read stream of an export file that cannot follow a symlink planted in the exports dir. */
  openExport(id: string): { stream: ReadStream; size: number } | null {
    const f = this.exportFile(id);
    if (!f) return null;
    let fd: number;
    try {
      fd = openSync(f.path, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch {
      return null; // a symlink (ELOOP) or gone meanwhile
    }
    const st = fstatSync(fd);
    if (!st.isFile()) {
      closeSync(fd);
      return null;
    }
    return { stream: createReadStream("", { fd }), size: st.size };
  }

  private newJob(kind: TransferJob["kind"], target: TransferTarget, totalUnit: TransferJob["totalUnit"]): TransferJob {
    const job: TransferJob = {
      id: randomBytes(8).toString("hex"), kind, status: "running", node: target.node, topology: target.topology, startedBy: target.startedBy ?? null, startedAt: Date.now(), finishedAt: null,
      keys: 0, bytes: 0, total: null, totalUnit, rate: 0, etaMs: null, error: null,
    };
    this.jobs.set(job.id, job);
    // Oldest finished jobs go first; running ones are never dropped.
    for (const old of [...this.jobs.values()].sort((a, b) => a.startedAt - b.startedAt)) {
      if (this.jobs.size <= MAX_JOBS) break;
      if (old.status !== "running") this.jobs.delete(old.id);
    }
    return job;
  }

  private progress(job: TransferJob, force = false): void {
    const elapsed = Math.max(1, Date.now() - job.startedAt);
    job.rate = Math.round((job.keys * 1000) / elapsed);
    const done = job.totalUnit === "keys" ? job.keys : job.bytes;
    job.etaMs = job.total && done > 0 && job.status === "running" ? Math.max(0, Math.round(((job.total - done) * elapsed) / done)) : null;
    const now = Date.now();
    if (!force && now - (this.lastSent.get(job.id) ?? 0) < PROGRESS_MS) return;
    this.lastSent.set(job.id, now);
    this.deps.onUpdate?.(structuredClone(job));
  }

  private finish(job: TransferJob): void {
    job.finishedAt = Date.now();
    this.progress(job, true);
    this.lastSent.delete(job.id);
    this.deps.onFinished?.(structuredClone(job));
  }

  private admit(kind: TransferJob["kind"]): void {
    const running = [...this.jobs.values()].filter((j) => j.kind === kind && j.status === "running").length;
    if (running >= MAX_RUNNING) throw new TransferRefusedError(`${running} ${kind}s are running: at most ${MAX_RUNNING} at once, try again when one has finished`, 429);
  }

  private async connect(conn: ConnectOptions, name: string): Promise<Redis> {
    // Exports and imports wait on big pipelines: a longer command timeout than a poll's.
    const redis = createConnection({ ...conn, timeoutMs: Math.max(conn.timeoutMs, 30_000), connectionName: name });
    try {
      await redis.connect();
      return redis;
    } catch (err) {
      redis.disconnect();
      throw new TransferRefusedError(`cannot connect to ${conn.host}:${conn.port}: ${describeRedisError(connectionError(redis, err))}`, 502);
    }
  }

  /** Starts an export; answers once it has begun (the job then runs on). */
  async startExport(target: TransferTarget, filters: ExportFilters): Promise<TransferJob> {
    this.admit("export");
    // Listed (and counted as running) before the connect, so two requests cannot both pass admit().
    const job = this.newJob("export", target, "keys");
    let redis: Redis;
    try {
      redis = await this.connect(target.conn, "replscope-export");
    } catch (err) {
      this.jobs.delete(job.id);
      throw err;
    }
    job.filters = filters;
    const part = path.join(this.dir, `${job.id}.rsd.part`);
    const out = createWriteStream(part, { flags: "wx", mode: 0o600 });
    const abort = new AbortController();
    // A failed write (disk full, the dir removed) must end the job, not crash the process.
    let writeError: Error | null = null;
    out.on("error", (err) => {
      writeError = err;
      abort.abort();
    });
    const done = (async () => {
      try {
        const { header, trailer } = await exportNode(redis, out, {
          node: target.node, topology: target.topology, ...filters, signal: abort.signal,
          onProgress: (p) => {
            Object.assign(job, { keys: p.keys, bytes: p.bytes, vanished: p.vanished, chunked: p.chunked, omitted: p.omitted, notes: p.notes, total: p.total });
            this.progress(job);
          },
        });
        // The writer already rejects on a failed end; this also catches an 'error' seen only here.
        if (writeError) throw writeError;
        renameSync(part, path.join(this.dir, `${job.id}.rsd`));
        Object.assign(job, { status: "done", keys: trailer.keys, vanished: trailer.vanished, chunked: trailer.chunked, omitted: trailer.omitted ?? 0, notes: trailer.notes ?? [], replid: header.replid, offset: header.offset, sha256: trailer.sha256 });
        job.bytes = statSync(path.join(this.dir, `${job.id}.rsd`)).size;
        this.pruneFiles();
      } catch (err) {
        job.status = "failed";
        const failedWrite: Error | null = writeError ?? (err instanceof DumpWriteError ? err.cause : null);
        job.error = failedWrite ? `writing ${part}: ${failedWrite.message}` : describeRedisError(connectionError(redis, err));
        out.destroy();
        try {
          unlinkSync(part);
        } catch {
          /* never created */
        }
      } finally {
        redis.disconnect();
        this.running.delete(job.id);
        this.finish(job);
      }
    })();
    this.running.set(job.id, { abort, done });
    return structuredClone(job);
  }

  /**
   * Runs an import from `source` (a request body) to completion and returns the final job. The
   * job is listed (and its progress published) from the start, so another page can follow it.
   */
  async runImport(
    target: TransferTarget,
    source: DumpSource,
    opts: { policy: ConflictPolicy; db?: number; allowReplica?: boolean; totalBytes?: number | null },
  ): Promise<TransferJob> {
    this.admit("import");
    const job = this.newJob("import", target, "bytes");
    let redis: Redis;
    try {
      redis = await this.connect(target.conn, "replscope-import");
    } catch (err) {
      this.jobs.delete(job.id);
      throw err;
    }
    Object.assign(job, { policy: opts.policy, db: opts.db ?? null, total: opts.totalBytes ?? null, restored: 0, skipped: 0, failed: 0, expired: 0 });
    const abort = new AbortController();
    let finished!: () => void;
    this.running.set(job.id, { abort, done: new Promise<void>((r) => (finished = r)) });
    this.progress(job, true);
    try {
      const result = await importDump(redis, source, {
        policy: opts.policy, db: opts.db, allowReplica: opts.allowReplica, signal: abort.signal, listLimit: 200,
        onProgress: (p) => {
          Object.assign(job, p);
          this.progress(job);
        },
      });
      applyResult(job, result);
    } catch (err) {
      job.status = "failed";
      job.error = err instanceof ImportRefusedError ? err.message : describeRedisError(connectionError(redis, err));
      if (err instanceof ImportRefusedError) {
        this.jobs.delete(job.id);
        throw new TransferRefusedError(err.message, 409);
      }
    } finally {
      redis.disconnect();
      this.running.delete(job.id);
      finished();
      if (this.jobs.has(job.id)) this.finish(job);
    }
    return structuredClone(job);
  }

  /**
   * Keeps export `id`'s file from being pruned until the returned unpin is called (a restore
   * drill reading it, say). Pins are counted: the file is kept while any pin holds it. Unpin is
   * idempotent; the last unpin prunes again, so the MAX_FILES bound holds once nothing reads.
   */
  pinExport(id: string): () => void {
    this.pins.set(id, (this.pins.get(id) ?? 0) + 1);
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      const left = (this.pins.get(id) ?? 1) - 1;
      if (left > 0) return void this.pins.set(id, left);
      this.pins.delete(id);
      this.pruneFiles();
    };
  }

  /** Keeps the newest MAX_FILES export files; a pinned file is never deleted (and still counts). */
  private pruneFiles(): void {
    const files = readdirSync(this.dir)
      .filter((n) => /^[0-9a-f]{16}\.rsd$/.test(n))
      .map((n) => ({ n, at: lstatSync(path.join(this.dir, n)).mtimeMs }))
      .sort((a, b) => b.at - a.at);
    for (const f of files.slice(MAX_FILES)) {
      if (this.pins.has(f.n.slice(0, -".rsd".length))) continue;
      try {
        unlinkSync(path.join(this.dir, f.n));
      } catch {
        /* gone meanwhile */
      }
    }
  }

  async close(): Promise<void> {
    for (const r of this.running.values()) r.abort.abort();
    await Promise.race([Promise.allSettled([...this.running.values()].map((r) => r.done)), new Promise((r) => setTimeout(r, 2000))]);
  }
}

function applyResult(job: TransferJob, r: ImportResult): void {
  Object.assign(job, {
    status: r.status, keys: r.keys, bytes: r.bytes, restored: r.restored, skipped: r.skipped, failed: r.failed, expired: r.expired,
    error: r.error, errorOffset: r.errorOffset, conflictKey: r.conflictKey, restoredKeys: r.restoredKeys, failures: r.failures,
    source: r.header ? { node: r.header.source.node, replid: r.header.replid, offset: r.header.offset, keys: r.trailer?.keys ?? null } : null,
  });
}
