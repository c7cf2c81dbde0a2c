// One page of a whole-cluster key browse: the masters are walked one after the other, in the
// ClusterView's shard order (by first slot), each with SCAN (lib/keyspace scanStep: MATCH/TYPE as
// the key browser, COUNT bounded), under one composite cursor "<shard index>:<SCAN cursor>". A
// page stops at `count` names or `maxScanned` examined keys, whichever comes first, and may span
// shards. Each name carries its slot (lib/cluster/slot) and its shard (the master's node id).
// SCAN takes no key, so a cluster node never redirects it (no MOVED) and it answers even while
// cluster_state is fail: each master lists exactly the keys it holds. Replicas would answer it
// too, but reading a key there needs READONLY on the connection (else MOVED to the master).
// A shard that cannot be read (no connection, or an error during this page) is never dropped
// silently: the page lists it in `skipped` and the walk moves on to the next shard.
import type Redis from "ioredis";
import type { ClusterConnections } from "../cluster/connect-shards";
import type { ClusterNodeView, ClusterView, ShardView, SlotMigration } from "../cluster/model";
import type { SlotRange } from "../cluster/parse";
import { keySlot } from "../cluster/slot";
import { scanStep, type ScanFilter } from "../keyspace/scan-source";
import { describeRedisError, withTimeout } from "../redis/connection";
import { KeyQueryError } from "../redis/errors";
import { asNumber, asText } from "../redis/reply";
import { displayKey, encodeKey } from "./codec";
import { assertValidGlob, isLiteralPattern, unescapeLiteral } from "./glob";

/** A shard's master as the browse reads it. */
export interface ShardTarget {
  /** The master's node id (ShardView.masterId). */
  shard: string;
  address: string | null;
  slots: readonly SlotRange[];
  /** null when the master could not be dialled; `reason` says why. */
  redis: Redis | null;
  reason?: string;
}

export interface ClusterScanOptions {
  /** "0" to start; then the cursor the previous page returned ("<shard>:<SCAN cursor>"). "0" back = done. */
  cursor: string;
  /** Names wanted, 1..1000 (a page may exceed it by one SCAN reply; it never drops names). */
  count: number;
  match?: string;
  type?: string;
  /** Stop after about this many examined keys (default 10,000), across shards. */
  maxScanned?: number;
  /** Upper bound for SCAN COUNT (default 1000). */
  batch?: number;
  /** Per SCAN round trip (default 5000 ms): a master that stops answering is skipped, not waited on. */
  timeoutMs?: number;
}

export interface ClusterScannedKey {
  key: string;
  display: string;
  slot: number;
  /** Master node id of the shard the name was read from. */
  shard: string;
}

export interface SkippedShard {
  shard: string;
  address: string | null;
  reason: string;
}

export interface ClusterScanPage {
  cursor: string;
  keys: ClusterScannedKey[];
  scanned: number;
  /** Shards this page passed over without reading them to the end. */
  skipped: SkippedShard[];
  /** Every shard with no connection right now (listed on every page, wherever the cursor is). */
  unavailable: SkippedShard[];
}

const TYPE_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_CURSOR = (1n << 64n) - 1n;
const COMPOSITE = /^(0|[1-9][0-9]{0,4}):(0|[1-9][0-9]{0,19})(?::([0-9a-f]{8}))?$/;
/**
 * A SCAN cursor means something only on the node that gave it (bucket order follows each
 * process's own hash seed): the cursor carries the first 8 hex digits of that master's id, and a
 * page whose shard now has another master (failover, reshard) says so instead of reading on.
 */
const tagOf = (masterId: string) => masterId.slice(0, 8);

export interface ClusterCursor {
  shard: number;
  cursor: string;
  /** The master the cursor came from (first 8 hex digits of its id); absent only in hand-made cursors. */
  tag?: string;
}

