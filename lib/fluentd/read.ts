// Finds fluentd records on one node: a bounded SCAN, then pipelined reads of what looks like
// fluent-plugin-redis hashes or fluent-plugin-redis-store zsets/lists/strings. Bounded three ways:
// keys examined per request, elements read per key, and records returned.
import type Redis from "ioredis";
import { encodeKey, utf8IfExact } from "../keys/codec";
import { ensureDb } from "../keys/db";
import { asBuffers, asNumber, asScanReply, asText, unwrapResults } from "../keys/reply";
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

export interface FluentPage {
  cursor: string;
  scanned: number;
  groups: TagGroup[];
  records: number;
  /** More records existed than were returned. */
  truncated: boolean;
}

const PER_KEY = 500;
const MAX_HASH_FIELDS = 256;
const MAX_STRING_BYTES = 64 * 1024;

export async function readFluentd(redis: Redis, q: FluentQuery): Promise<FluentPage> {
  const maxScanned = q.maxScanned ?? 20_000;
  const maxRecords = q.maxRecords ?? 2000;
  await ensureDb(redis, q.db);
  const filter: (string | Buffer)[] = q.match && q.match !== "*" ? ["MATCH", Buffer.from(q.match, "utf8")] : [];
  let cursor = q.cursor;
  let scanned = 0;
  const keys: Buffer[] = [];
  do {
    const reply = asScanReply(await redis.callBuffer("SCAN", [cursor, ...filter, "COUNT", 1000]), "SCAN");
    cursor = reply.cursor;
    scanned += 1000;
    keys.push(...reply.items);
  } while (cursor !== "0" && scanned < maxScanned);

  const typePipe = redis.pipeline();
  for (const k of keys) typePipe.type(k);
  const types = unwrapResults(keys.length ? await typePipe.exec() : [], "TYPE").map((t) => asText(t, "TYPE"));

  const records: FluentRecord[] = [];
  const reads: { key: Buffer; name: string; type: string; hash?: ReturnType<typeof parseHashKey> }[] = [];
  keys.forEach((key, i) => {
    const name = utf8IfExact(key);
    const type = types[i] ?? "none";
    if (name === null) return; // fluentd tags are text
    if (type === "hash") {
      const hash = parseHashKey(name);
      if (hash && inWindow(hash.time, q)) reads.push({ key, name, type, hash });
    } else if (type === "zset" || type === "list" || type === "string") reads.push({ key, name, type });
  });

  const pipe = redis.pipeline();
  for (const r of reads) {
    if (r.type === "hash") pipe.hlen(r.key).callBuffer("HGETALL", r.key);
    else if (r.type === "zset") pipe.callBuffer("ZRANGEBYSCORE", r.key, q.from ?? "-inf", q.to ?? "+inf", "WITHSCORES", "LIMIT", 0, PER_KEY);
    else if (r.type === "list") pipe.callBuffer("LRANGE", r.key, -PER_KEY, -1);
    else pipe.strlen(r.key).callBuffer("GETRANGE", r.key, 0, MAX_STRING_BYTES);
  }
  // Per-command errors (a key replaced meanwhile) only drop that key.
  const results = reads.length ? ((await pipe.exec()) ?? []) : [];
  let at = 0;
  for (const r of reads) {
    const token = encodeKey(r.key);
    if (r.type === "hash" || r.type === "string") {
      const [lenErr, len] = results[at++] ?? [null, 0];
      const [err, raw] = results[at++] ?? [null, null];
      if (lenErr || err || raw === null) continue;
      if (r.type === "hash" && r.hash) {
        if (asNumber(len, "HLEN") > MAX_HASH_FIELDS) continue;
        const flat = asBuffers(raw, "HGETALL").map((b) => b.toString("utf8"));
        records.push({ tag: r.hash.tag, time: r.hash.time, index: r.hash.index, key: token, source: "hash", record: recordFromHash(flat) });
      } else if (asNumber(len, "STRLEN") <= MAX_STRING_BYTES) {
        const rec = parseJsonRecord(asText(raw, "GET"));
        if (rec) records.push({ tag: r.name, time: timeOfRecord(rec), index: 0, key: token, source: "string", record: rec });
      }
      continue;
    }
    const [err, raw] = results[at++] ?? [null, null];
    if (err || !Array.isArray(raw)) continue;
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
  }

  const groups = groupByTag(records, q.from, q.to);
  // Keep the newest records of each tag when there are too many to send.
  const total = groups.reduce((n, g) => n + g.records.length, 0);
  let truncated = false;
  if (total > maxRecords) {
    truncated = true;
    const share = Math.max(20, Math.floor(maxRecords / groups.length));
    for (const g of groups) g.records = g.records.slice(-share);
  }
  return { cursor, scanned, groups, records: groups.reduce((n, g) => n + g.records.length, 0), truncated };
}

function inWindow(time: number, q: FluentQuery): boolean {
  return (q.from === undefined || time >= q.from) && (q.to === undefined || time <= q.to);
}
