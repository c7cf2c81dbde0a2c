// Starts, tracks and cancels compare jobs for the API. At most MAX_RUNNING at once (each holds a
// connection per node and reads a lot); finished reports live in the store, not in memory, and a
// running job is checkpointed there every few seconds so a crash keeps what it did. Built once by
// server.ts (CompareRunner.open, the composition root) and reached by route handlers through the
// runtime; close() stops running jobs on shutdown.
import { randomBytes } from "node:crypto";
import type Redis from "ioredis";
import { connectOptionsFor, rootMaster } from "../keys/node-target";
import type { ClusterView } from "../cluster/model";
import type { MonitorHub } from "../monitor/hub";
import type { TopologyMonitor } from "../monitor/topology-monitor";
import { connectionError, createConnection, describeRedisError } from "../redis/connection";
import { ClusterCompareRun, connectCluster } from "./cluster-launch";
import { CompareJob, type CompareJobOptions, type CompareNode } from "./job";
import type { CompareReport, CompareSummary } from "./report";
import type { CompareRepo } from "../store/compare";
import { SerialWriter } from "../store/serial-writer";
import { ReportStore } from "./store";
import type { JobFleet } from "../fleet/jobs";
import { OrphanSweep } from "../fleet/orphan-sweep";

export const MAX_RUNNING = 2;
/** How often a running job's progress and differences so far are committed to the store. */
const CHECKPOINT_MS = 2000;

export interface StartRequest {
  topology?: string;
  match?: string;
  db: number;
  maxKeysPerSec?: number;
  ttlToleranceMs?: number;
}

/** A replication CompareJob or a cluster's ClusterCompareRun: both report in the CompareReport shape. */
interface Runnable {
  run(signal: AbortSignal): Promise<void>;
  report(): CompareReport;
}

interface Running {
  job: Runnable;
  ctl: AbortController;
  done: Promise<void>;
}

export type StartResult = { id: string } | { status: number; error: string };

export interface CompareRunnerDeps {
  hub: MonitorHub;
  reports: CompareRepo;
  /** A job started, checkpointed (every CHECKPOINT_MS) or finished: for live progress. */
  onUpdate?: (summary: CompareSummary) => void;
  /** Several instances: reports carry this instance's id, and only stopped instances' jobs are marked interrupted. */
  fleet?: JobFleet | null;
  /** How often the fleet's sweep looks (default 5 s). */
  sweepMs?: number;
}

function summaryOf(report: CompareReport): CompareSummary {
  const { differences: _d, ...summary } = report;
  return summary;
}

export class CompareRunner {
  private readonly running = new Map<string, Running>();
  /** Starts past the slot check that have not reached `running` yet (they await connections). */
  private starting = 0;
  /** Set by close(): a job stopped by shutdown is not "cancelled"; it reads back "interrupted". */
  private closing = false;
  /** With several instances: marks jobs of instances that stopped interrupted; null alone. */
  orphans: OrphanSweep | null = null;

  private constructor(
    private readonly hub: MonitorHub,
    readonly store: ReportStore,
    private readonly onUpdate: (summary: CompareSummary) => void,
  ) {}

  /** The runner, once reports a crash left "running" are marked interrupted (before any job runs). */
  static async open(deps: CompareRunnerDeps): Promise<CompareRunner> {
    const fleet = deps.fleet ?? null;
    const store = new ReportStore(deps.reports, fleet?.instanceId ?? null);
    const runner = new CompareRunner(deps.hub, store, deps.onUpdate ?? (() => undefined));
    // This process has run no job yet: anything stored as "running" died with an earlier one
    // (with a fleet: anything of this instance's, or of one that is not live; the sweep goes on).
    if (!fleet) await store.recoverInterrupted();
    else runner.orphans = await OrphanSweep.start(fleet, "compare jobs", (scope) => store.recoverInterrupted(scope), deps.sweepMs);
    return runner;
  }

  async start(req: StartRequest, jobOptions: Partial<CompareJobOptions> = {}): Promise<StartResult> {
    // The slot is taken before the first await: parallel requests cannot all pass the check.
    if (this.closing) return { status: 503, error: "replscope is shutting down" };
    if (this.running.size + this.starting >= MAX_RUNNING) return { status: 429, error: `${MAX_RUNNING} compare jobs are already running; wait or cancel one` };
    this.starting++;
    try {
      return await this.launch(req, jobOptions);
    } finally {
      this.starting--;
    }
  }

