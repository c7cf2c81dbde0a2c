// Starts and tracks snapshot backups, runs the schedules and their retention. Built once by
// server.ts (the composition root), reached by route handlers through the runtime, closed on
// shutdown. At most one backup per node and MAX_RUNNING in all; the catalogue lives in the store.
import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import type { AppConfig, TopologyConfig } from "../config/load";
import { connectOptionsFor } from "../keys/node-target";
import type { MonitorHub } from "../monitor/hub";
import type { BackupRepo, BackupScheduleRepo } from "../store/backups";
import { backupFilePath, ensureBackupDir, fileSize, removeFile, removeStaleParts } from "./files";
import { dueSchedules, nextRunAt, retentionVictims } from "./schedule";
import { runSnapshot } from "./snapshot";
import { pickNode } from "./source";
import { SCHEDULE_ID, type Backup, type BackupSchedule } from "./types";
import { instanceField, isOrphaned, whoStopped, type JobFleet, type SweepScope } from "../fleet/jobs";
import { OrphanSweep } from "../fleet/orphan-sweep";
import { ScheduleClaims } from "./schedule-claims";

export const MAX_RUNNING = 4;
/** The schedule loop looks at least this often (schedules changed through the API wake it at once). */
const TICK_MS = 30_000;
/** A due schedule that finds no node this soon after the start waits for discovery instead of failing. */
const STARTUP_GRACE_MS = 60_000;

export type StartResult = { id: string } | { status: number; error: string };

export interface BackupManagerDeps {
  hub: MonitorHub;
  config: AppConfig;
  backups: BackupRepo;
  schedules: BackupScheduleRepo;
  /** A BGSAVE / fetch / check may take this long (default 1 h). */
  saveTimeoutMs?: number;
  pollMs?: number;
  /** Several instances: backups carry this instance's id, a due run is claimed once, only stopped instances' backups are marked failed. */
  fleet?: JobFleet | null;
  /** How often the fleet's sweep looks (default 5 s). */
  sweepMs?: number;
}

export interface ScheduleInput {
  topology: string;
  everyHours?: number | null;
  dailyAt?: string | null;
  prefer?: string;
  keepLast?: number | null;
  keepDays?: number | null;
  enabled?: boolean;
  nextRunAt?: number | null;
}

interface Running {
  backup: Backup;
  ctl: AbortController;
  done: Promise<void>;
}

function newBackupId(now: number): string {
  const iso = new Date(now).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}Z$/, "Z");
  return `${iso}-${randomBytes(4).toString("hex")}`;
}

export class BackupManager {
  private readonly running = new Map<string, Running>();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private ticking: Promise<void> = Promise.resolve();
  private readonly openedAt = Date.now();
  /** Due schedule runs this instance may start (with several instances: the ones it claimed). */
  private readonly claims: ScheduleClaims;
  /** With several instances: marks backups of instances that stopped failed; null alone. */
  orphans: OrphanSweep | null = null;

  private constructor(private readonly deps: BackupManagerDeps) {
    this.claims = new ScheduleClaims(deps.fleet ?? null, TICK_MS);
  }

  /**
   * Marks backups a previous process left running as failed (with a fleet: this instance's and
   * stopped instances', and a sweep keeps marking those of instances that stop later), then starts
   * the schedule loop.
   */
  static async open(deps: BackupManagerDeps): Promise<BackupManager> {
    const m = new BackupManager(deps);
    const fleet = deps.fleet ?? null;
    if (!fleet) await m.recoverInterrupted({ self: null, live: null, atOpen: true });
    else m.orphans = await OrphanSweep.start(fleet, "backups", (scope) => m.recoverInterrupted(scope), deps.sweepMs);
    await removeStaleParts(deps.config.dataDir);
    m.arm(1000);
    return m;
  }

  /** Running rows `scope` judges cut off become failed ("interrupted: …"); a half-written file here goes. */
  private async recoverInterrupted(scope: SweepScope): Promise<string[]> {
    const marked: string[] = [];
    for (const row of await this.deps.backups.runningRows()) {
      if (!isOrphaned(row.instance, scope)) continue;
      const b = await this.deps.backups.get(row.id);
      if (!b || b.status !== "running") continue;
      const error = `interrupted: ${whoStopped(row.instance, scope.self)} while this backup ran`;
      if (!(await this.deps.backups.saveIfRunning({ ...b, status: "failed", finishedAt: b.finishedAt ?? Date.now(), error }))) continue;
      if (b.file === null) await removeFile(this.filePath(`${b.id}.rdb`) ?? "").catch(() => undefined);
      marked.push(b.id);
    }
    return marked;
  }

