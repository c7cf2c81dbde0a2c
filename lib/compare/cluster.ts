// The whole-keyspace compare of a Redis Cluster: one CompareJob per shard (its master against that
// shard's replicas), at most `concurrency` shards at a time (1 or 2: each job already keeps every
// node of its shard busy), and one combined report. Replica connections are switched to READONLY
// before their job starts: in cluster mode a replica answers MOVED to any key read otherwise (SCAN,
// which takes no key, it answers either way). Cluster nodes only have db 0. Cancel stops every job.
// The batch scripts send names of many slots at once; lib/redis/script-fingerprint switches a
// cluster connection to its cross-slot form on the first CROSSSLOT reply.
import type Redis from "ioredis";
import type { ClusterConnections } from "../cluster/connect-shards";
import { CompareJob, type CompareJobOptions, type CompareNode } from "./job";
import { emptyCounts, KINDS, type CompareReport, type JobPhase, type JobStatus, type ReplicaSummary, type ReportDifference, type ReportKind } from "./report";

export interface ShardCompareTarget {
  /** The master's node id. */
  shard: string;
  /** null when the master could not be dialled (`reason`): the shard is reported skipped. */
  master: CompareNode | null;
  replicas: CompareNode[];
  /** What the monitor knew of each replica when the job started (as the single-topology compare). */
  replicaSummaries: ReplicaSummary[];
  /** Replicas that could not be dialled: listed in the report, not compared. */
  notCompared?: { id: string; reason: string }[];
  reason?: string;
}

/** Targets from lib/cluster/connect-shards (opened with `replicas: true`). */
export function compareTargets(conns: ClusterConnections, summary?: (id: string) => ReplicaSummary | undefined): ShardCompareTarget[] {
  return conns.shards.map(({ shard, master, replicas }) => {
    const up = replicas.flatMap((r) => (r.redis ? [{ id: r.address ?? r.id, redis: r.redis, nodeId: r.id }] : []));
    return {
      shard: shard.masterId,
      master: master.redis ? { id: master.address ?? master.id, redis: master.redis } : null,
      replicas: up.map(({ id, redis }) => ({ id, redis })),
      replicaSummaries: up.map((r) => summary?.(r.nodeId) ?? { id: r.id, readOnly: null, lagBytesAtStart: null }),
      notCompared: replicas.flatMap((r) => (r.redis ? [] : [{ id: r.address ?? r.id, reason: r.reason }])),
      ...(master.redis ? {} : { reason: `master ${master.address ?? master.id}: ${master.reason}` }),
    };
  });
}

export type ClusterCompareOptions = Omit<CompareJobOptions, "db"> & {
  /** Shards compared at once: 1 (default) or 2. */
  concurrency?: number;
};

export type ShardStatus = JobStatus | "pending" | "skipped";

export interface ShardCompareSummary {
  shard: string;
  master: string | null;
  replicas: ReplicaSummary[];
  /** Replicas of the shard that could not be dialled. */
  notCompared: { id: string; reason: string }[];
  status: ShardStatus;
  phase: JobPhase | null;
  /** Why a shard was skipped, or the job's error. */
  reason: string | null;
  scanned: number;
  total: number;
  compared: number;
  counts: Record<ReportKind, number>;
  resolvedOnRecheck: number;
  contentNotCompared: number;
  replicaScans: { node: string; ran: boolean; why: string }[];
  truncated: boolean;
}

export interface ClusterDifference extends ReportDifference {
  shard: string;
}

export interface ClusterCompareReport {
  id: string;
  topology: string;
  match: string | null;
  /** "done" only when every shard is done; "failed" when one was skipped or failed (the others still count). */
  status: JobStatus;
  startedAt: number;
  finishedAt: number | null;
  shards: ShardCompareSummary[];
  totals: { scanned: number; total: number; compared: number; counts: Record<ReportKind, number>; resolvedOnRecheck: number; contentNotCompared: number };
  truncated: boolean;
  differences: ClusterDifference[];
}

interface Slot {
  target: ShardCompareTarget;
  job: CompareJob | null;
  status: ShardStatus;
  reason: string | null;
}

export class ClusterCompareJob {
  private readonly slots: Slot[];
  private readonly concurrency: number;
  private readonly startedAt = Date.now();
  private finishedAt: number | null = null;
  private status: JobStatus = "running";

