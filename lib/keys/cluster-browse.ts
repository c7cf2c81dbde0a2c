// The key browser on a whole Redis Cluster: which masters may be dialled (the topology's allow list
// decides; announced addresses are data), their connections from the key pool (reused across
// pages, closed with the pool on shutdown; SCAN and key reads on a master need no READONLY), one
// page of lib/keys/cluster-scan, and the describe call for rows of many shards (each name goes to
// the master serving its slot; a name of an uncovered slot is reported missing, not guessed).
import { dialPlan, type DialPlan } from "../cluster/discover";
import type { ClusterView } from "../cluster/model";
import type { TopologyMonitor } from "../monitor/topology-monitor";
import { describeRedisError, type ConnectOptions } from "../redis/connection";
import { clusterScanPage, shardKeyCounts, shardOfKey, type ClusterScanOptions, type ClusterScanPage, type ShardTarget } from "./cluster-scan";
import { keySlot } from "../cluster/slot";
import { decodeKey, encodeKey } from "./codec";
import type { KeyConnector } from "./connections";
import { describeKeys, type KeyDescription } from "./describe";
import { keysTimeoutMs } from "./node-target";

/** dialPlan with the monitor's own rule (seeds and configured nodes always; others within discovery.allow). */
export function clusterDialPlan(monitor: TopologyMonitor, view: ClusterView): DialPlan {
  const all = dialPlan(view, () => true);
  const plan: DialPlan = { dial: [], refused: [...all.refused] };
  for (const n of all.dial) {
    if (monitor.mayDial(n.host, n.port)) plan.dial.push(n);
    else plan.refused.push({ id: n.id, address: n.address, reason: `${n.host} is not in discovery.allow` });
  }
  return plan;
}

/** How the key pool dials a node of this topology (its credentials and TLS). */
export function clusterNodeConnect(monitor: TopologyMonitor, host: string, port: number): ConnectOptions {
  return { ...monitor.connectOptionsForAddress(host, port, keysTimeoutMs(monitor.config)), connectionName: "replscope-keys" };
}

/** Every shard's master, in the view's shard order, pooled; one that cannot be dialled says why. */
export async function pooledShardTargets(pool: KeyConnector, monitor: TopologyMonitor, view: ClusterView): Promise<ShardTarget[]> {
  const plan = clusterDialPlan(monitor, view);
  const dial = new Map(plan.dial.map((d) => [d.id, d] as const));
  const refused = new Map(plan.refused.map((r) => [r.id, r.reason] as const));
  return Promise.all(
    view.shards.map(async (s): Promise<ShardTarget> => {
      const base = { shard: s.masterId, address: s.masterAddress, slots: s.slots };
      const at = dial.get(s.masterId);
      if (!at) return { ...base, redis: null, reason: refused.get(s.masterId) ?? "not in the dial plan" };
      try {
        return { ...base, redis: await pool.connection(monitor.name, clusterNodeConnect(monitor, at.host, at.port), 0) };
      } catch (err) {
        return { ...base, redis: null, reason: describeRedisError(err) };
      }
    }),
  );
}

export interface ClusterShardRow {
  shard: string;
  master: string | null;
  slots: number;
  /** DBSIZE of the master; null when it could not be read. */
  keys: number | null;
}

export interface ClusterKeyListing extends ClusterScanPage {
  /** Sum of the masters' DBSIZE that could be read. */
  dbsize: number;
  shards: ClusterShardRow[];
}

export async function listClusterKeys(pool: KeyConnector, monitor: TopologyMonitor, view: ClusterView, o: ClusterScanOptions): Promise<ClusterKeyListing> {
  const targets = await pooledShardTargets(pool, monitor, view);
  const page = await clusterScanPage(targets, { ...o, timeoutMs: keysTimeoutMs(monitor.config) });
  const counts = await shardKeyCounts(targets, keysTimeoutMs(monitor.config));
  const shards = view.shards.map((s, i) => ({ shard: s.masterId, master: s.masterAddress, slots: s.slotCount, keys: counts[i]?.keys ?? null }));
  return { ...page, dbsize: shards.reduce((a, s) => a + (s.keys ?? 0), 0), shards };
}

export type ClusterKeyDescription = KeyDescription & { shard: string | null; slot: number };

/** Type, TTL, size of names from any shards: grouped by the master serving each name's slot. */
export async function describeClusterKeys(pool: KeyConnector, monitor: TopologyMonitor, view: ClusterView, keys: readonly Buffer[]): Promise<ClusterKeyDescription[]> {
  const targets = await pooledShardTargets(pool, monitor, view);
  const byShard = new Map<string, Buffer[]>();
  const out: ClusterKeyDescription[] = [];
  for (const k of keys) {
    const { shard, slot } = shardOfKey(view, k);
    if (!shard) {
      out.push({ key: encodeKey(k), missing: true, shard: null, slot });
      continue;
    }
    const list = byShard.get(shard.masterId) ?? [];
    list.push(k);
    byShard.set(shard.masterId, list);
  }
  for (const [shard, names] of byShard) {
    const t = targets.find((x) => x.shard === shard);
    // A shard that cannot be read leaves its rows undescribed (the UI keeps placeholders).
    if (!t?.redis) continue;
    const described = await describeKeys(t.redis, names).catch(() => null);
    for (const d of described ?? []) out.push({ ...d, shard, slot: keySlot(decodeKey(d.key)) });
  }
  return out;
}
