// Exports one node's keys to a .rsd stream: SCAN (COUNT bounded, MATCH/TYPE filters) per db, then
// one read-only Lua script per batch that returns, for each key, its type, PEXPIRETIME and either
// its DUMP or (when STRLEN / MEMORY USAGE is above chunkAboveBytes) its size, so the big ones are
// read in windows afterwards (./chunks.ts). The script also stops DUMPing once a batch's reply
// reaches BATCH_REPLY_BYTES and hands the rest back for the next call, so neither a reply nor the
// server time of one call grows with the values' sizes. A key gone between SCAN and the script is
// counted as vanished. The replication position (master_replid + master_repl_offset) is read
// before the first SCAN and after the last key.
//
// STABLE API: exportNode(redis, out, opts) -> ExportResult. `redis` must be a dedicated
// connection (it is SELECTed through the dbs).
import type Redis from "ioredis";
import type { Writable } from "node:stream";
import { ensureDb } from "../../redis/db";
import { parseInfo } from "../../redis/info";
import { EngineCancelled, runEngine } from "../../keyspace/engine";
import { scanWalk } from "../../keyspace/scan-source";
import { DEFAULT_CHUNK_ABOVE_BYTES, writeParts } from "./chunks";
import { encodeKey } from "../../keys/codec";
import { FORMAT_VERSION, KEY_TYPES, MAX_NOTES, MAX_RECORD_BYTES, type DumpHeader, type DumpTrailer, type KeyType } from "./format";
import { DumpWriter } from "./writer";

export interface ExportFilters {
  match?: string | null;
  db?: number | null;
  type?: string | null;
}

export interface ExportProgress {
  keys: number;
  bytes: number;
  vanished: number;
  chunked: number;
  /** Module-type values over chunkAboveBytes, not written (each one noted). */
  omitted: number;
  /** What the file leaves out and why (the first MAX_NOTES; also in the trailer). */
  notes: string[];
  /** Keys in the exported dbs when the export started (DBSIZE), for the ETA. */
  total: number;
}

export interface ExportOptions extends ExportFilters {
  node: string;
  topology?: string | null;
  chunkAboveBytes?: number;
  scanCount?: number;
  batchKeys?: number;
  onProgress?: (p: ExportProgress) => void;
  signal?: AbortSignal;
}

export interface ExportResult {
  header: DumpHeader;
  trailer: DumpTrailer;
}

/** SCAN COUNT: a page of 500 takes ~0.3 ms of server time. */
export const DEFAULT_SCAN_COUNT = 500;
/** Batch scripts in flight at once (see the loop in exportNode). */
const WINDOW = 2;
/** Keys per script call: ~4 µs of server time each, so a call stays well under a millisecond. */
export const DEFAULT_EXPORT_BATCH = 100;
/** One batch script's DUMP bytes; the keys after this point go to the next call. */
export const BATCH_REPLY_BYTES = 1024 * 1024;
/** An aggregate with more elements than this is written in parts whatever its estimated size. */
export const CHUNK_ABOVE_ELEMENTS = 5000;
/** MEMORY USAGE estimates are trusted only this far below the limit (estimate × 2 > limit: parts). */
const ESTIMATE_MARGIN = 2;