  private async launch(req: StartRequest, jobOptions: Partial<CompareJobOptions>): Promise<StartResult> {
    const monitor = req.topology === undefined ? this.hub.monitors.values().next().value : this.hub.get(req.topology);
    if (!monitor) return this.hub.missing({ topology: req.topology });
    const cluster = monitor.clusterStatus()?.view ?? null;
    if (cluster) return this.launchCluster(monitor, cluster, req, jobOptions);
    const masterView = rootMaster(monitor);
    if (!masterView) return { status: 409, error: `topology "${monitor.name}" has no reachable master` };
    const replicaViews = monitor.views().filter((v) => v.role === "replica" && v.status === "up");
    if (replicaViews.length === 0) return { status: 409, error: `topology "${monitor.name}" has no reachable replica to compare` };

    const conns: Redis[] = [];
    const open = async (v: typeof masterView): Promise<CompareNode> => {
      const redis = createConnection({ ...connectOptionsFor(monitor.config, v), connectionName: "replscope-compare" });
      conns.push(redis);
      try {
        await redis.connect();
      } catch (err) {
        throw new Error(`${v.id}: ${describeRedisError(connectionError(redis, err))}`);
      }
      // Explicit SELECT: a failed SELECT through ioredis' `db` option is silently ignored.
      if (req.db !== 0) await redis.select(req.db);
      return { id: v.id, redis };
    };
    let master: CompareNode;
    let replicas: CompareNode[];
    try {
      master = await open(masterView);
      replicas = await Promise.all(replicaViews.map(open));
    } catch (err) {
      for (const c of conns) c.disconnect();
      const message = err instanceof Error ? err.message : String(err);
      return { status: /DB index is out of range/i.test(message) ? 400 : 502, error: message };
    }

    const id = randomBytes(8).toString("hex");
    const job = new CompareJob(
      { id, topology: monitor.name, replicas: replicaViews.map((v) => ({ id: v.id, readOnly: v.readOnly, lagBytesAtStart: v.lagBytes })) },
      master,
      replicas,
      { db: req.db, match: req.match, maxKeysPerSec: req.maxKeysPerSec, ttlToleranceMs: req.ttlToleranceMs, ...jobOptions },
    );
    return this.track(id, job, () => conns.forEach((c) => c.disconnect()));
  }

  /** A Redis Cluster: every shard's master against its replicas, one shard at a time, one report. */
  private async launchCluster(monitor: TopologyMonitor, view: ClusterView, req: StartRequest, jobOptions: Partial<CompareJobOptions>): Promise<StartResult> {
    if (req.db !== 0) return { status: 400, error: `topology "${monitor.name}" is a Redis Cluster: it has db 0 only` };
    if (view.shards.length === 0) return { status: 409, error: `topology "${monitor.name}": the cluster has no shard with slots` };
    const conns = await connectCluster(monitor, view);
    const { db: _db, ...rest } = jobOptions;
    const job = new ClusterCompareRun(randomBytes(8).toString("hex"), monitor, view, conns, { match: req.match, maxKeysPerSec: req.maxKeysPerSec, ttlToleranceMs: req.ttlToleranceMs, ...rest });
    return this.track(job.job.report().id, job, () => conns.close());
  }

  /** Stores the first report, runs the job with its checkpoints, closes its connections when it ends. */
  private async track(id: string, job: Runnable, closeConns: () => void): Promise<StartResult> {
    // Checkpoints and the final save share one serial writer: a late checkpoint can never land on
    // top of the final report.
    const writer = new SerialWriter(() => this.store.save(job.report()), "compare report");
    try {
      await this.store.prune(1);
      await this.store.save(job.report());
    } catch (err) {
      closeConns();
      return { status: 500, error: `cannot store the compare report: ${err instanceof Error ? err.message : String(err)}` };
    }
    const ctl = new AbortController();
    let checkpoint: ReturnType<typeof setTimeout> | undefined;
    const done = job.run(ctl.signal).finally(async () => {
      clearTimeout(checkpoint);
      closeConns();
      if (!this.closing) await writer.flush();
      this.running.delete(id);
      this.onUpdate(summaryOf(job.report()));
    });
    this.running.set(id, { job, ctl, done });
    // Self-scheduling checkpoint loop; it ends with the job.
    const save = () => {
      if (!this.running.has(id)) return;
      void writer.flush();
      this.onUpdate(summaryOf(job.report()));
      checkpoint = setTimeout(save, CHECKPOINT_MS).unref();
    };
    checkpoint = setTimeout(save, CHECKPOINT_MS).unref();
    this.onUpdate(summaryOf(job.report()));
    return { id };
  }

  /** A running job's report as it is now, from memory (null once it stopped): for the socket's feeds. */
  live(id: string): CompareReport | null {
    return this.running.get(id)?.job.report() ?? null;
  }

  isRunning(id: string): boolean {
    return this.running.has(id);
  }

  /** Removes a stopped job's report; false when there is none (or the job still runs). */
  async remove(id: string): Promise<boolean> {
    return !this.running.has(id) && (await this.store.remove(id));
  }

  async get(id: string): Promise<CompareReport | null> {
    return this.running.get(id)?.job.report() ?? (await this.store.load(id));
  }

  /** true when the job was running and is now stopping. */
  async cancel(id: string): Promise<boolean> {
    const r = this.running.get(id);
    if (!r) return false;
    r.ctl.abort();
    await r.done;
    return true;
  }

  async list(): Promise<CompareSummary[]> {
    const stored = await this.store.list();
    const live = [...this.running.values()].map((r) => summaryOf(r.job.report()));
    const ids = new Set(live.map((s) => s.id));
    return [...live, ...stored.filter((s) => !ids.has(s.id))].sort((a, b) => b.startedAt - a.startedAt);
  }

  /**
   * Shutdown: saves each running job's progress as still running (the next start reads it back
   * "interrupted", as after a crash, not "cancelled" by an operator), then stops it.
   */
  async close(): Promise<void> {
    this.closing = true;
    await this.orphans?.stop();
    const all = [...this.running.values()];
    await Promise.allSettled(all.map((r) => this.store.save(r.job.report())));
    for (const r of all) r.ctl.abort();
    await Promise.allSettled(all.map((r) => r.done));
  }
}
