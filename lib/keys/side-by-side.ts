// The same key on every node of a topology, master first. Lag-aware: the master is read first and
// its offset noted; a replica that has not applied that offset yet (after a short wait) is reported
// as "behind" instead of "different", because its copy may simply be older.
import type Redis from "ioredis";
import { compareFingerprints, type KeyDifference, type KeyFingerprint } from "../redis/fingerprint";
import { readReplOffset, waitForOffset } from "../redis/offsets";
import { readFingerprints } from "../redis/read-fingerprint";
import { describeRedisError } from "../redis/connection";
import type { TopologyMonitor } from "../monitor/topology-monitor";
import type { NodeView } from "../monitor/types";
import { decodeKey, displayKey } from "./codec";
import type { KeyConnector } from "./connections";
import { connectOptionsFor, orderedNodes } from "./node-target";
import { readKey, type KeyDetails } from "./value";

export const TTL_TOLERANCE_MS = 1000;
const CATCH_UP_WAIT_MS = 500;
// The digest is read incrementally in bounded commands (lib/redis/digest-readers.ts). The caps
// bound what one view costs: every byte read is garbage the dashboard's GC collects only after tens
// of MB (a 16 MiB cap grew the dashboard's RSS by 88 MB on a master and one replica), and views
// run in parallel. Larger values show why (digestNote); the whole-keyspace compare reads them.
const SIDE_MAX_ELEMENTS = 10_000;
const SIDE_MAX_STRING_BYTES = 1024 * 1024;

/** "changing": the key changed on the master during every re-check, so no difference could be confirmed. */
export type Verdict = "master" | "same" | "different" | "behind" | "changing" | "unavailable";

export interface NodeColumn {
  id: string;
  role: NodeView["role"];
  status: NodeView["status"];
  readOnly: boolean | null;
  exists: boolean | null;
  type: string | null;
  ttl: number | null;
  length: number | null;
  digest: string | null;
  /** Why digest is null ("not compared here: 2000000 elements, over the 100000 read limit"). */
  digestNote: string | null;
  encoding: string | null;
  details: KeyDetails | null;
  /** Applied replication offset when read; bytes behind the master's offset noted after its read. */
  offset: number | null;
  behindBytes: number | null;
  verdict: Verdict;
  difference: KeyDifference | null;
  error: string | null;
}

export interface SideBySide {
  key: string;
  display: string;
  db: number;
  topology: string;
  equal: boolean;
  masterOffset: number | null;
  nodes: NodeColumn[];
}

export interface NodeRead {
  fp: KeyFingerprint | null;
  details: KeyDetails | null;
  offset: number | null;
}

async function readNode(redis: Redis, key: Buffer, db: number): Promise<NodeRead> {
  const [fps, details] = await Promise.all([
    readFingerprints(redis, [key], { db, maxElements: SIDE_MAX_ELEMENTS, maxStringBytes: SIDE_MAX_STRING_BYTES }),
    readKey(redis, key, { db, pageSize: 50 }),
  ]);
  return { fp: fps[0] ?? null, details, offset: null };
}

function column(view: NodeView, r: NodeRead | null, error: string | null): NodeColumn {
  const fp = r?.fp ?? null;
  return {
    id: view.id,
    role: view.role,
    status: view.status,
    readOnly: view.readOnly,
    exists: r ? fp !== null : null,
    type: fp?.type ?? null,
    ttl: r?.details?.ttl ?? null,
    length: fp?.length ?? null,
    digest: fp?.digest ?? null,
    digestNote: fp?.unread ? `not compared here: ${fp.unread}` : null,
    encoding: r?.details?.encoding ?? null,
    details: r?.details ?? null,
    offset: r?.offset ?? null,
    behindBytes: null,
    verdict: r ? "master" : "unavailable",
    difference: null,
    error,
  };
}

/**
 * `shard`: for a Redis Cluster, the nodes of the shard serving the key's slot (master first); other
 * shards do not hold it. Their replicas get READONLY before each read (else MOVED to the master);
 * it is a connection flag, so sending it again on a pooled connection is harmless.
 */
