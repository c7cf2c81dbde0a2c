// Starts restore drills for the API and records them: a row "running" before the sandbox starts,
// the result (or the failure, in Redis's or the reader's own words) when it ends, and the
// backup's verify_* columns. Built once by server.ts; close() stops running drills (their
// sandboxes are torn down, their rows say "failed: replscope is shutting down"); a row a crash
// left "running" is marked failed by the next start.
import { randomBytes } from "node:crypto";
import type Redis from "ioredis";
import type { Backup } from "./types";
import { compareWithLive } from "./live-compare";
import { runRdbDrill, type DrillResult } from "./restore-drill";
import { DumpFormatError } from "./logical/format";
import { DrillImportError, readExportSource, runLogicalDrill } from "./restore-logical";
import type { LiveComparison, RestoreDrill, RestoreDrillDetail } from "./restore-types";
import { SandboxBusyError, SandboxLoadError, SandboxUnavailableError, type SandboxPool } from "./sandbox";
import { failedLine, positionFromRdb, type BackupRecord, type DrillKind } from "./verify";
import type { RestoreDrillRepo } from "../store/restore-drills";
import { instanceField, isOrphaned, whoStopped, type JobFleet, type SweepScope } from "../fleet/jobs";
import { OrphanSweep } from "../fleet/orphan-sweep";

export type StartResult = { id: string } | { status: number; error: string };

/** A connection to the live master of a topology, for the optional comparison (closed by the runner). */
export type LiveConnector = (topology: string) => Promise<{ node: string; redis: Redis } | { error: string }>;

export interface RestoreDrillDeps {
  pool: SandboxPool;
  repo: RestoreDrillRepo;
  /** The backup catalogue (s9-snap's BackupManager). */
  backups: {
    get(id: string): Promise<Backup | null>;
    file(id: string): Promise<{ backup: Backup; path: string } | null>;
    isRunning(id: string): boolean;
  };
  /** Records the verdict on the catalogue entry (store.backups.setVerification). */
  setVerification?: (id: string, v: { at: number; status: string; detail: string | null }) => Promise<unknown>;
  /** A finished logical export's file, by export id (topology: its job's, null when the job is gone). */
  exportFile?: (id: string) => Promise<{ path: string; topology: string | null } | { status: number; error: string }>;
  /** Keeps an export's file from being pruned while a drill reads it (TransferManager.pinExport); returns the unpin. */
  pinExport?: (id: string) => () => void;
  live?: LiveConnector;
  timeoutMs?: number;
  /** Several instances: drills carry this instance's id, and only stopped instances' drills are marked failed. */
  fleet?: JobFleet | null;
  /** How often the fleet's sweep looks (default 5 s). */
  sweepMs?: number;
}

export interface DrillRequest {
  requestedBy: string;
  compareWithLive?: boolean;
}

export class RestoreDrillRunner {
  private readonly running = new Map<string, { backupId: string; done: Promise<void> }>();

  /** With several instances: marks drills of instances that stopped failed; null alone. */
  orphans: OrphanSweep | null = null;

  private constructor(private readonly d: RestoreDrillDeps) {}

  /**
   * Marks drills a crash cut off as failed (with a fleet: this instance's and stopped instances',
   * and a sweep keeps marking those of instances that stop later) and removes sandboxes left behind.
   */
  static async open(deps: RestoreDrillDeps): Promise<RestoreDrillRunner> {
    const runner = new RestoreDrillRunner(deps);
    const fleet = deps.fleet ?? null;
    const recover = (scope: SweepScope) => recoverInterrupted(deps.repo, scope);
    if (!fleet) await recover({ self: null, live: null, atOpen: true });
    else runner.orphans = await OrphanSweep.start(fleet, "restore drills", recover, deps.sweepMs);
    await deps.pool.removeLeftovers();
    return runner;
  }

  isRunning(id: string): boolean {
    return this.running.has(id);
  }

  get(id: string): Promise<RestoreDrill | null> {
    return this.d.repo.get(id);
  }

  list(o: { backupId?: string; limit?: number } = {}): Promise<RestoreDrill[]> {
    return this.d.repo.list(o);
  }

  /** A drill of a catalogued backup (an RDB snapshot, or a logical export the catalogue holds). */
  async startForBackup(backupId: string, req: DrillRequest): Promise<StartResult> {
    const b = await this.d.backups.get(backupId);
    if (!b) return { status: 404, error: `no backup ${backupId}` };
    if (b.status === "running" || this.d.backups.isRunning(backupId)) return { status: 409, error: `backup ${backupId} is still running` };
    const f = await this.d.backups.file(backupId);
    if (!f) return { status: 409, error: b.status === "failed" ? `backup ${backupId} failed: there is nothing to restore` : `backup ${backupId} has no file in the backup store` };
    return this.launch(backupId, b.kind, f.path, b.topology, req, { replid: b.replid, offset: b.offset, offsetFromRdb: positionFromRdb(b.meta), sha256: b.sha256, keys: b.keys });
  }

  /** A drill of a logical export by its export id. */
  async startForExport(exportId: string, req: DrillRequest): Promise<StartResult> {
    if (!this.d.exportFile) return { status: 404, error: "logical exports are not available" };
    // Pinned before the lookup, so pruning cannot remove the file between the two.
    const unpin = this.d.pinExport?.(exportId);
    let started = false;
    try {
      const f = await this.d.exportFile(exportId);
      if ("error" in f) return f;
      // The file's own header names its source; the job (absent after a restart) is only a fallback.
      const source = await readExportSource(f.path);
      const r = await this.launch(exportId, "logical", f.path, source ? source.topology : f.topology, req, {}, unpin);
      started = "id" in r;
      return r;
    } finally {
      if (!started) unpin?.();
    }
  }

