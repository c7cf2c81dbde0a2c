// The whole-cluster mode of the key browser: one page of GET /api/clusters/{topology}/keys mapped to
// the browser's rows (each with its slot and its shard's master), and the shards the page could not
// read, so the list never passes for complete when a shard was skipped.
import { apiJson } from "./api";
import type { ListedKey } from "./key-rows";

/** The node picker's value for "every master of the cluster" (node ids are host:port, never this). */
export const WHOLE_CLUSTER = "cluster";

interface ShardRow {
  shard: string;
  master: string | null;
  slots: number;
  keys: number | null;
}

interface SkippedShard {
  shard: string;
  address: string | null;
  reason: string;
}

interface ClusterPage {
  cursor: string;
  keys: { key: string; display: string; slot: number; shard: string }[];
  scanned: number;
  dbsize: number;
  skipped: SkippedShard[];
  unavailable: SkippedShard[];
  shards: ShardRow[];
}

export interface ClusterListing {
  cursor: string;
  keys: ListedKey[];
  scanned: number;
  dbsize: number;
  /** Shards passed over (this page) or with no connection: "shard (address): reason". */
  notRead: string[];
  shards: ShardRow[];
}

export async function fetchClusterPage(topology: string, from: string, count: number, match: string, type: string): Promise<ClusterListing> {
  const q = new URLSearchParams({ cursor: from, count: String(count) });
  if (match) q.set("match", match);
  if (type) q.set("type", type);
  const page = await apiJson<ClusterPage>(`/api/clusters/${encodeURIComponent(topology)}/keys?${q}`);
  const master = new Map(page.shards.map((s) => [s.shard, s.master] as const));
  const notRead = [...page.unavailable, ...page.skipped].map((s) => `${s.address ?? s.shard.slice(0, 12)}: ${s.reason}`);
  return {
    cursor: page.cursor,
    scanned: page.scanned,
    dbsize: page.dbsize,
    shards: page.shards,
    notRead: [...new Set(notRead)],
    keys: page.keys.map((k) => ({ key: k.key, display: k.display, type: type || null, ttl: null, slot: k.slot, shard: k.shard, shardMaster: master.get(k.shard) ?? null })),
  };
}