  private filePath(file: string): string | null {
    return backupFilePath(this.deps.config.dataDir, file);
  }

  private topologyConfig(name: string): TopologyConfig | undefined {
    return this.deps.config.topologies.find((t) => t.name === name);
  }

  isRunning(id: string): boolean {
    return this.running.has(id);
  }

  /** Starts a snapshot of `node`; 404 unknown node, 409 one already running there, 429 too many. */
  async start(o: { node: string; topology?: string; origin: string; requestedBy: string }): Promise<StartResult> {
    if (this.closed) return { status: 503, error: "replscope is shutting down" };
    const found = this.deps.hub.findNode(o.node, o.topology);
    if (!found) return this.deps.hub.missing({ topology: o.topology, node: o.node });
    const { monitor, view } = found;
    const busy = [...this.running.values()].find((r) => r.backup.node === view.id && r.backup.topology === monitor.config.name);
    if (busy) return { status: 409, error: `a backup of ${view.id} is already running (${busy.backup.id})` };
    if (this.running.size >= MAX_RUNNING) return { status: 429, error: `${MAX_RUNNING} backups are already running; try again when one has finished` };
    const t = monitor.config;
    const now = Date.now();
    const id = newBackupId(now);
    const backup: Backup = {
      id,
      kind: "rdb",
      topology: t.name,
      node: view.id,
      status: "running",
      origin: o.origin,
      requestedBy: o.requestedBy,
      startedAt: now,
      finishedAt: null,
      replid: null,
      offset: null,
      bytes: null,
      sha256: null,
      file: null,
      source: null,
      checkStatus: null,
      checkDetail: null,
      error: null,
      keys: null,
      meta: { role: view.role },
      verifiedAt: null,
      verifyStatus: null,
      verifyDetail: null,
      ...instanceField(this.deps.fleet),
    };
    // The slot is taken before the first await, so two requests for one node cannot both pass.
    const ctl = new AbortController();
    const entry: Running = { backup, ctl, done: Promise.resolve() };
    this.running.set(id, entry);
    let dir: string;
    try {
      dir = await ensureBackupDir(this.deps.config.dataDir);
      await this.deps.backups.save(backup);
    } catch (err) {
      this.running.delete(id);
      throw err;
    }
    const conn = connectOptionsFor(t, view);
    entry.done = (async () => {
      try {
        const final = await runSnapshot(backup, {
          conn: { ...conn, timeoutMs: Math.max(conn.timeoutMs, 5000) },
          fetch: { host: conn.host, port: conn.port, username: conn.username, password: conn.password, tls: conn.tls },
          backupSourceDirs: t.backupSourceDirs ?? [],
          logDirs: t.logDirs ?? [],
          privatePaths: t.privatePaths ?? [this.deps.config.dataDir],
          logFile: t.nodes[view.id]?.logFile,
          dest: `${dir}/${id}.rdb`,
          save: async (b) => {
            entry.backup = b;
            await this.deps.backups.save(b);
          },
          signal: ctl.signal,
          saveTimeoutMs: this.deps.saveTimeoutMs ?? 3600_000,
          pollMs: this.deps.pollMs,
        });
        await this.deps.backups.save(final);
        this.running.delete(id);
        // A scheduled backup that finished may push an older one out of its schedule's retention.
        if (o.origin.startsWith("schedule:")) {
          const s = await this.getSchedule(o.origin.slice("schedule:".length));
          if (s) await this.retain(s);
        }
      } catch (err) {
        console.error("replscope: backup bookkeeping failed", err);
      } finally {
        this.running.delete(id);
      }
    })();
    return { id };
  }

  async get(id: string): Promise<Backup | null> {
    return (await this.deps.backups.get(id)) ?? null;
  }

  list(o: { topology?: string; limit?: number } = {}): Promise<Backup[]> {
    return this.deps.backups.list(o);
  }

  /** The catalogued file of a backup: its path and size, or null when there is none. */
  async file(id: string): Promise<{ backup: Backup; path: string; size: number } | null> {
    const b = await this.deps.backups.get(id);
    if (!b?.file || b.status !== "done") return null;
    const p = this.filePath(b.file);
    const size = p ? await fileSize(p) : null;
    return p && size !== null ? { backup: b, path: p, size } : null;
  }