export async function keyOnEveryNode(pool: KeyConnector, monitor: TopologyMonitor, keyToken: string, db: number, shard?: NodeView[]): Promise<SideBySide> {
  const key = decodeKey(keyToken);
  const views = shard ?? orderedNodes(monitor);
  const connect = async (v: NodeView) => {
    const redis = await pool.connection(monitor.name, connectOptionsFor(monitor.config, v), db);
    if (shard && v.role === "replica") await redis.call("READONLY");
    return redis;
  };
  const [masterView, ...replicaViews] = views;
  const nodes: NodeColumn[] = [];
  let master: NodeRead | null = null;
  let masterOffset: number | null = null;

  if (masterView) {
    try {
      const redis = await connect(masterView);
      master = await readNode(redis, key, db);
      masterOffset = await readReplOffset(redis); // after the read: covers every write the read saw
      master.offset = masterOffset;
      nodes.push(column(masterView, master, null));
    } catch (err) {
      nodes.push(column(masterView, null, describeRedisError(err)));
    }
  }

  const replicas = await Promise.all(
    replicaViews.map(async (view): Promise<NodeColumn> => {
      if (view.status === "down") return column(view, null, view.lastError ?? "down");
      try {
        const redis = await connect(view);
        const offset = masterOffset === null ? await readReplOffset(redis) : await waitForOffset(redis, masterOffset, CATCH_UP_WAIT_MS);
        const read = { ...(await readNode(redis, key, db)), offset };
        const first = judge(column(view, read, null), read.fp, master, masterOffset);
        if (first.verdict !== "different" || !masterView) return first;
        // The replica kept applying after its offset was read, so its copy may be newer than the
        // master's read: only a re-check on an ordered window can call it different.
        return confirmDifference(first, await connect(masterView), redis, key, db);
      } catch (err) {
        return column(view, null, describeRedisError(err));
      }
    }),
  );
  nodes.push(...replicas);
  const equal = master !== null && replicas.every((c) => c.verdict === "same");
  return { key: keyToken, display: displayKey(key), db, topology: monitor.name, equal, masterOffset, nodes };
}

export function judge(col: NodeColumn, replicaFp: KeyFingerprint | null, master: NodeRead | null, masterOffset: number | null): NodeColumn {
  if (!master) return { ...col, verdict: "unavailable" };
  const difference = compareFingerprints(master.fp, replicaFp, TTL_TOLERANCE_MS);
  const behind = masterOffset !== null && col.offset !== null && col.offset < masterOffset ? masterOffset - col.offset : null;
  // A replica that has not applied the master's offset may just hold an older copy: not "different".
  if (behind !== null) return { ...col, behindBytes: behind, verdict: difference ? "behind" : "same", difference };
  return { ...col, behindBytes: 0, verdict: difference ? "different" : "same", difference };
}

const RECHECKS = 3;

function sameFingerprint(a: KeyFingerprint | null, b: KeyFingerprint | null): boolean {
  if (!a || !b) return a === b;
  return a.type === b.type && a.length === b.length && a.digest === b.digest && a.expireAtMs === b.expireAtMs;
}

/**
 * Re-reads master, replica, master. When the master's key is the same before and after, and the
 * replica had applied the offset noted after the first master read before it read the key, the
 * replica's copy must equal the master's at its own read: a difference then is real. A key that
 * changes during every window is "changing", never "different".
 */
export async function confirmDifference(col: NodeColumn, master: Redis, replica: Redis, key: Buffer, db: number): Promise<NodeColumn> {
  const fp = async (r: Redis) => (await readFingerprints(r, [key], { db, maxElements: SIDE_MAX_ELEMENTS, maxStringBytes: SIDE_MAX_STRING_BYTES }))[0] ?? null;
  for (let i = 0; i < RECHECKS; i++) {
    const before = await fp(master);
    const offset = await readReplOffset(master);
    if (offset === null) break;
    const applied = await waitForOffset(replica, offset, CATCH_UP_WAIT_MS);
    if (applied === null || applied < offset) return { ...col, verdict: "behind", behindBytes: applied === null ? null : offset - applied };
    const copy = await fp(replica);
    const after = await fp(master);
    if (!sameFingerprint(before, after)) continue;
    const difference = compareFingerprints(before, copy, TTL_TOLERANCE_MS);
    return { ...col, verdict: difference ? "different" : "same", difference, behindBytes: 0 };
  }
  return { ...col, verdict: "changing", behindBytes: 0 };
}
