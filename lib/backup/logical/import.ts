// Restores a .rsd stream into one Redis node. Key records go in batches (bounded in keys and
// bytes) through one Lua script that RESTOREs each with ABSTTL and applies the conflict policy on
// the server, atomically, in file order:
//   replace  RESTORE ... REPLACE
//   skip     a BUSYKEY answer counts the key as skipped, the batch goes on
//   stop     the script returns at the first BUSYKEY: nothing after that key is restored, and
//            for "stop" only one batch is ever in flight, so no later batch can have run either.
// A key whose absolute expiry is already past on the server's clock (TIME inside the script) is
// counted as expired and not restored. Keys written in parts are built under a temporary name
// (with a one-hour safety TTL, in case replscope dies half way) and then renamed by a script that
// checks the policy again at that moment. The source stream is only read.
//
// A format problem (DumpFormatError) stops the import at that record's byte offset: every key
// record before it has been applied (the pending batch is flushed first), none after it.
//
// STABLE API: importDump(redis, source, opts) -> ImportResult; checkImportTarget(redis, opts);
// ImportRefusedError; ConflictPolicy; ImportProgress. `redis` must be a dedicated connection:
// the importer SELECTs the file's (or the requested) db on it.
import { randomBytes } from "node:crypto";
import type Redis from "ioredis";
import { encodeKey } from "../../keys/codec";
import { ensureDb } from "../../redis/db";
import { parseInfo } from "../../redis/info";
import { DumpFormatError, STREAM_PART, type DumpHeader, type DumpRecord, type DumpTrailer, type KeyType } from "./format";
import { readDump, type DumpSource } from "./reader";

export type ConflictPolicy = "skip" | "replace" | "stop";

export interface ImportProgress {
  /** Key records read from the file so far. */
  keys: number;
  bytes: number;
  restored: number;
  skipped: number;
  failed: number;
  expired: number;
}

export interface ImportOptions {
  policy: ConflictPolicy;
  /** Restore every key into this db; default: each key's db from the file. */
  db?: number;
  /** Import into a writable replica (refused otherwise: see checkImportTarget). */
  allowReplica?: boolean;
  /** Called after every batch (the caller rate-limits what it emits). */
  onProgress?: (p: ImportProgress) => void;
  signal?: AbortSignal;
  batchKeys?: number;
  batchBytes?: number;
  /** How many restored key names the result lists (the count is always exact). */
  listLimit?: number;
}

export interface ImportResult extends ImportProgress {
  /**
   * done: the whole file was read and every key handled (restored, skipped or expired); partial:
   * the whole file was read but some keys failed to restore (`failed`, `failures`; `error` is the
   * first one's Redis error); stopped: policy "stop" met an existing key; failed: a bad file, a
   * lost connection, or keys failed and none was restored (see error).
   */
  status: "done" | "partial" | "stopped" | "failed";
  error: string | null;
  /** Byte offset of the record at fault (format errors), or of the conflicting key (stop). */
  errorOffset: number | null;
  /** The key that made a "stop" import stop (encodeKey form). */
  conflictKey: string | null;
  /** The first restored keys, in file order (encodeKey form: text, or "b64:" + base64). */
  restoredKeys: string[];
  /** RESTORE errors other than conflicts, first few. */
  failures: { key: string; error: string }[];
  header: DumpHeader | null;
  trailer: DumpTrailer | null;
}

export class ImportRefusedError extends Error {
  override name = "ImportRefusedError";
}

export const DEFAULT_BATCH_KEYS = 1000;
export const DEFAULT_BATCH_BYTES = 4 * 1024 * 1024;
const DEFAULT_LIST_LIMIT = 1000;
const MAX_FAILURES_LISTED = 20;
/** skip/replace keep this many batches in flight (pipelined); stop keeps one (and reads the next meanwhile). */
const IN_FLIGHT = 3;
const TEMP_TTL_MS = 3_600_000;