  /**
   * The catalogued file opened for a download, its size from the open handle: retention or a
   * DELETE removing the file meanwhile cannot cut a stream short after its length was sent. The
   * caller owns the handle (closes it, or streams it with autoClose). Null when there is no file.
   */
  async openFile(id: string): Promise<{ backup: Backup; handle: FileHandle; size: number } | null> {
    const b = await this.deps.backups.get(id);
    if (!b?.file || b.status !== "done") return null;
    const p = this.filePath(b.file);
    if (!p) return null;
    const handle = await open(p, constants.O_RDONLY | constants.O_NOFOLLOW).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT" || err.code === "ELOOP") return null;
      throw err;
    });
    if (!handle) return null;
    const st = await handle.stat().catch(() => null);
    if (!st?.isFile()) {
      await handle.close().catch(() => undefined);
      return null;
    }
    return { backup: b, handle, size: st.size };
  }

  /** Deletes a finished backup (file, then row). 409 while it runs. */
  async remove(id: string): Promise<{ deleted: true } | { status: number; error: string }> {
    if (this.running.has(id)) return { status: 409, error: `backup ${id} is still running` };
    const b = await this.deps.backups.get(id);
    if (!b) return { status: 404, error: `no backup ${id}` };
    if (b.status === "running") return { status: 409, error: `backup ${id} is still running` };
    await this.deleteBackup(b);
    return { deleted: true };
  }

  private async deleteBackup(b: Backup): Promise<void> {
    const p = b.file ? this.filePath(b.file) : null;
    if (p) await removeFile(p);
    await this.deps.backups.remove(b.id);
  }

  // ---- schedules ----

  listSchedules(): Promise<BackupSchedule[]> {
    return this.deps.schedules.list();
  }

  getSchedule(id: string): Promise<BackupSchedule | null> {
    return SCHEDULE_ID.test(id) ? this.deps.schedules.get(id) : Promise.resolve(null);
  }

  async createSchedule(input: ScheduleInput): Promise<BackupSchedule | { status: number; error: string }> {
    if (!this.topologyConfig(input.topology)) return { status: 404, error: `no topology "${input.topology}"` };
    const now = Date.now();
    const s: BackupSchedule = {
      id: randomBytes(8).toString("hex"),
      topology: input.topology,
      everyHours: input.everyHours ?? null,
      dailyAt: input.dailyAt ?? null,
      prefer: input.prefer ?? "replica",
      keepLast: input.keepLast ?? null,
      keepDays: input.keepDays ?? null,
      enabled: input.enabled ?? true,
      createdAt: now,
      lastRunAt: null,
      nextRunAt: null,
      lastBackupId: null,
    };
    s.nextRunAt = input.nextRunAt ?? nextRunAt(s, now - 1);
    await this.deps.schedules.save(s);
    this.arm(0);
    return s;
  }

  async updateSchedule(id: string, patch: Omit<Partial<ScheduleInput>, "topology">): Promise<BackupSchedule | null> {
    const cur = await this.getSchedule(id);
    if (!cur) return null;
    const next: BackupSchedule = {
      ...cur,
      ...(patch.everyHours !== undefined ? { everyHours: patch.everyHours, dailyAt: patch.everyHours === null ? cur.dailyAt : null } : {}),
      ...(patch.dailyAt !== undefined ? { dailyAt: patch.dailyAt, everyHours: patch.dailyAt === null ? cur.everyHours : null } : {}),
      ...(patch.prefer !== undefined ? { prefer: patch.prefer } : {}),
      ...(patch.keepLast !== undefined ? { keepLast: patch.keepLast } : {}),
      ...(patch.keepDays !== undefined ? { keepDays: patch.keepDays } : {}),
      ...(patch.enabled !== undefined ? { enabled: patch.enabled } : {}),
    };
    const timingChanged = patch.everyHours !== undefined || patch.dailyAt !== undefined;
    next.nextRunAt = patch.nextRunAt !== undefined ? patch.nextRunAt : timingChanged ? nextRunAt(next, Date.now()) : cur.nextRunAt;
    await this.deps.schedules.save(next);
    this.arm(0);
    return next;
  }

  async removeSchedule(id: string): Promise<boolean> {
    return SCHEDULE_ID.test(id) ? this.deps.schedules.remove(id) : false;
  }

  /** (Re)arms the self-scheduling loop: one tick at a time, never overlapping. */
  private arm(inMs: number): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.ticking = this.ticking
        .then(() => this.tick())
        .catch((err: unknown) => console.error("replscope: backup schedule tick failed", err))
        .finally(() => {
          if (!this.closed && this.timer === null) this.arm(TICK_MS);
        });
    }, inMs);
    this.timer.unref();
  }

  /** Runs every due schedule, then retention for every schedule. Exposed for tests and the loop. */
  async tick(now = Date.now()): Promise<void> {
    const all = await this.deps.schedules.list();
    for (const s of dueSchedules(all, now)) {
      if (this.closed) return;
      const monitor = this.deps.hub.get(s.topology);
      const node = monitor ? pickNode(monitor.views(), s.prefer) : undefined;
      const origin = `schedule:${s.id}`;
      // Just after a start the monitor may not have found the nodes yet: try again next tick.
      if (!node && now - this.openedAt < STARTUP_GRACE_MS) continue;
      // Several instances see the same due run: only the one that claims its slot starts it.
      const claim = await this.claims.hold(s.id, s.nextRunAt ?? now);
      if (!claim) continue;
      // A run started earlier whose bookkeeping failed is recorded, not started again.
      let backupId: string | null = claim.backupId;
      if (!backupId && node) {
        const r = await this.start({ node: node.id, topology: s.topology, origin, requestedBy: "schedule" });
        if ("id" in r) backupId = r.id;
        else if (r.status === 409 || r.status === 429) continue; // busy: try again on the next tick (the claim stays ours)
      }
      if (!backupId) backupId = await this.recordSkipped(s, origin, node ? "could not start" : `no node to back up (prefer ${s.prefer}) in topology "${s.topology}"`);
      claim.backupId = backupId;
      // Read again: the run took time, and the operator may have changed or deleted the schedule
      // meanwhile. Only the run columns of a schedule that still exists are written.
      const cur = await this.deps.schedules.get(s.id);
      if (cur) {
        const ran = { ...cur, lastRunAt: now, lastBackupId: backupId };
        await this.deps.schedules.recordRun(s.id, { lastRunAt: now, nextRunAt: nextRunAt(ran, now), lastBackupId: backupId });
      }
      this.claims.done(claim);
    }
    // Retention by the schedules as they are now (a deleted one keeps its backups, a changed rule applies).
    for (const s of await this.deps.schedules.list()) await this.retain(s, now);
  }

  /** A run that found nothing to back up is still a catalogue entry: failed, with why. */
  private async recordSkipped(s: BackupSchedule, origin: string, why: string): Promise<string> {
    const now = Date.now();
    const id = newBackupId(now);
    await this.deps.backups.save({
      id, kind: "rdb", topology: s.topology, node: s.prefer, status: "failed", origin, requestedBy: "schedule", startedAt: now, finishedAt: now,
      replid: null, offset: null, bytes: null, sha256: null, file: null, source: null, checkStatus: null, checkDetail: null, error: why, keys: null, meta: null,
      verifiedAt: null, verifyStatus: null, verifyDetail: null, ...instanceField(this.deps.fleet),
    });
    return id;
  }

  /** Deletes what the schedule's retention no longer keeps (files first, never a running backup). */
  async retain(s: BackupSchedule, now = Date.now()): Promise<number> {
    const mine = await this.deps.backups.list({ origin: `schedule:${s.id}`, limit: 1000 });
    const victims = new Set(retentionVictims(mine, s, now));
    let n = 0;
    for (const b of mine) {
      if (!victims.has(b.id) || this.running.has(b.id) || !(await this.mayDelete(b))) continue;
      await this.deleteBackup(b);
      n++;
    }
    return n;
  }

  /**
   * With several instances each keeps its backup files in its own data dir: a backup is deleted
   * here only when it is this instance's, has no file, or its file is here (a shared dir), so no
   * instance drops the row of a file it cannot remove. Its own instance's retention deletes it.
   */
  private async mayDelete(b: Backup): Promise<boolean> {
    const fleet = this.deps.fleet;
    if (!fleet || b.instance === fleet.instanceId || b.file === null) return true;
    const p = this.filePath(b.file);
    return p !== null && (await fileSize(p)) !== null;
  }

  /** Stops the loop and cancels running jobs (each records itself failed), waiting at most 5 s. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.orphans?.stop();
    const jobs = [...this.running.values()];
    for (const r of jobs) r.ctl.abort();
    await Promise.race([Promise.all([this.ticking, ...jobs.map((r) => r.done)]), new Promise((r) => setTimeout(r, 5000).unref())]);
  }
}
