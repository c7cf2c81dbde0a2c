// The DrillManager's side of a cluster drill: the plan from the monitor's current cluster view
// (checkClusterDrill, node addresses in and out: the monitor and the UI name nodes by host:port),
// and a run of runClusterDrill whose steps go through the drill's write-ahead journal.
import type { TopologyMonitor } from "../../monitor/topology-monitor";
import { splitAddress } from "../../redis/address";
import type { ConnectOptions } from "../../redis/connection";
import type { DrillJournal } from "../journal";
import type { Drill, DrillOptions, DrillPlan, DrillStep } from "../types";
import { checkClusterDrill } from "./plan";
import { runClusterDrill, type SendCommand } from "./runner";
import type { ClusterDrillMode, ClusterDrillPlan } from "./types";

export class ClusterPlanError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** How the drill reaches the cluster: the node the monitor's view was read from, with the topology's credentials. */
function seedOf(m: TopologyMonitor): { address: string; conn: ConnectOptions } | null {
  const s = m.clusterStatus();
  const address = s?.view?.seed ?? s?.readFrom ?? null;
  const a = address ? splitAddress(address) : null;
  return address && a ? { address, conn: m.connectOptionsForAddress(a.host, a.port, 2000) } : null;
}

/** discovery.allow for announced hosts (the seed is always dialled: checkClusterDrill and the runner say so). */
const allowOf = (m: TopologyMonitor) => (host: string) => m.mayDial(host, 0);

export function planClusterDrill(m: TopologyMonitor, scenario: "cluster-failover" | "cluster-outage", target: string | undefined, options: DrillOptions = {}): DrillPlan {
  const status = m.clusterStatus();
  const view = status?.view;
  if (!status || !view) throw new ClusterPlanError(409, `"${m.name}" is not a Redis Cluster (or its cluster view is not read yet): ${scenario} needs one`);
  if (!target) throw new ClusterPlanError(400, `${scenario} needs a target: the host:port of a replica`);
  const byAddress = (a: string) => view.nodes.find((n) => n.address !== null && (n.address === a || m.resolve(n.address) === a));
  const replica = byAddress(target);
  if (!replica) throw new ClusterPlanError(400, `target ${target} is not a node of the cluster as ${view.seed} sees it`);
  const shardMaster = options.shardMaster ? byAddress(options.shardMaster) : undefined;
  if (options.shardMaster && !shardMaster) throw new ClusterPlanError(400, `shardMaster ${options.shardMaster} is not a node of the cluster`);
  const mode: ClusterDrillMode = scenario === "cluster-outage" ? "outage" : (options.clusterMode ?? "failover");
  const replicaView = m.views().find((v) => v.id === m.resolve(target));
  const check = checkClusterDrill(
    view,
    {
      replicaId: replica.id,
      ...(shardMaster ? { shardMasterId: shardMaster.id } : {}),
      mode,
      ...(mode === "outage" ? { outageMethod: options.outageMethod ?? "pause", ...(options.outageMs !== undefined ? { outageMs: options.outageMs } : {}) } : {}),
    },
    { allow: allowOf(m), replicaLinkUp: replicaView?.linkStatus ? replicaView.linkStatus === "up" : null },
  );
  const p = check.plan;
  const masterAddress = p?.master.address ?? (replica.masterId ? view.nodes.find((n) => n.id === replica.masterId)?.address : null) ?? "—";
  return {
    oldMaster: masterAddress,
    target: p?.replica.address ?? target,
    touches: p ? p.touches.map((t) => t.address) : [],
    problems: check.refusals,
    offline: [],
    cluster: { plan: p, refusals: check.refusals, warnings: p?.warnings ?? [], slots: p?.slotsText ?? null },
  };
}

export interface ClusterExecution {
  m: TopologyMonitor;
  drill: Drill;
  plan: ClusterDrillPlan;
  signal: AbortSignal;
  journal: DrillJournal;
  send?: SendCommand;
}

/** Runs the drill; its steps land in drill.steps (committed before each command) and its report in drill.clusterReport. */
export async function executeClusterDrill(x: ClusterExecution): Promise<{ status: "done" | "failed" | "aborted"; error: string | null }> {
  const seed = seedOf(x.m);
  if (!seed) throw new Error("the cluster view is gone: no node to reach the cluster through");
  const onStep = (s: DrillStep): Promise<void> => {
    // The runner mutates its step objects ("started" → "ok"): the drill holds the same objects.
    if (!x.drill.steps.includes(s)) x.drill.steps.push(s);
    return x.journal.flush();
  };
  const r = await runClusterDrill(
    { id: x.drill.id, plan: x.plan, signal: x.signal, ...(x.drill.options.timeoutMs ? { timeoutMs: x.drill.options.timeoutMs } : {}) },
    { seed: seed.conn, allow: allowOf(x.m), onStep, ...(x.send ? { send: x.send } : {}) },
  );
  x.drill.clusterReport = r.report;
  return { status: r.status, error: r.error };
}