/**
 * Refuses a read-only replica (its writes are refused anyway, key by key) and, unless
 * allowReplica, a writable one: keys written to a replica are not replicated to its master and
 * vanish at its next full resync, which is rarely what a restore means to do.
 */
export async function checkImportTarget(redis: Redis, opts: { allowReplica?: boolean } = {}): Promise<{ role: string }> {
  const info = parseInfo(await redis.info("replication"));
  const repl = info.replication ?? {};
  const role = repl.role ?? "unknown";
  if (role === "slave") {
    const master = `${repl.master_host ?? "?"}:${repl.master_port ?? "?"}`;
    if (repl.slave_read_only !== "0") {
      throw new ImportRefusedError(`the target is a read-only replica of ${master} (replica-read-only yes): import into its master, or into a server that replicates from no one`);
    }
    if (!opts.allowReplica) {
      throw new ImportRefusedError(`the target is a writable replica of ${master}: keys written there are not sent to its master and vanish at its next full resync; import into the master, or pass allowReplica to do it anyway`);
    }
  }
  return { role };
}

// KEYS: names. ARGV[1]: policy; then expireAt (ms, "-1": none) and payload per key.
// Returns one code per key handled: R restored, S skipped, E expired, C conflict (stop: last),
// or "F:<error>". For "stop" the reply ends at the C.
const RESTORE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local policy = ARGV[1]
local out = {}
for i, k in ipairs(KEYS) do
  local exp = ARGV[2 * i]
  local payload = ARGV[2 * i + 1]
  if exp ~= '-1' and tonumber(exp) <= now then
    out[i] = 'E'
  else
    local r
    if exp == '-1' then
      if policy == 'replace' then r = redis.pcall('RESTORE', k, '0', payload, 'REPLACE')
      else r = redis.pcall('RESTORE', k, '0', payload) end
    else
      if policy == 'replace' then r = redis.pcall('RESTORE', k, exp, payload, 'ABSTTL', 'REPLACE')
      else r = redis.pcall('RESTORE', k, exp, payload, 'ABSTTL') end
    end
    if type(r) == 'table' and r.err then
      if string.sub(r.err, 1, 7) == 'BUSYKEY' then
        if policy == 'stop' then out[i] = 'C'; return out end
        out[i] = 'S'
      else
        out[i] = 'F:' .. r.err
      end
    else
      out[i] = 'R'
    end
  end
end
return out
`;

// KEYS: temp, name. ARGV: policy, expireAt. Returns R, S (skip), C (stop), E (expired), N (empty).
const FINISH_SCRIPT = `
if ARGV[1] ~= 'replace' and redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('DEL', KEYS[1])
  if ARGV[1] == 'stop' then return 'C' end
  return 'S'
end
if redis.call('EXISTS', KEYS[1]) == 0 then return 'N' end
if ARGV[2] == '-1' then
  redis.call('PERSIST', KEYS[1])
else
  local t = redis.call('TIME')
  if tonumber(ARGV[2]) <= tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) then
    redis.call('DEL', KEYS[1])
    return 'E'
  end
  redis.call('PEXPIREAT', KEYS[1], ARGV[2])