  private async launch(backupId: string, kind: DrillKind, file: string, topology: string | null, req: DrillRequest, record: BackupRecord, unpin?: () => void): Promise<StartResult> {
    if ([...this.running.values()].some((r) => r.backupId === backupId)) return { status: 409, error: `a restore drill of ${backupId} is already running` };
    try {
      this.d.pool.checkAvailable();
    } catch (err) {
      if (err instanceof SandboxUnavailableError) return { status: 503, error: err.message };
      if (err instanceof SandboxBusyError) return { status: 429, error: err.message };
      throw err;
    }
    const drill: RestoreDrill = {
      id: `rd-${randomBytes(8).toString("hex")}`,
      backupId,
      kind,
      status: "running",
      startedAt: Date.now(),
      finishedAt: null,
      keys: null,
      differences: null,
      seconds: null,
      line: null,
      detail: { compareWithLive: req.compareWithLive === true },
      requestedBy: req.requestedBy,
      ...instanceField(this.d.fleet),
    };
    await this.d.repo.save(drill);
    const done = this.execute(drill, file, topology, req, record).finally(() => {
      unpin?.();
      this.running.delete(drill.id);
    });
    this.running.set(drill.id, { backupId, done });
    return { id: drill.id };
  }

  private async execute(drill: RestoreDrill, file: string, topology: string | null, req: DrillRequest, record: BackupRecord): Promise<void> {
    let live: LiveComparison | undefined;
    const extra = req.compareWithLive
      ? async (sandbox: Redis, signal: AbortSignal) => {
          live = await this.compareLive(sandbox, topology, signal);
        }
      : undefined;
    let done: RestoreDrill;
    let fromFile = true;
    try {
      let r: DrillResult;
      let imported: RestoreDrillDetail["import"];
      if (drill.kind === "rdb") r = await runRdbDrill(this.d.pool, { file, backup: record, timeoutMs: this.d.timeoutMs, extra });
      else {
        const l = await runLogicalDrill(this.d.pool, { file, timeoutMs: this.d.timeoutMs, extra });
        r = l;
        imported = l.import;
      }
      const detail: RestoreDrillDetail = {
        ...drill.detail,
        byType: r.byType,
        differences: r.verification.differences,
        notes: r.verification.notes,
        restoreSeconds: r.restoreSeconds,
        ...(r.load ? { load: r.load } : {}),
        ...(imported ? { import: imported } : {}),
        ...(live ? { live } : {}),
      };
      done = { ...drill, status: r.status, finishedAt: Date.now(), keys: r.keys, differences: r.differences, seconds: r.seconds, line: r.line, detail };
    } catch (err) {
      fromFile = failureFromFile(err);
      const reason = err instanceof Error ? err.message : String(err);
      done = { ...drill, status: "failed", finishedAt: Date.now(), seconds: (Date.now() - drill.startedAt) / 1000, line: failedLine(reason.slice(0, 500)), detail: { ...drill.detail, error: reason.slice(0, 2000) } };
    }
    try {
      await this.d.repo.save(done);
      // Only a verdict about the file itself goes onto the backup: a shutdown, a timeout or a
      // sandbox that cannot read this RDB version stays on the drill record.
      if (fromFile) await this.d.setVerification?.(drill.backupId, { at: done.finishedAt ?? Date.now(), status: done.status, detail: done.line });
    } catch (err) {
      console.error("replscope: cannot record the restore drill", err);
    }
  }

  private async compareLive(sandbox: Redis, topology: string | null, signal: AbortSignal): Promise<LiveComparison> {
    const empty = (node: string, error: string): LiveComparison => ({ node, added: 0, removed: 0, changed: 0, unchanged: 0, samples: [], truncated: null, error });
    if (!this.d.live) return empty("", "no live master to compare with");
    if (topology === null) return empty("", "the export's source topology is unknown (its header names none): no live comparison");
    const c = await this.d.live(topology).catch((err: unknown) => ({ error: err instanceof Error ? err.message : String(err) }));
    if ("error" in c) return empty("", c.error);
    try {
      return await compareWithLive(sandbox, c.redis, { node: c.node, signal });
    } finally {
      c.redis.disconnect();
    }
  }

  /** Waits for a drill to end (tests, shutdown). */
  async settle(id: string): Promise<void> {
    await this.running.get(id)?.done;
  }

  /** Bounded: the pool aborts sandboxes and kills them by PID after its grace; the records get another `graceMs` to be written. */
  async close(graceMs = 5000): Promise<void> {
    await this.orphans?.stop();
    const all = [...this.running.values()].map((r) => r.done);
    await this.d.pool.close(graceMs);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled(all), new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
  }
}

/** Running rows `scope` judges cut off become failed ("interrupted: …"); returns the ids marked. */
async function recoverInterrupted(repo: RestoreDrillRepo, scope: SweepScope): Promise<string[]> {
  const marked: string[] = [];
  for (const row of await repo.runningRows()) {
    if (!isOrphaned(row.instance, scope)) continue;
    const r = await repo.get(row.id);
    if (!r || r.status !== "running") continue;
    const why = `interrupted: ${whoStopped(row.instance, scope.self)} while it ran`;
    if (await repo.saveIfRunning({ ...r, status: "failed", finishedAt: r.finishedAt ?? Date.now(), line: failedLine(why), detail: { ...r.detail, error: why } })) marked.push(r.id);
  }
  return marked;
}

/** A failure that is the file's verdict: it did not load (corrupt RDB) or did not parse (bad .rsd record). */
export function failureFromFile(err: unknown): boolean {
  return err instanceof DumpFormatError || (err instanceof DrillImportError && err.fromFile) || (err instanceof SandboxLoadError && err.fromFile);
}
