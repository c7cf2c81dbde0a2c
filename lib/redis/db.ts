import type Redis from "ioredis";
import { KeyQueryError } from "./errors";

/**
 * Put the connection on `db`, issuing SELECT only when it is elsewhere.
 *
 * Contract for every lib/keys and lib/compare reader: pass a connection dedicated to key
 * browsing (not the monitor's, and never shared with concurrent callers that use another db).
 * ioredis records every SELECT sent through the client in `condition.select` and re-selects that
 * db after a reconnect, so trusting it is safe as long as nobody sends SELECT via raw sockets.
 * Cluster clients and `keyPrefix` connections are not supported (SCAN would be per node / the
 * prefix would be applied to binary keys).
 */
export async function ensureDb(redis: Redis, db: number): Promise<void> {
  if (!Number.isInteger(db) || db < 0) throw new KeyQueryError(`db must be a non-negative integer, got ${db}`);
  const current = redis.condition?.select ?? redis.options.db ?? 0;
  if (current !== db) await redis.select(db);
}
