// The same key on every node of a topology, master first. Lag-aware: the master is read first and
// its offset noted; a replica that has not applied that offset yet (after a short wait) is reported
// as "behind" instead of "different", because its copy may simply be older.
import type Redis from "ioredis";
import { compareFingerprints, type KeyDifference, type KeyFingerprint } from "../compare/fingerprint";
import { readReplOffset, waitForOffset } from "../compare/offsets";
import { readFingerprints } from "../compare/read-fingerprint";
import { describeRedisError } from "../redis/connection";
import type { TopologyMonitor } from "../monitor/topology-monitor";
import type { NodeView } from "../monitor/types";
import { decodeKey, displayKey } from "./codec";
import { keyConnection } from "./connections";
import { connectOptionsFor, orderedNodes } from "./node-target";
import { readKey, type KeyDetails } from "./value";

export const TTL_TOLERANCE_MS = 1000;
const CATCH_UP_WAIT_MS = 500;
// The digest is read incrementally in bounded commands (lib/compare/digest-readers.ts). The caps
// bound what one view costs: every byte read is garbage the dashboard's GC collects only after tens
// of MB (a 16 MiB cap grew the dashboard's RSS by 88 MB on a master and one replica), and views
// run in parallel. Larger values show why (digestNote); the whole-keyspace compare reads them.
const SIDE_MAX_ELEMENTS = 10_000;
const SIDE_MAX_STRING_BYTES = 1024 * 1024;

export type Verdict = "master" | "same" | "different" | "behind" | "unavailable";

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

export async function keyOnEveryNode(monitor: TopologyMonitor, keyToken: string, db: number): Promise<SideBySide> {
  const key = decodeKey(keyToken);
  const views = orderedNodes(monitor);
  const connect = (v: NodeView) => keyConnection(monitor.name, connectOptionsFor(monitor.config, v), db);
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
        return judge(column(view, read, null), read.fp, master, masterOffset);
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