// KEYS: names. ARGV: chunkAboveBytes, batch reply budget, wanted type ("" any), element count
// above which an aggregate is written in parts, safety factor on MEMORY USAGE estimates.
// Per key 3 items: type, expireAt, DUMP payload | size (integer: too big to DUMP: parts, or for a
// module type not written) | "" (vanished) | "again" (budget spent: ask again).
// MEMORY USAGE … SAMPLES 5 extrapolates from 5 elements, so an aggregate with a few huge elements
// is underestimated: an estimate above limit / ESTIMATE_MARGIN, or more than CHUNK_ABOVE_ELEMENTS
// elements, goes to parts rather than risking a long DUMP inside the script.
const READ_SCRIPT = `
local limit = tonumber(ARGV[1])
local budget = tonumber(ARGV[2])
local wanted = ARGV[3]
local maxElements = tonumber(ARGV[4])
local margin = tonumber(ARGV[5])
local spent = 0
local out = {}
for i, k in ipairs(KEYS) do
  if spent >= budget then
    out[#out + 1] = 'again'; out[#out + 1] = 0; out[#out + 1] = ''
  else
    local t = redis.call('TYPE', k).ok
    if t == 'none' or (wanted ~= '' and t ~= wanted) then
      out[#out + 1] = 'none'; out[#out + 1] = 0; out[#out + 1] = ''
    else
      local exp = redis.call('PEXPIRETIME', k)
      local size
      local big
      if t == 'string' then
        size = redis.call('STRLEN', k)
        big = size > limit
      else
        size = redis.call('MEMORY', 'USAGE', k, 'SAMPLES', '5') or 0
        local n = 0
        if t == 'list' then n = redis.call('LLEN', k)
        elseif t == 'set' then n = redis.call('SCARD', k)
        elseif t == 'zset' then n = redis.call('ZCARD', k)
        elseif t == 'hash' then n = redis.call('HLEN', k)
        elseif t == 'stream' then n = redis.call('XLEN', k) end
        big = size * margin > limit or n > maxElements
      end
      out[#out + 1] = t; out[#out + 1] = exp
      if big then
        out[#out + 1] = math.max(size, 1)
      else
        local d = redis.call('DUMP', k)
        spent = spent + #d
        out[#out + 1] = d
      end
    end
  end
end
return out
`;

async function replPosition(redis: Redis): Promise<{ replid: string; offset: number; role: string }> {
  const r = parseInfo(await redis.info("replication")).replication ?? {};
  return { replid: r.master_replid ?? "", offset: Number(r.master_repl_offset ?? 0), role: r.role ?? "unknown" };
}

async function keyspaceDbs(redis: Redis): Promise<Map<number, number>> {
  const ks = parseInfo(await redis.info("keyspace")).keyspace ?? {};
  const dbs = new Map<number, number>();
  for (const [name, v] of Object.entries(ks)) {
    const m = /^db(\d+)$/.exec(name);
    const keys = /keys=(\d+)/.exec(v);
    if (m) dbs.set(Number(m[1]), keys ? Number(keys[1]) : 0);
  }
  return dbs;
}

function asType(t: string): KeyType {
  return (KEY_TYPES as readonly string[]).includes(t) ? (t as KeyType) : "other";
}

/** Writes the whole export to `out` (ending it) and returns the header and trailer written. */
export async function exportNode(redis: Redis, out: Writable, opts: ExportOptions): Promise<ExportResult> {
  const chunkAbove = Math.min(opts.chunkAboveBytes ?? DEFAULT_CHUNK_ABOVE_BYTES, MAX_RECORD_BYTES / 4);
  const scanCount = opts.scanCount ?? DEFAULT_SCAN_COUNT;
  const batchKeys = opts.batchKeys ?? DEFAULT_EXPORT_BATCH;
  const server = parseInfo(await redis.info("server")).server ?? {};
  const start = await replPosition(redis);
  const present = await keyspaceDbs(redis);
  const dbs = opts.db !== undefined && opts.db !== null ? [opts.db] : Array.from(present, ([db]) => db).sort((a, b) => a - b);
  const header: DumpHeader = {
    format: "replscope-dump",
    version: FORMAT_VERSION,
    source: { node: opts.node, topology: opts.topology ?? null },
    redisVersion: server.redis_version ?? "unknown",
    role: start.role,
    replid: start.replid,
    offset: start.offset,
    filters: { match: opts.match ?? null, db: opts.db ?? null, type: opts.type ?? null },
    dbs,
    startedAt: Date.now(),
    chunkAboveBytes: chunkAbove,
  };
  const w = new DumpWriter(out);
  const progress: ExportProgress = { keys: 0, bytes: 0, vanished: 0, chunked: 0, omitted: 0, notes: [], total: dbs.reduce((n, db) => n + (present.get(db) ?? 0), 0) };
  const types: Record<string, number> = {};
  const report = () => {
    progress.bytes = w.bytes;
    opts.onProgress?.({ ...progress, notes: [...progress.notes] });
  };
  try {
    await w.header(header);
    for (const db of dbs) {
      await ensureDb(redis, db);
      // The keyspace engine: at most WINDOW batch scripts in flight, the next SCAN page asked for
      // while they run, so the server always has the next call queued, yet a PING from another
      // client never waits behind more than WINDOW short calls. Keys a script's reply budget left
      // out are handed back and read first in the next call.
      await runEngine({
        source: scanWalk(redis, { filter: { match: opts.match ?? undefined, type: opts.type ?? undefined }, count: scanCount, signal: opts.signal }),
        batchKeys,
        window: WINDOW,
        signal: opts.signal,
        read: (names) => readBatch(redis, names, chunkAbove, opts.type ?? ""),
        write: (names, reply) => writeBatch(redis, w, db, names, reply, progress, types),
        onStep: () => report(),
      }).catch((err: unknown) => {
        throw err instanceof EngineCancelled ? new Error("export cancelled") : err;
      });
      report();
    }
    const end = await replPosition(redis);
    const trailer = await w.trailer({ keys: progress.keys, types, chunked: progress.chunked, vanished: progress.vanished, replid: end.replid, offset: end.offset, finishedAt: Date.now(), omitted: progress.omitted, notes: progress.notes });
    report();
    return { header, trailer };
  } catch (err) {
    out.destroy();
    throw err;
  }
}

