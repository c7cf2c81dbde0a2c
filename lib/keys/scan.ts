// One page of the key browser: names only. SCAN with a sparse MATCH returns mostly empty batches,
// so a page keeps scanning (bounded by maxScanned) instead of making the browser loop per 1000 keys.
// Type, TTL and size are not read here: the list is virtualised and shows ~30 rows, so the UI asks
// lib/keys/describe.ts for the rows in view (with a TYPE filter SCAN's own TYPE option already
// tells the type). Every SCAN round trip is the keyspace engine's scanStep.
import type Redis from "ioredis";
import { displayKey, keyNames } from "./codec";
import { describeKeys } from "./describe";
import { ensureDb } from "../redis/db";
import { KeyQueryError } from "../redis/errors";
import { assertValidGlob, isLiteralPattern, unescapeLiteral } from "./glob";
import { scanStep } from "../keyspace/scan-source";

export interface ScanPageOptions {
  /** Redis glob; omitted or "*" = every key. A pattern without * ? [ is looked up directly. */
  match?: string;
  /** SCAN TYPE filter: "string" | "hash" | "list" | "set" | "zset" | "stream" | a module type. */
  type?: string;
  db: number;
  /** "0" to start; then the cursor returned by the previous page. */
  cursor: string;
  /** Matches wanted, 1..1000. A page can exceed it by what one SCAN batch returned (never drops keys). */
  count: number;
  /** Stop after roughly this many keys were examined (default 10,000), even with few matches. */
  maxScanned?: number;
  /** Upper bound for SCAN COUNT per round trip (default 1000). */
  batch?: number;
}

export interface ScannedKey {
  /** Token for reopening the key (codec.encodeKey). */
  key: string;
  display: string;
  /** Known only when the page was filtered by type (SCAN TYPE) or looked up literally; else null. */
  type: string | null;
  /** Seconds, -1 = no expiry; null = not read (listing pages never read it). */
  ttl: number | null;
}

export interface ScanPage {
  /** "0" when the whole keyspace has been walked. */
  cursor: string;
  keys: ScannedKey[];
  /** Keys examined, approximately: the sum of SCAN COUNT hints (Redis does not report exact work). */
  scanned: number;
}

const TYPE_NAME = /^[A-Za-z0-9_-]{1,64}$/;

function checkOptions(o: ScanPageOptions): Required<Pick<ScanPageOptions, "maxScanned" | "batch">> {
  const maxScanned = o.maxScanned ?? 10_000;
  const batch = o.batch ?? 1000;
  if (!Number.isInteger(o.count) || o.count < 1 || o.count > 1000) throw new KeyQueryError("count must be 1..1000");
  if (!Number.isInteger(maxScanned) || maxScanned < 1) throw new KeyQueryError("maxScanned must be a positive integer");
  if (!Number.isInteger(batch) || batch < 1 || batch > 10_000) throw new KeyQueryError("batch must be 1..10000");
  if (!/^\d{1,20}$/.test(o.cursor)) throw new KeyQueryError("cursor must be a decimal SCAN cursor");
  if (o.type !== undefined && !TYPE_NAME.test(o.type)) throw new KeyQueryError("type is not a Redis type name");
  if (o.match !== undefined) assertValidGlob(o.match);
  return { maxScanned, batch };
}

export async function scanPage(redis: Redis, opts: ScanPageOptions): Promise<ScanPage> {
  const { maxScanned, batch } = checkOptions(opts);
  await ensureDb(redis, opts.db);
  if (opts.match !== undefined && isLiteralPattern(opts.match)) return literalPage(redis, opts);

  const filter = { match: opts.match, type: opts.type };
  const filtered = (opts.match !== undefined && opts.match !== "*") || opts.type !== undefined;
  const type = opts.type ?? null;
  const seen = new Set<string>();
  const keys: ScannedKey[] = [];
  let cursor = opts.cursor;
  let scanned = 0;
  do {
    const hint = nextCountHint(opts.count - keys.length, keys.length, scanned, filtered, batch, maxScanned - scanned);
    const step = await scanStep(redis, cursor, filter, hint);
    // The hint, not step.examined: without a filter SCAN may return fewer than COUNT keys, and the
    // budget is about the work asked of the server.
    scanned += hint;
    cursor = step.cursor;
    for (const key of step.keys) {
      // SCAN may return a key twice (rehashing between calls); latin1 maps bytes 1:1 to chars.
      const id = key.toString("latin1");
      if (seen.has(id)) continue;
      seen.add(id);
      keys.push({ ...keyNames(key, id), type, ttl: null });
    }
  } while (cursor !== "0" && keys.length < opts.count && scanned < maxScanned);
  return { cursor, keys, scanned };
}

/** A pattern that names one key: describe just that key (type and TTL are then known). */
async function literalPage(redis: Redis, opts: ScanPageOptions): Promise<ScanPage> {
  // A page after the first has nothing left: the literal lookup returned everything at once.
  if (opts.cursor !== "0" || opts.match === undefined) return { cursor: "0", keys: [], scanned: 0 };
  const key = Buffer.from(unescapeLiteral(opts.match), "utf8");
  const [d] = await describeKeys(redis, [key]);
  if (!d || "missing" in d || (opts.type !== undefined && d.type !== opts.type)) return { cursor: "0", keys: [], scanned: 0 };
  return { cursor: "0", keys: [{ key: d.key, display: displayKey(key), type: d.type, ttl: d.ttl }], scanned: 0 };
}

/**
 * SCAN COUNT for the next round trip: about what the observed match rate says we still need,
 * so a dense keyspace returns close to `want` keys and a sparse pattern takes full batches.
 */
function nextCountHint(want: number, matched: number, scanned: number, filtered: boolean, batch: number, budget: number): number {
  const rate = scanned > 0 ? matched / scanned : filtered ? 0 : 1;
  const needed = rate > 0 ? Math.ceil(want / rate) : batch;
  return Math.max(1, Math.min(needed, batch, budget));
}
