// Pure: the cluster as the API and the browser show it. `clusterSummary` comes from the watcher's
// status alone (sent over the socket with the topology); `clusterShards` joins it with the
// monitor's node views (link, lag, keys, memory, ops) — the server does it for the API, the
// browser for the live page, with the same code.
import type { NodeView } from "../monitor/types";
import type { MigrationProgress } from "./migrations";
import { slotCount, type ClusterNodeView, type FailureState } from "./model";
import type { SlotRange } from "./parse";
import type { ClusterStatus, FailureReport } from "./watcher";

export interface ClusterMember {
  id: string;
  address: string | null;
  role: ClusterNodeView["role"];
  failure: FailureState;
  /** The reader's cluster-bus link to it. */
  busLink: ClusterNodeView["linkState"];
  configEpoch: number | null;
  replicationOffset: number | null;
}

export interface ClusterShardSummary {
  master: ClusterMember;
  replicas: ClusterMember[];
  slots: SlotRange[];
  slotCount: number;
}

export interface ClusterSummary {
  /** When the view was read and from which node; `lastError` set: the latest read failed (view kept). */
  readAt: number | null;
  readFrom: string | null;
  lastError: string | null;
  errorSince: number | null;
  state: "ok" | "fail" | "unknown";
  currentEpoch: number | null;
  knownNodes: number;
  slots: {
    covered: SlotRange[];
    coveredCount: number;
    uncovered: SlotRange[];
    uncoveredCount: number;
    pfail: SlotRange[];
    pfailCount: number;
    fail: SlotRange[];
    failCount: number;
  };
  shards: ClusterShardSummary[];
  failureReports: FailureReport[];
  migrations: MigrationProgress[];
  refused: ClusterStatus["refused"];
}

const member = (n: ClusterNodeView): ClusterMember => ({
  id: n.id,
  address: n.address,
  role: n.role,
  failure: n.failure,
  busLink: n.linkState,
  configEpoch: n.configEpoch,
  replicationOffset: n.replicationOffset,
});

/** null until the watcher has read a view. */
export function clusterSummary(status: ClusterStatus | null): ClusterSummary | null {
  const v = status?.view;
  if (!status || !v) return null;
  const byId = new Map(v.nodes.map((n) => [n.id, n]));
  return {
    readAt: status.readAt,
    readFrom: status.readFrom,
    lastError: status.lastError,
    errorSince: status.errorSince,
    state: v.state,
    currentEpoch: v.currentEpoch,
    knownNodes: v.nodes.length,
    slots: {
      covered: v.coverage.covered,
      coveredCount: v.coverage.coveredCount,
      uncovered: v.coverage.uncovered,
      uncoveredCount: slotCount(v.coverage.uncovered),
      pfail: v.coverage.pfail,
      pfailCount: slotCount(v.coverage.pfail),
      fail: v.coverage.fail,
      failCount: slotCount(v.coverage.fail),
    },
    shards: v.shards.flatMap((s) => {
      const m = byId.get(s.masterId);
      if (!m) return [];
      const replicas = s.replicaIds.flatMap((id) => {
        const r = byId.get(id);
        return r ? [member(r)] : [];
      });
      return [{ master: member(m), replicas, slots: s.slots, slotCount: s.slotCount }];
    }),
    failureReports: status.failureReports,
    migrations: status.migrations,
    refused: status.refused,
  };
}

/** One node of a shard with what the monitor knows of it (null: not monitored, e.g. not allowed). */
export interface ShardNode extends ClusterMember {
  view: Pick<NodeView, "status" | "linkStatus" | "lagBytes" | "lagUnknown" | "lagSeconds" | "opsPerSec" | "usedMemory" | "keys" | "stale" | "syncInProgress"> | null;
}

export interface ShardRow {
  master: ShardNode;
  replicas: ShardNode[];
  slots: SlotRange[];
  slotCount: number;
  /** From the master's INFO (null when its view has no figure). */
  keys: number | null;
  usedMemory: number | null;
  opsPerSec: number | null;
}

function withView(m: ClusterMember, views: ReadonlyMap<string, NodeView>): ShardNode {
  const v = m.address ? views.get(m.address) : undefined;
  return {
    ...m,
    view: v
      ? {
          status: v.status,
          linkStatus: v.linkStatus,
          lagBytes: v.lagBytes,
          lagUnknown: v.lagUnknown,
          lagSeconds: v.lagSeconds,
          opsPerSec: v.opsPerSec,
          usedMemory: v.usedMemory,
          keys: v.keys,
          stale: v.stale,
          syncInProgress: v.syncInProgress,
        }
      : null,
  };
}

export function clusterShards(summary: ClusterSummary, nodes: readonly NodeView[]): ShardRow[] {
  const views = new Map(nodes.map((n) => [n.id, n]));
  return summary.shards.map((s) => {
    const master = withView(s.master, views);
    return {
      master,
      replicas: s.replicas.map((r) => withView(r, views)),
      slots: s.slots,
      slotCount: s.slotCount,
      keys: master.view?.keys ?? null,
      usedMemory: master.view?.usedMemory ?? null,
      opsPerSec: master.view?.opsPerSec ?? null,
    };
  });
}
