// The key browser's operations on one node of a monitored topology: list, open, delete, set TTL.
// Reads go through lib/keys (SCAN only, bounded pages); the two writes are the only commands that
// change data, and only run when the operator confirmed them in the UI.
import type Redis from "ioredis";
import { decodeKey } from "./codec";
import type { KeyConnector } from "./connections";
import { describeKeys, type KeyDescription } from "./describe";
import type { NodeTarget } from "./node-target";
import { pageWithLookahead } from "./lookahead";
import type { ScanPage } from "./scan";
import { treeStep, type TreeStep } from "./tree-step";
import { readKey, type KeyDetails } from "./value";
import { ensureDb } from "../redis/db";
import type { KeyspaceDb } from "../redis/info";
import { asNumber } from "../redis/reply";

function connect(pool: KeyConnector, t: NodeTarget, db: number): Promise<Redis> {
  return pool.connection(t.monitor.name, t.conn, db);
}

export interface KeyListing extends ScanPage {
  db: number;
  /** DBSIZE when the page was read, for "scanned N of ~DBSIZE". */
  dbsize: number;
  /** Databases that hold keys, from the monitor's last INFO keyspace. */
  dbs: KeyspaceDb[];
}

export async function listKeys(
  pool: KeyConnector,
  t: NodeTarget,
  q: { db: number; cursor: string; count: number; match?: string; type?: string },
): Promise<KeyListing> {
  const redis = await connect(pool, t, q.db);
  const { page, dbsize } = await pageWithLookahead(redis, { db: q.db, cursor: q.cursor, count: q.count, match: q.match, type: q.type, maxScanned: 10_000, batch: 5000 });
  return { ...page, db: q.db, dbsize, dbs: t.monitor.state(t.view.id)?.facts?.keyspace ?? [] };
}

/** Type, TTL, length and memory of the rows in view (tokens already decoded by the route). */
export async function describeListed(pool: KeyConnector, t: NodeTarget, q: { db: number; keys: Buffer[] }): Promise<KeyDescription[]> {
  const redis = await connect(pool, t, q.db);
  await ensureDb(redis, q.db);
  return describeKeys(redis, q.keys);
}

/** One time-budgeted step of the folder view. */
export async function treeOf(
  pool: KeyConnector,
  t: NodeTarget,
  q: { db: number; prefix: Buffer; separator: string; cursor: string; type?: string },
): Promise<TreeStep> {
  const redis = await connect(pool, t, q.db);
  return treeStep(redis, q);
}

export async function openKey(pool: KeyConnector, t: NodeTarget, q: { key: string; db: number; cursor?: string; pageSize?: number }): Promise<KeyDetails | null> {
  const keyBuf = decodeKey(q.key);
  const redis = await connect(pool, t, q.db);
  return readKey(redis, keyBuf, { db: q.db, cursor: q.cursor, pageSize: q.pageSize ?? 100 });
}

/**
 * UNLINK (DEL that frees big values in the background, so deleting a 2M-field hash does not block
 * the server): 1 when deleted, 0 when it was not there. A read-only replica answers READONLY (thrown).
 */
export async function deleteKey(pool: KeyConnector, t: NodeTarget, q: { key: string; db: number }): Promise<number> {
  const redis = await connect(pool, t, q.db);
  return asNumber(await redis.unlink(decodeKey(q.key)), "UNLINK");
}

/** EXPIRE seconds, or PERSIST for -1. Returns the TTL afterwards, or null when the key is missing. */
export async function setKeyTtl(pool: KeyConnector, t: NodeTarget, q: { key: string; db: number; ttl: number }): Promise<number | null> {
  const key = decodeKey(q.key);
  const redis = await connect(pool, t, q.db);
  if (q.ttl === -1) {
    // PERSIST answers 0 both for "no key" and "had no TTL"; check existence first.
    if ((await redis.exists(key)) === 0) return null;
    await redis.persist(key);
  } else if ((await redis.expire(key, q.ttl)) === 0) {
    return null;
  }
  return redis.ttl(key);
}
