// One page of the key browser. SCAN with a sparse MATCH returns mostly empty batches, so a page
// keeps scanning (bounded by maxScanned) instead of making the browser loop per 1000 keys.
import type Redis from "ioredis";
import { runScript } from "../redis/script-fingerprint";
import { displayKey, encodeKey } from "./codec";
import { ensureDb } from "../redis/db";
import { KeyQueryError } from "../redis/errors";
import { assertValidGlob, isLiteralPattern, unescapeLiteral } from "./glob";
import { asNumber, asScanReply, asText, unwrapResults } from "../redis/reply";

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
  type: string;
  /** Seconds (TTL command, rounded by Redis); -1 = no expiry. */
  ttl: number;
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
  if (opts.match !== undefined && isLiteralPattern(opts.match)) {
    // A page after the first has nothing left: the literal lookup returned everything at once.
    if (opts.cursor !== "0") return { cursor: "0", keys: [], scanned: 0 };
    const key = Buffer.from(unescapeLiteral(opts.match), "utf8");
    return { cursor: "0", keys: await describeKeys(redis, [key], opts.type), scanned: 0 };
  }

  const filterArgs: (string | Buffer)[] = [];
  if (opts.match !== undefined && opts.match !== "*") filterArgs.push("MATCH", Buffer.from(opts.match, "utf8"));
  if (opts.type !== undefined) filterArgs.push("TYPE", opts.type);

  const seen = new Set<string>();
  const found: Buffer[] = [];
  // TYPE/TTL for each batch go out as soon as it arrives, so they overlap the next SCAN.
  const described: Promise<ScannedKey[]>[] = [];
  let cursor = opts.cursor;
  let scanned = 0;
  do {
    const hint = nextCountHint(opts.count - found.length, found.length, scanned, filterArgs.length > 0, batch, maxScanned - scanned);
    const reply = asScanReply(await redis.callBuffer("SCAN", [cursor, ...filterArgs, "COUNT", hint]), "SCAN");
    scanned += hint;
    cursor = reply.cursor;
    const fresh: Buffer[] = [];
    for (const key of reply.items) {
      // SCAN may return a key twice (rehashing between calls); latin1 maps bytes 1:1 to chars.
      const id = key.toString("latin1");
      if (seen.has(id)) continue;
      seen.add(id);
      fresh.push(key);
    }
    found.push(...fresh);
    if (fresh.length) {
      const d = describeKeys(redis, fresh, opts.type);
      // Awaited below; this only keeps a failure from being "unhandled" if a later SCAN throws first.
      d.catch(() => undefined);
      described.push(d);
    }
  } while (cursor !== "0" && found.length < opts.count && scanned < maxScanned);

  return { cursor, keys: (await Promise.all(described)).flat(), scanned };
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

/** TYPE and TTL per key in one read-only script call: one reply instead of two per key. */
const DESCRIBE_SCRIPT = `local out = {} for i, k in ipairs(KEYS) do out[2*i-1] = redis.call('TYPE', k)['ok'] out[2*i] = redis.call('TTL', k) end return out`;

/** TYPE and TTL for a page (a script, or one pipeline where scripts are refused); vanished keys are dropped. */
async function describeKeys(redis: Redis, keys: Buffer[], type: string | undefined): Promise<ScannedKey[]> {
  if (keys.length === 0) return [];
  let replies = await runScript(redis, DESCRIBE_SCRIPT, keys, []);
  if (!replies || replies.length !== keys.length * 2) {
    const pipe = redis.pipeline();
    for (const key of keys) pipe.type(key).ttl(key);
    replies = unwrapResults(await pipe.exec(), "TYPE/TTL");
  }
  const out: ScannedKey[] = [];
  keys.forEach((key, i) => {
    const keyType = asText(replies[2 * i], "TYPE");
    const ttl = asNumber(replies[2 * i + 1], "TTL");
    if (keyType === "none" || ttl === -2) return;
    if (type !== undefined && keyType !== type) return;
    out.push({ key: encodeKey(key), display: displayKey(key), type: keyType, ttl });
  });
  return out;
}
