// Finds fluentd records on one node: a bounded SCAN, then sizes (lib/redis/sizes.ts), then pipelined
// reads of what looks like fluent-plugin-redis hashes or fluent-plugin-redis-store zsets/lists/
// strings. Bounded four ways: keys examined per request, elements and bytes read per key (sizes
// first: a hash named like a record but holding 2,000,000 fields is never read, only flagged),
// bytes read per request, and records returned.
import type Redis from "ioredis";
import { formatBytes } from "../format";
import { estimateBytes, planElements } from "../redis/budget";
import { encodeKey, utf8IfExact } from "../keys/codec";
import { ensureDb } from "../redis/db";
import { asBuffers, asText, unwrapResults } from "../redis/reply";
import { scanStep } from "../keyspace/scan-source";
import { probeSizes } from "../redis/sizes";
import { groupByTag, parseHashKey, parseJsonRecord, recordFromHash, timeOfRecord, type FluentRecord, type TagGroup } from "./parse";

export interface FluentQuery {
  db: number;
  cursor: string;
  match?: string;
  /** Unix seconds, inclusive. */
  from?: number;
  to?: number;
  maxScanned?: number;
  maxRecords?: number;
}

export interface SkippedKey {
  /** codec token */
  key: string;
  reason: string;
}

export interface FluentPage {
  cursor: string;
  scanned: number;
  groups: TagGroup[];
  records: number;
  /** More records existed than were returned. */
  truncated: boolean;
  /** Keys named like records that were too large to read (first MAX_SKIPPED). */
  skipped: SkippedKey[];
}

const PER_KEY = 500;
const MAX_HASH_FIELDS = 256;
/** A record (hash or string) larger than this is not read: real fluentd records are far smaller. */
const MAX_RECORD_BYTES = 64 * 1024;
/** Bytes one request reads in all, and per pipeline: the dashboard's memory stays bounded. */
const REQUEST_BYTES = 8 * 1024 * 1024;
const PIPELINE_BYTES = 2 * 1024 * 1024;
const MAX_SKIPPED = 50;

interface Read {
  key: Buffer;
  name: string;
  type: string;
  hash?: ReturnType<typeof parseHashKey>;
  args: (string | number | Buffer)[];
  bytes: number;
}

