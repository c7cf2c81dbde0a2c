// Starting a cluster compare for the CompareRunner: every shard's master and replicas dialled with
// lib/cluster/connect-shards (only what the dial plan allows; the topology's credentials and TLS),
// one ClusterCompareJob (one shard at a time: each shard's job already keeps its nodes busy), and
// its combined report in the CompareReport shape every compare route, the store and the page read
// (`shards` holds the per-shard rows, each difference its `shard`).
import { connectShards, type ClusterConnections } from "../cluster/connect-shards";
import type { ClusterView } from "../cluster/model";
import { clusterDialPlan } from "../keys/cluster-browse";
import { keysTimeoutMs } from "../keys/node-target";
import type { TopologyMonitor } from "../monitor/topology-monitor";
import { ClusterCompareJob, compareTargets, type ClusterCompareReport } from "./cluster";
import type { CompareJobOptions } from "./job";
import type { CompareReport, JobPhase } from "./report";

const DEFAULT_MAX_KEYS_PER_SEC = 50_000;

export async function connectCluster(monitor: TopologyMonitor, view: ClusterView): Promise<ClusterConnections> {
  const plan = clusterDialPlan(monitor, view);
  // connectShards takes one set of credentials for every node: those of the first node it may dial
  // (per-node credentials in the config would need one base per address).
  const first = plan.dial[0];
  const { host: _h, port: _p, db: _d, ...base } = monitor.connectOptionsForAddress(first?.host ?? "127.0.0.1", first?.port ?? 0, keysTimeoutMs(monitor.config));
  return connectShards(view, plan, { ...base, connectionName: "replscope-compare" }, { replicas: true });
}

export class ClusterCompareRun {
  readonly job: ClusterCompareJob;

  constructor(
    id: string,
    private readonly monitor: TopologyMonitor,
    private readonly view: ClusterView,
    conns: ClusterConnections,
    private readonly opts: Omit<Partial<CompareJobOptions>, "db">,
  ) {
    const addressOf = (nodeId: string) => view.nodes.find((n) => n.id === nodeId)?.address ?? null;
    const summary = (nodeId: string) => {
      const address = addressOf(nodeId);
      const v = address ? monitor.views().find((x) => x.id === address) : undefined;
      return v ? { id: v.id, readOnly: v.readOnly, lagBytesAtStart: v.lagBytes } : undefined;
    };
    this.job = new ClusterCompareJob({ id, topology: monitor.name }, compareTargets(conns, summary), { ...opts, concurrency: 1 });
  }

  run(signal: AbortSignal): Promise<void> {
    return this.job.run(signal);
  }

  report(): CompareReport {
    return combinedReport(this.job.report(), this.opts.maxKeysPerSec ?? DEFAULT_MAX_KEYS_PER_SEC, this.view.shards.length);
  }
}

/** The combined cluster report in the compare report's shape (pure). */
export function combinedReport(r: ClusterCompareReport, maxKeysPerSec: number, shardCount: number, now = Date.now()): CompareReport {
  const running = r.shards.find((s) => s.status === "running");
  const phase: JobPhase = r.status !== "running" ? "finished" : (running?.phase ?? "starting");
  const seconds = Math.max(0.001, ((r.finishedAt ?? now) - r.startedAt) / 1000);
  const problems = r.shards.filter((s) => s.status !== "done" && s.status !== "pending" && s.status !== "running" && s.reason);
  return {
    id: r.id,
    topology: r.topology,
    master: `${shardCount} shard${shardCount === 1 ? "" : "s"}: ${r.shards.map((s) => s.master ?? `${s.shard} (not dialled)`).join(", ")}`,
    replicas: r.shards.flatMap((s) => s.replicas),
    match: r.match,
    db: 0,
    status: r.status,
    phase,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    scanned: r.totals.scanned,
    total: r.totals.total,
    compared: r.totals.compared,
    keysPerSec: Math.round(r.totals.compared / seconds),
    etaSeconds: null,
    counts: r.totals.counts,
    resolvedOnRecheck: r.totals.resolvedOnRecheck,
    contentNotCompared: r.totals.contentNotCompared,
    truncated: r.truncated,
    replicaScans: r.shards.flatMap((s) => s.replicaScans),
    maxKeysPerSec,
    error: r.status === "failed" ? problems.map((s) => `shard ${s.master ?? s.shard} ${s.status}: ${s.reason}`).join("; ") || "a shard failed" : null,
    shards: r.shards,
    differences: r.differences,
  };
}