/** Strict parse: "0" (start) or "<shard>:<cursor>" with shard < shards and cursor < 2^64, no leading zeros. */
export function parseClusterCursor(text: string, shards: number): ClusterCursor {
  if (text === "0") return { shard: 0, cursor: "0" };
  const m = COMPOSITE.exec(text);
  if (!m) throw new KeyQueryError('cursor must be "0" or "<shard>:<SCAN cursor>[:<master tag>]"');
  const shard = Number(m[1]);
  const cursor = m[2] as string;
  if (shard >= shards) throw new KeyQueryError(`cursor names shard ${shard}; the cluster has ${shards}`);
  if (BigInt(cursor) > MAX_CURSOR) throw new KeyQueryError("SCAN cursor out of range");
  return m[3] ? { shard, cursor, tag: m[3] } : { shard, cursor };
}

export function formatClusterCursor(c: ClusterCursor, shards: number): string {
  if (c.shard >= shards) return "0";
  return c.tag ? `${c.shard}:${c.cursor}:${c.tag}` : `${c.shard}:${c.cursor}`;
}

/** Targets in the view's shard order; `conn(masterId)` gives the open connection or why there is none. */
export function shardTargets(view: ClusterView, conn: (shard: ShardView) => Redis | { reason: string }): ShardTarget[] {
  return view.shards.map((s) => {
    const c = conn(s);
    const base = { shard: s.masterId, address: s.masterAddress, slots: s.slots };
    return "reason" in c ? { ...base, redis: null, reason: c.reason } : { ...base, redis: c };
  });
}

/** Targets from lib/cluster/connect-shards (masters only are read). */
export function browseTargets(conns: ClusterConnections): ShardTarget[] {
  return conns.shards.map(({ shard, master }) => ({
    shard: shard.masterId,
    address: master.address,
    slots: shard.slots,
    ...(master.redis ? { redis: master.redis } : { redis: null, reason: master.reason }),
  }));
}

function check(o: ClusterScanOptions): { maxScanned: number; batch: number; timeoutMs: number } {
  const maxScanned = o.maxScanned ?? 10_000;
  const batch = o.batch ?? 1000;
  const timeoutMs = o.timeoutMs ?? 5000;
  if (!Number.isInteger(o.count) || o.count < 1 || o.count > 1000) throw new KeyQueryError("count must be 1..1000");
  if (!Number.isInteger(maxScanned) || maxScanned < 1) throw new KeyQueryError("maxScanned must be a positive integer");
  if (!Number.isInteger(batch) || batch < 1 || batch > 10_000) throw new KeyQueryError("batch must be 1..10000");
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw new KeyQueryError("timeoutMs must be a positive integer");
  if (o.type !== undefined && !TYPE_NAME.test(o.type)) throw new KeyQueryError("type is not a Redis type name");
  if (o.match !== undefined) assertValidGlob(o.match);
  return { maxScanned, batch, timeoutMs };
}

const down = (t: ShardTarget): SkippedShard => ({ shard: t.shard, address: t.address, reason: t.reason ?? "no connection" });

function named(key: Buffer, shard: string): ClusterScannedKey {
  return { key: encodeKey(key), display: displayKey(key), slot: keySlot(key), shard };
}

const inRanges = (slot: number, ranges: readonly SlotRange[]) => ranges.some(([a, b]) => slot >= a && slot <= b);