  constructor(
    private readonly meta: { id: string; topology: string },
    targets: readonly ShardCompareTarget[],
    private readonly opts: ClusterCompareOptions = {},
  ) {
    const c = opts.concurrency ?? 1;
    if (c !== 1 && c !== 2) throw new RangeError("concurrency must be 1 or 2");
    this.concurrency = c;
    this.slots = targets.map((target) => ({ target, job: null, status: "pending", reason: null }));
  }

  async run(signal: AbortSignal): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < this.slots.length) {
        const slot = this.slots[next++] as Slot;
        if (signal.aborted) slot.status = "cancelled";
        else await this.runShard(slot, signal);
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(this.concurrency, this.slots.length) }, worker));
    } finally {
      const states = this.slots.map((s) => s.status);
      this.status = signal.aborted || states.includes("cancelled") ? "cancelled" : states.every((s) => s === "done") ? "done" : "failed";
      this.finishedAt = Date.now();
    }
  }

  private async runShard(slot: Slot, signal: AbortSignal): Promise<void> {
    const t = slot.target;
    if (!t.master) return this.skip(slot, t.reason ?? "the master could not be dialled");
    if (t.replicas.length === 0) {
      const why = (t.notCompared ?? []).map((n) => `${n.id}: ${n.reason}`).join("; ");
      return this.skip(slot, t.reason ?? `no reachable replica to compare${why ? ` (${why})` : ""}`);
    }
    try {
      // Without READONLY a cluster replica redirects every key read to its master.
      await Promise.all(t.replicas.map((r) => readOnly(r.redis)));
    } catch (err) {
      return this.skip(slot, `READONLY refused: ${err instanceof Error ? err.message.slice(0, 200) : String(err)}`);
    }
    const { concurrency: _c, ...jobOpts } = this.opts;
    const job = new CompareJob({ id: `${this.meta.id}:${t.shard}`, topology: this.meta.topology, replicas: t.replicaSummaries }, t.master, t.replicas, { ...jobOpts, db: 0 });
    slot.job = job;
    slot.status = "running";
    await job.run(signal);
    const r = job.report();
    slot.status = r.status;
    slot.reason = r.error;
  }

  private skip(slot: Slot, reason: string): void {
    slot.status = "skipped";
    slot.reason = reason;
  }

  /** The combined report as it is now (while running: the running shards' progress so far). */
  report(): ClusterCompareReport {
    const limit = this.opts.maxDifferences ?? 10_000;
    const differences: ClusterDifference[] = [];
    let truncated = false;
    const shards = this.slots.map((s) => {
      const r = s.job?.report() ?? null;
      for (const d of r?.differences ?? []) {
        if (differences.length < limit) differences.push({ ...d, shard: s.target.shard });
        else truncated = true;
      }
      return summarise(s, r);
    });
    const counts = emptyCounts();
    for (const s of shards) for (const k of KINDS) counts[k] += s.counts[k];
    const sum = (f: (s: ShardCompareSummary) => number) => shards.reduce((a, s) => a + f(s), 0);
    return {
      id: this.meta.id,
      topology: this.meta.topology,
      match: this.opts.match ?? null,
      status: this.status,
      startedAt: this.startedAt,
      finishedAt: this.finishedAt,
      shards,
      totals: {
        scanned: sum((s) => s.scanned),
        total: sum((s) => s.total),
        compared: sum((s) => s.compared),
        counts,
        resolvedOnRecheck: sum((s) => s.resolvedOnRecheck),
        contentNotCompared: sum((s) => s.contentNotCompared),
      },
      truncated: truncated || shards.some((s) => s.truncated),
      differences,
    };
  }
}

function summarise(s: Slot, r: CompareReport | null): ShardCompareSummary {
  const t = s.target;
  return {
    shard: t.shard,
    master: t.master?.id ?? null,
    replicas: t.replicaSummaries,
    notCompared: t.notCompared ?? [],
    status: r && s.status === "running" ? r.status : s.status,
    phase: r?.phase ?? null,
    reason: s.reason ?? r?.error ?? null,
    scanned: r?.scanned ?? 0,
    total: r?.total ?? 0,
    compared: r?.compared ?? 0,
    counts: r ? { ...r.counts } : emptyCounts(),
    resolvedOnRecheck: r?.resolvedOnRecheck ?? 0,
    contentNotCompared: r?.contentNotCompared ?? 0,
    replicaScans: r?.replicaScans ?? [],
    truncated: r?.truncated ?? false,
  };
}

async function readOnly(redis: Redis): Promise<void> {
  const reply = await redis.call("READONLY");
  if (reply !== "OK") throw new Error(`READONLY answered ${String(reply).slice(0, 80)}`);
}