/**
 * Writes the keys `names` (already on `redis`'s db) as the export loop does, one script call at a
 * time. For callers that pick the names themselves (and for the test of keys that vanish between
 * SCAN and the read). Returns the counts it added.
 */
export async function exportKeys(redis: Redis, w: DumpWriter, db: number, names: Buffer[], opts: { chunkAboveBytes?: number; type?: string | null; batchKeys?: number } = {}): Promise<ExportProgress & { types: Record<string, number> }> {
  const progress: ExportProgress = { keys: 0, bytes: 0, vanished: 0, chunked: 0, omitted: 0, notes: [], total: names.length };
  const types: Record<string, number> = {};
  let queue = names;
  const batch = opts.batchKeys ?? DEFAULT_EXPORT_BATCH;
  while (queue.length > 0) {
    const now = queue.slice(0, batch);
    const reply = await readBatch(redis, now, opts.chunkAboveBytes ?? DEFAULT_CHUNK_ABOVE_BYTES, opts.type ?? "");
    queue = (await writeBatch(redis, w, db, now, reply, progress, types)).concat(queue.slice(batch));
  }
  progress.bytes = w.bytes;
  return { ...progress, types };
}

function readBatch(redis: Redis, names: Buffer[], chunkAbove: number, wanted: string): Promise<unknown[]> {
  return redis.callBuffer("EVAL_RO", READ_SCRIPT, String(names.length), ...names, String(chunkAbove), String(BATCH_REPLY_BYTES), wanted, String(CHUNK_ABOVE_ELEMENTS), String(ESTIMATE_MARGIN)) as Promise<unknown[]>;
}

/** Writes one script reply for `names`; returns the names the reply budget left for the next call. */
async function writeBatch(redis: Redis, w: DumpWriter, db: number, names: Buffer[], reply: unknown[], progress: ExportProgress, types: Record<string, number>): Promise<Buffer[]> {
  const again: Buffer[] = [];
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    const t = String(reply[3 * i]);
    const expireAt = Number(reply[3 * i + 1]);
    const value = reply[3 * i + 2];
    if (t === "again") {
      again.push(name);
      continue;
    }
    if (t === "none") {
      progress.vanished++;
      continue;
    }
    const type = asType(t);
    const note = (text: string) => {
      if (progress.notes.length < MAX_NOTES) progress.notes.push(text);
    };
    if (Buffer.isBuffer(value)) {
      await w.key(db, name, type, expireAt, value);
    } else if (type === "other") {
      // A module type has no parts form, and a DUMP this big could block the server: left out.
      progress.omitted++;
      note(`db ${db} key ${encodeKey(name)}: a ${t} value of ~${Number(value)} bytes was not exported: it has no parts form, and one DUMP of it could block the server`);
      continue;
    } else {
      await w.beginChunked(db, name, type, expireAt);
      const elements = await writeParts(redis, w, name, type, Number(value), note);
      await w.endChunked(elements);
      progress.chunked++;
    }
    progress.keys++;
    types[type] = (types[type] ?? 0) + 1;
  }
  return again;
}