export async function clusterScanPage(targets: readonly ShardTarget[], o: ClusterScanOptions): Promise<ClusterScanPage> {
  const { maxScanned, batch, timeoutMs } = check(o);
  const pos = parseClusterCursor(o.cursor, targets.length);
  const unavailable = targets.filter((t) => !t.redis).map(down);
  if (o.match !== undefined && isLiteralPattern(o.match)) return literalPage(targets, o, pos, timeoutMs, unavailable);

  const at = targets[pos.shard];
  if (pos.tag && at && pos.cursor !== "0" && tagOf(at.shard) !== pos.tag) {
    const reason = "this shard's master changed since the previous page (failover or reshard): its SCAN cursor means nothing on the new one; start the browse again to list every key";
    return { cursor: "0", keys: [], scanned: 0, skipped: [{ shard: at.shard, address: at.address, reason }], unavailable };
  }
  const filter: ScanFilter = { match: o.match, type: o.type };
  const filtered = (o.match !== undefined && o.match !== "*") || o.type !== undefined;
  const keys: ClusterScannedKey[] = [];
  const skipped: SkippedShard[] = [];
  const seen = new Set<string>(); // SCAN may repeat a name within a walk; latin1 maps bytes 1:1
  let { shard, cursor } = pos;
  let scanned = 0;
  while (shard < targets.length && keys.length < o.count && scanned < maxScanned) {
    const t = targets[shard] as ShardTarget;
    if (!t.redis) {
      skipped.push(down(t));
      shard++;
      cursor = "0";
      continue;
    }
    const rate = scanned > 0 ? keys.length / scanned : filtered ? 0 : 1;
    const want = o.count - keys.length;
    const hint = Math.max(1, Math.min(rate > 0 ? Math.ceil(want / rate) : batch, batch, maxScanned - scanned));
    try {
      const step = await withTimeout(scanStep(t.redis, cursor, filter, hint), timeoutMs);
      scanned += hint;
      for (const k of step.keys) {
        const id = `${shard}\0${k.toString("latin1")}`;
        if (seen.has(id)) continue;
        seen.add(id);
        keys.push(named(k, t.shard));
      }
      cursor = step.cursor;
    } catch (err) {
      skipped.push({ shard: t.shard, address: t.address, reason: `SCAN failed: ${describeRedisError(err)}` });
      cursor = "0";
    }
    if (cursor === "0") shard++;
  }
  const tag = shard < targets.length ? tagOf((targets[shard] as ShardTarget).shard) : undefined;
  return { cursor: formatClusterCursor({ shard, cursor, tag }, targets.length), keys, scanned, skipped, unavailable };
}

/** A pattern without wildcards names one key: only the master serving its slot is asked. */
async function literalPage(targets: readonly ShardTarget[], o: ClusterScanOptions, pos: ClusterCursor, timeoutMs: number, unavailable: SkippedShard[]): Promise<ClusterScanPage> {
  const empty = { cursor: "0", keys: [], scanned: 0, skipped: [], unavailable };
  if (pos.shard !== 0 || pos.cursor !== "0") return empty; // the first page answered already
  const key = Buffer.from(unescapeLiteral(o.match ?? ""), "utf8");
  const slot = keySlot(key);
  const t = targets.find((x) => inRanges(slot, x.slots));
  if (!t) return { ...empty, skipped: [{ shard: "", address: null, reason: `no master serves slot ${slot}` }] };
  if (!t.redis) return { ...empty, skipped: [down(t)] };
  try {
    const type = asText(await withTimeout(t.redis.callBuffer("TYPE", [key]), timeoutMs), "TYPE");
    const hit = type !== "none" && (o.type === undefined || o.type === type);
    return { ...empty, keys: hit ? [named(key, t.shard)] : [] };
  } catch (err) {
    // A key being migrated away answers ASK (and one whose slot moved, MOVED): the page says so.
    return { ...empty, skipped: [{ shard: t.shard, address: t.address, reason: `TYPE failed: ${describeRedisError(err)}` }] };
  }
}

/** For the side-by-side view: the nodes that hold a key's copies, by its slot. */
export interface KeyShard {
  slot: number;
  /** null when no master serves the slot (uncovered). */
  shard: ShardView | null;
  master: ClusterNodeView | null;
  replicas: ClusterNodeView[];
  /** The slot is being migrated: the key may already be on `to` (ask it with ASKING). */
  migration: SlotMigration | null;
}

export function shardOfKey(view: ClusterView, key: Buffer | string): KeyShard {
  const slot = keySlot(key);
  const shard = view.shards.find((s) => inRanges(slot, s.slots)) ?? null;
  const byId = new Map(view.nodes.map((n) => [n.id, n] as const));
  return {
    slot,
    shard,
    master: shard ? (byId.get(shard.masterId) ?? null) : null,
    replicas: shard ? shard.replicaIds.flatMap((id) => byId.get(id) ?? []) : [],
    migration: view.migrations.find((m) => m.slot === slot) ?? null,
  };
}

/** Keys in the view per shard, from DBSIZE on each master (for "n of m keys" in the browse). */
export async function shardKeyCounts(targets: readonly ShardTarget[], timeoutMs = 5000): Promise<{ shard: string; keys: number | null }[]> {
  return Promise.all(
    targets.map(async (t) => ({
      shard: t.shard,
      keys: t.redis ? await withTimeout(t.redis.dbsize(), timeoutMs).then((n) => asNumber(n, "DBSIZE")).catch(() => null) : null,
    })),
  );
}