export async function readFluentd(redis: Redis, q: FluentQuery): Promise<FluentPage> {
  const maxScanned = q.maxScanned ?? 20_000;
  const maxRecords = q.maxRecords ?? 2000;
  await ensureDb(redis, q.db);
  let cursor = q.cursor;
  let scanned = 0;
  const keys: Buffer[] = [];
  do {
    const step = await scanStep(redis, cursor, { match: q.match }, 1000);
    cursor = step.cursor;
    scanned += 1000;
    keys.push(...step.keys);
  } while (cursor !== "0" && scanned < maxScanned);

  const typePipe = redis.pipeline();
  for (const k of keys) typePipe.type(k);
  const types = unwrapResults(keys.length ? await typePipe.exec() : [], "TYPE").map((t) => asText(t, "TYPE"));

  const candidates: Omit<Read, "args" | "bytes">[] = [];
  keys.forEach((key, i) => {
    const name = utf8IfExact(key);
    const type = types[i] ?? "none";
    if (name === null) return; // fluentd tags are text
    if (type === "hash") {
      const hash = parseHashKey(name);
      if (hash && inWindow(hash.time, q)) candidates.push({ key, name, type, hash });
    } else if (type === "zset" || type === "list" || type === "string") candidates.push({ key, name, type });
  });

  const sizes = await probeSizes(redis, candidates);
  const skipped: SkippedKey[] = [];
  let truncated = false;
  const reads: Read[] = [];
  candidates.forEach((c, i) => {
    const size = sizes[i];
    if (!size) return;
    const skip = (reason: string) => skipped.length < MAX_SKIPPED && skipped.push({ key: encodeKey(c.key), reason });
    if (c.type === "hash") {
      if (size.length > MAX_HASH_FIELDS) skip(`${size.length} fields, over the ${MAX_HASH_FIELDS} a record may have`);
      else if (size.memory === null) skip("size unknown (MEMORY USAGE failed)");
      else if (size.memory > MAX_RECORD_BYTES) skip(`${formatBytes(size.memory)}, over the ${formatBytes(MAX_RECORD_BYTES)} a record may have`);
      // At most 256 fields whose exact total (MEMORY USAGE SAMPLES 0) is at most 64 KB. Read with one
      // HSCAN COUNT 256, not a whole-hash read: bounded even if the hash grew since it was sized.
      else reads.push({ ...c, args: ["HSCAN", c.key, "0", "COUNT", String(MAX_HASH_FIELDS)], bytes: size.memory });
    } else if (c.type === "string") {
      if (size.length <= MAX_RECORD_BYTES) reads.push({ ...c, args: ["GETRANGE", c.key, 0, MAX_RECORD_BYTES - 1], bytes: size.length });
    } else {
      const plan = planElements(size, PER_KEY);
      if ("tooLarge" in plan) return; // not records of ours to flag: lists and zsets are only candidates
      if (plan.perCall < Math.min(PER_KEY, size.length)) truncated = true;
      const args = c.type === "list"
        ? ["LRANGE", c.key, -plan.perCall, -1]
        : ["ZRANGEBYSCORE", c.key, q.from ?? "-inf", q.to ?? "+inf", "WITHSCORES", "LIMIT", 0, plan.perCall];
      reads.push({ ...c, args, bytes: estimateBytes(size, plan.perCall) });
    }
  });

  const records: FluentRecord[] = [];
  let budget = REQUEST_BYTES;
  for (let i = 0; i < reads.length; ) {
    if (budget <= 0) {
      truncated = true; // the rest of the keys are left for a narrower match or time range
      break;
    }
    const group: Read[] = [];
    let bytes = 0;
    for (; i < reads.length && (group.length === 0 || bytes + (reads[i]?.bytes ?? 0) <= PIPELINE_BYTES); i++) {
      const r = reads[i] as Read;
      group.push(r);
      bytes += r.bytes;
    }
    budget -= bytes;
    const pipe = redis.pipeline();
    for (const r of group) pipe.callBuffer(String(r.args[0]), ...r.args.slice(1));
    // Per-command errors (a key replaced meanwhile) only drop that key.
    const results = (await pipe.exec()) ?? [];
    group.forEach((r, j) => {
      const [err, raw] = results[j] ?? [null, null];
      if (err || raw === null) return;
      const problem = addRecords(records, r, raw);
      if (problem && skipped.length < MAX_SKIPPED) skipped.push({ key: encodeKey(r.key), reason: problem });
    });
  }

  const groups = groupByTag(records, q.from, q.to);
  // Keep the newest records of each tag when there are too many to send.
  const total = groups.reduce((n, g) => n + g.records.length, 0);
  if (total > maxRecords) {
    truncated = true;
    const share = Math.max(20, Math.floor(maxRecords / groups.length));
    for (const g of groups) g.records = g.records.slice(-share);
  }
  return { cursor, scanned, groups, records: groups.reduce((n, g) => n + g.records.length, 0), truncated, skipped };
}

/** Adds the key's records; a reason when the key could not be read whole (it is then skipped). */
function addRecords(records: FluentRecord[], r: Read, raw: unknown): string | null {
  const token = encodeKey(r.key);
  if (r.type === "hash" && r.hash) {
    const [cursor, fields] = Array.isArray(raw) ? raw : [];
    // A cursor other than 0: the hash outgrew one bounded HSCAN after it was sized; no partial record.
    if (String(cursor) !== "0") return `grew past ${MAX_HASH_FIELDS} fields while being read`;
    const flat = asBuffers(fields, "HSCAN").map((b) => b.toString("utf8"));
    records.push({ tag: r.hash.tag, time: r.hash.time, index: r.hash.index, key: token, source: "hash", record: recordFromHash(flat) });
    return null;
  }
  if (r.type === "string") {
    const rec = parseJsonRecord(asText(raw, "GETRANGE"));
    if (rec) records.push({ tag: r.name, time: timeOfRecord(rec), index: 0, key: token, source: "string", record: rec });
    return null;
  }
  if (!Array.isArray(raw)) return null;
  const items = asBuffers(raw, r.type).map((b) => b.toString("utf8"));
  if (r.type === "zset") {
    for (let i = 0; i + 1 < items.length; i += 2) {
      const rec = parseJsonRecord(items[i] ?? "");
      if (!rec) break; // not a fluentd zset (e.g. a leaderboard): skip the key
      records.push({ tag: r.name, time: Number(items[i + 1]), index: i / 2, key: token, source: "zset", record: rec });
    }
  } else {
    items.forEach((item, i) => {
      const rec = parseJsonRecord(item);
      if (rec) records.push({ tag: r.name, time: timeOfRecord(rec), index: i, key: token, source: "list", record: rec });
    });
  }
  return null;
}

function inWindow(time: number, q: FluentQuery): boolean {
  return (q.from === undefined || time >= q.from) && (q.to === undefined || time <= q.to);
}