end
redis.call('RENAME', KEYS[1], KEYS[2])
return 'R'
`;

type KeyRec = Extract<DumpRecord, { kind: "key" }>;
type BeginRec = Extract<DumpRecord, { kind: "chunk-begin" }>;

interface Batch {
  db: number;
  recs: KeyRec[];
  bytes: number;
}

class Importer {
  readonly r: ImportResult = {
    status: "done", keys: 0, bytes: 0, restored: 0, skipped: 0, failed: 0, expired: 0,
    error: null, errorOffset: null, conflictKey: null, restoredKeys: [], failures: [], header: null, trailer: null,
  };
  private stopped = false;
  private readonly inFlight: { batch: Batch; reply: Promise<unknown> }[] = [];

  constructor(
    private readonly redis: Redis,
    private readonly opts: ImportOptions,
  ) {}

  dbOf(recDb: number): number {
    return this.opts.db ?? recDb;
  }

  private restored(name: Buffer): void {
    this.r.restored++;
    if (this.r.restoredKeys.length < (this.opts.listLimit ?? DEFAULT_LIST_LIMIT)) this.r.restoredKeys.push(encodeKey(name));
  }

  private failedKey(name: Buffer, error: string): void {
    this.r.failed++;
    if (this.r.failures.length < MAX_FAILURES_LISTED) this.r.failures.push({ key: encodeKey(name), error });
  }

  private conflict(name: Buffer, offset: number): void {
    this.stopped = true;
    this.r.status = "stopped";
    this.r.conflictKey = encodeKey(name);
    this.r.errorOffset = offset;
    this.r.error = `key ${this.r.conflictKey} already exists on the target (policy stop): nothing after it was restored`;
  }

  /**
   * Sends a batch once the in-flight window has room. The next batch is read from the file while
   * this one runs; for "stop" (window 1) it is only sent after this one's answer, and not at all
   * when that answer was a conflict.
   */
  async send(batch: Batch): Promise<void> {
    if (batch.recs.length === 0) return;
    const window = this.opts.policy === "stop" ? 1 : IN_FLIGHT;
    while (this.inFlight.length >= window) await this.settleOne();
    if (this.stopped) return;
    await ensureDb(this.redis, batch.db);
    const args: (string | Buffer)[] = [RESTORE_SCRIPT, String(batch.recs.length)];
    for (const k of batch.recs) args.push(k.name);
    args.push(this.opts.policy);
    for (const k of batch.recs) args.push(String(k.expireAt), k.payload);
    // EVAL, not EVALSHA: the script is cached by Redis after the first call either way, and a
    // NOSCRIPT round trip after a SCRIPT FLUSH would need a retry path.
    const reply = this.redis.call("EVAL", ...args);
    reply.catch(() => undefined);
    this.inFlight.push({ batch, reply });
  }

  async drain(): Promise<void> {
    while (this.inFlight.length > 0) await this.settleOne();
  }

  private async settleOne(): Promise<void> {
    const head = this.inFlight.shift();
    if (!head) return;
    const codes = (await head.reply) as unknown[];
    head.batch.recs.forEach((rec, i) => {
      if (i >= codes.length) return;
      const c = String(codes[i]);
      if (c === "R") this.restored(rec.name);
      else if (c === "S") this.r.skipped++;
      else if (c === "E") this.r.expired++;
      else if (c === "C") this.conflict(rec.name, rec.offset);
      else this.failedKey(rec.name, c.startsWith("F:") ? c.slice(2) : c);
    });
    this.opts.onProgress?.({ ...this.progress() });
  }

  progress(): ImportProgress {
    const { keys, bytes, restored, skipped, failed, expired } = this.r;
    return { keys, bytes, restored, skipped, failed, expired };
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** Builds a key written in parts under a temp name; returns once its chunk-end is consumed. */
  async chunked(begin: BeginRec, records: AsyncIterator<DumpRecord>, trackBytes: (offset: number) => void): Promise<void> {
    const db = this.dbOf(begin.db);
    await ensureDb(this.redis, db);
    const now = await serverNowMs(this.redis);
    let drop: "expired" | "skip" | null = begin.expireAt !== -1 && begin.expireAt <= now ? "expired" : null;
    if (!drop && this.opts.policy !== "replace" && (await this.redis.exists(begin.name)) === 1) {
      if (this.opts.policy === "stop") return this.conflict(begin.name, begin.offset);
      drop = "skip";
    }
    const temp = Buffer.concat([begin.name, Buffer.from(`\0replscope-import:${randomBytes(8).toString("hex")}`)]);
    let finished = false;
    try {
      for (;;) {
        const next = await records.next();
        if (next.done) throw new DumpFormatError(begin.offset, "truncated: the file ends inside a key written in parts");
        const rec = next.value;
        trackBytes(rec.offset);
        if (rec.kind === "chunk-end") break;
        if (rec.kind !== "chunk") throw new DumpFormatError(rec.offset, "corrupt: expected a part record");
        if (drop) continue;
        await applyPart(this.redis, temp, begin.type, rec.items);
      }
      finished = true;
      if (drop === "expired") return void this.r.expired++;
      if (drop === "skip") return void this.r.skipped++;
      const code = String(await this.redis.call("EVAL", FINISH_SCRIPT, "2", temp, begin.name, this.opts.policy, String(begin.expireAt)));
      if (code === "R") this.restored(begin.name);
      else if (code === "S") this.r.skipped++;
      else if (code === "E") this.r.expired++;
      else if (code === "C") this.conflict(begin.name, begin.offset);
      else this.failedKey(begin.name, "no parts were written");
    } finally {
      if (!finished) await this.redis.del(temp).catch(() => undefined);
    }
  }
}

async function serverNowMs(redis: Redis): Promise<number> {
  const [s, us] = (await redis.time()) as [string | number, string | number];
  return Number(s) * 1000 + Math.floor(Number(us) / 1000);
}

function pairs(items: Buffer[], from: number, step: number): Buffer[][] {
  const out: Buffer[][] = [];
  for (let i = from; i + step - 1 < items.length; i += step) out.push(items.slice(i, i + step));
  return out;
}

/** One part onto the temp key: one pipeline, every command bounded by the part's size. */
async function applyPart(redis: Redis, temp: Buffer, type: KeyType, items: Buffer[]): Promise<void> {
  const p = redis.pipeline();
  switch (type) {
    case "string":
      for (const it of items) p.call("APPEND", temp, it);
      break;
    case "list":
      if (items.length) p.call("RPUSH", temp, ...items);
      break;
    case "set":
      if (items.length) p.call("SADD", temp, ...items);
      break;
    case "hash":
      if (items.length) p.call("HSET", temp, ...items);
      break;
    case "zset": {
      // Parts carry member, score (ZSCAN order); ZADD wants score, member.
      const args: Buffer[] = [];
      for (const [member, score] of pairs(items, 0, 2)) args.push(score!, member!);
      if (args.length) p.call("ZADD", temp, ...args);
      break;
    }
    case "stream":
      streamPart(p, temp, items);
      break;
    default:
      throw new Error(`a ${type} value cannot be restored from parts`);
  }
  p.call("PEXPIRE", temp, String(TEMP_TTL_MS));
  const results = (await p.exec()) ?? [];
  for (const [err] of results) if (err) throw err;
}

type Pipeline = ReturnType<Redis["pipeline"]>;

function streamPart(p: Pipeline, temp: Buffer, items: Buffer[]): void {
  const tag = items[0]?.toString("latin1");
  const rest = items.slice(1);
  switch (tag) {
    case STREAM_PART.entries: {
      let i = 0;
      while (i + 1 < rest.length) {
        const id = rest[i]!;
        const n = Number(rest[i + 1]!.toString("latin1"));
        const fields = rest.slice(i + 2, i + 2 + 2 * n);
        p.call("XADD", temp, id, ...fields);
        i += 2 + 2 * n;
      }
      break;
    }
    case STREAM_PART.meta: {
      const [last, added, maxDeleted] = rest;
      if (last && added && maxDeleted) p.call("XSETID", temp, last, "ENTRIESADDED", added, "MAXDELETEDID", maxDeleted);
      break;
    }
    case STREAM_PART.group: {
      const [name, lastId, read] = rest;
      if (!name || !lastId) break;
      if (read && read.length > 0) p.call("XGROUP", "CREATE", temp, name, lastId, "MKSTREAM", "ENTRIESREAD", read);
      else p.call("XGROUP", "CREATE", temp, name, lastId, "MKSTREAM");
      break;
    }
    case STREAM_PART.consumers:
      for (const [group, consumer] of pairs(rest, 0, 2)) p.call("XGROUP", "CREATECONSUMER", temp, group!, consumer!);
      break;
    case STREAM_PART.pending: {
      const group = rest[0];
      if (!group) break;
      // FORCE creates the PEL entry; JUSTID leaves the delivery count to RETRYCOUNT. An entry
      // already deleted from the stream cannot be claimed (Redis ignores it): see FORMAT.md.
      for (const [id, consumer, time, count] of pairs(rest, 1, 4)) {
        p.call("XCLAIM", temp, group, consumer!, "0", id!, "TIME", time!, "RETRYCOUNT", count!, "FORCE", "JUSTID");
      }
      break;
    }
    default:
      throw new Error(`unknown stream part "${tag ?? ""}"`);
  }
}

/**
 * Restores the dump read from `source` into `redis`. Never throws for a bad file or a conflict:
 * the result says what happened (status, error, errorOffset, counts, restoredKeys). Throws
 * ImportRefusedError before reading anything when the target is refused, and passes on
 * connection errors (after recording them in the thrown error's message).
 */
export async function importDump(redis: Redis, source: DumpSource, opts: ImportOptions): Promise<ImportResult> {
  await checkImportTarget(redis, opts);
  const imp = new Importer(redis, opts);
  const r = imp.r;
  const batchKeys = opts.batchKeys ?? DEFAULT_BATCH_KEYS;
  const batchBytes = opts.batchBytes ?? DEFAULT_BATCH_BYTES;
  const records = readDump(source)[Symbol.asyncIterator]();
  let batch: Batch = { db: -1, recs: [], bytes: 0 };
  let lastOffset = 0;
  const trackBytes = (offset: number) => {
    lastOffset = offset;
  };
  const flush = async () => {
    const b = batch;
    batch = { db: -1, recs: [], bytes: 0 };
    await imp.send(b);
  };
  try {
    for (;;) {
      if (opts.signal?.aborted) throw new Error("import cancelled");
      const next = await records.next();
      if (next.done) break;
      const rec = next.value;
      trackBytes(rec.offset);
      r.bytes = rec.offset;
      switch (rec.kind) {
        case "header":
          r.header = rec.header;
          break;
        case "key": {
          r.keys++;
          const db = imp.dbOf(rec.db);
          if (batch.recs.length > 0 && batch.db !== db) await flush();
          batch.db = db;
          batch.recs.push(rec);
          batch.bytes += rec.payload.length + rec.name.length;
          if (batch.recs.length >= batchKeys || batch.bytes >= batchBytes) await flush();
          break;
        }
        case "chunk-begin":
          r.keys++;
          await flush();
          await imp.drain();
          if (imp.isStopped) break;
          await imp.chunked(rec, records, trackBytes);
          r.bytes = lastOffset;
          opts.onProgress?.(imp.progress());
          break;
        case "trailer":
          r.trailer = rec.trailer;
          break;
        default:
          throw new DumpFormatError(rec.offset, `corrupt: unexpected ${rec.kind} record`);
      }
      if (imp.isStopped) break;
    }
    if (!imp.isStopped) await flush();
    await imp.drain();
    if (r.trailer) r.bytes = lastOffset;
    if (r.status === "done" && r.failed > 0) {
      // Never a plain "done" when keys are missing from the target.
      const first = r.failures[0];
      r.status = r.restored === 0 ? "failed" : "partial";
      r.error = `${r.failed} key${r.failed === 1 ? "" : "s"} could not be restored${first ? `; the first, ${first.key}: ${first.error}` : ""}`;
    }
  } catch (err) {
    if (err instanceof DumpFormatError) {
      // The records before the bad one are whole and checked: apply them, then report.
      await flush().then(() => imp.drain()).catch(() => undefined);
      if (!imp.isStopped) {
        r.status = "failed";
        r.error = err.reason;
        r.errorOffset = err.offset;
      }
    } else {
      await imp.drain().catch(() => undefined);
      r.status = "failed";
      r.error = err instanceof Error ? err.message : String(err);
    }
  } finally {
    await records.return?.(undefined).catch(() => undefined);
  }
  return r;
}
