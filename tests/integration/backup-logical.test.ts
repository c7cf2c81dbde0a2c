// Logical export/import (.rsd) against real servers: every type with TTLs, binary names and a
// stream with consumer groups round-trips to an identical data set (DEBUG DIGEST); big values go
// in parts and come back identical; each conflict policy does exactly what it says; a truncated or
// corrupted file stops at the bad record's byte offset with the keys before it restored; a
// read-only replica is refused.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Redis from "ioredis";
import { startRedis, stopAll, type LocalRedis } from "../../lib/redis/local-server";
import { exportNode } from "../../lib/backup/logical/export";
import { importDump, ImportRefusedError } from "../../lib/backup/logical/import";
import { readDump } from "../../lib/backup/logical/reader";
import { DumpWriter } from "../../lib/backup/logical/writer";
import { PassThrough } from "node:stream";
import { waitFor } from "../support/wait";

const ARGS = ["--save", "", "--appendonly", "no", "--enable-debug-command", "yes"];
let src: LocalRedis;
let dst: LocalRedis;
let replica: LocalRedis;
let a: Redis;
let b: Redis;
let r: Redis;
const dir = mkdtempSync(path.join(tmpdir(), "replscope-rsd-"));
const BIN = Buffer.from([0xff, 0x00, 0x80, 0x0a]);

before(async () => {
  [src, dst] = await Promise.all([startRedis({ args: ARGS }), startRedis({ args: ARGS })]);
  replica = await startRedis({ args: [...ARGS, "--replicaof", "127.0.0.1", String(src.port)] });
  a = new Redis({ port: src.port, host: "127.0.0.1" });
  b = new Redis({ port: dst.port, host: "127.0.0.1" });
  r = new Redis({ port: replica.port, host: "127.0.0.1" });
  await a.set("s", "text");
  await a.set(BIN, Buffer.from([0, 1, 2, 255]));
  await a.set("ttl", "t", "PX", 3_600_000);
  await a.hset("h", "a", "1", "b", "2");
  await a.rpush("l", "a", "b", "c");
  await a.sadd("set", "m1", "m2");
  await a.zadd("z", 1, "a", 2.5, "b");
  await a.expire("z", 5000);
  await a.select(2);
  await a.set("in-db-2", "x");
  await a.select(0);
  await a.xadd("x", "1-1", "k", "v");
  await a.xadd("x", "2-1", "k", "w");
  await a.xgroup("CREATE", "x", "g1", "0");
  await a.xreadgroup("GROUP", "g1", "c1", "COUNT", "1", "STREAMS", "x", ">");
});

after(async () => {
  for (const c of [a, b, r]) c?.disconnect();
  await stopAll([src, dst, replica].filter(Boolean));
  rmSync(dir, { recursive: true, force: true });
});

async function exportTo(file: string, redis: Redis, opts: Partial<Parameters<typeof exportNode>[2]> = {}) {
  const conn = redis.duplicate();
  try {
    return await exportNode(conn, createWriteStream(file), { node: "src", ...opts });
  } finally {
    conn.disconnect();
  }
}

async function importFrom(file: string | Buffer, redis: Redis, policy: "skip" | "replace" | "stop", extra: { allowReplica?: boolean; batchKeys?: number; db?: number } = {}) {
  const conn = redis.duplicate();
  try {
    const source = typeof file === "string" ? createReadStream(file, { highWaterMark: 4096 }) : [file];
    return await importDump(conn, source, { policy, ...extra });
  } finally {
    conn.disconnect();
  }
}

async function digests(redis: Redis, dbs: number[]): Promise<string[]> {
  const out: string[] = [];
  const c = redis.duplicate();
  for (const db of dbs) {
    await c.select(db);
    out.push(String(await c.call("DEBUG", "DIGEST")));
  }
  c.disconnect();
  return out;
}

test("every type, binary names, TTLs, a stream with a group: exported and imported identically", async () => {
  const file = path.join(dir, "all.rsd");
  const { header, trailer } = await exportTo(file, a);
  assert.equal(trailer.keys, 9);
  assert.deepEqual(header.dbs, [0, 2]);
  assert.equal(trailer.types.stream, 1);
  assert.equal(trailer.chunked, 0);
  assert.match(header.replid, /^[0-9a-f]{40}$/);
  const before = readFileSync(file);
  const result = await importFrom(file, b, "stop");
  assert.equal(result.status, "done", String(result.error));
  assert.equal(result.restored, 9);
  assert.ok(result.restoredKeys.includes("b64:" + BIN.toString("base64")));
  assert.deepEqual(await digests(b, [0, 2]), await digests(a, [0, 2]));
  assert.notEqual((await digests(b, [0]))[0], "0000000000000000000000000000000000000000");
  // The group's pending entry came along (DUMP carries groups and PEL).
  const pending = (await b.xpending("x", "g1")) as unknown[];
  assert.equal(pending[0], 1);
  assert.ok(Number(await b.pttl("ttl")) > 3_000_000);
  assert.deepEqual(readFileSync(file), before, "the source file is not modified");
});

test("big values go in parts (20 MB string, 200k-field hash, list, set, zset, stream with groups) and come back identical", async () => {
  await a.select(5);
  await b.select(5);
  try {
    await a.call("EVAL", "for i=1,20 do redis.call('APPEND', KEYS[1], string.rep(string.char(65 + i), 1048576)) end return 1", "1", "big-string");
    await a.call("EVAL", "for i=0,199 do local t={} for j=1,1000 do t[#t+1]='f'..(i*1000+j); t[#t+1]='v'..j end redis.call('HSET', KEYS[1], unpack(t)) end return 1", "1", "big-hash");
    await a.call("EVAL", "for i=0,19 do local t={} for j=1,1000 do t[#t+1]='e'..(i*1000+j) end redis.call('RPUSH', KEYS[1], unpack(t)); redis.call('SADD', KEYS[2], unpack(t)) end return 1", "2", "big-list", "big-set");
    await a.call("EVAL", "for i=0,19 do local t={} for j=1,1000 do t[#t+1]=tostring((i*1000+j)/7); t[#t+1]='m'..(i*1000+j) end redis.call('ZADD', KEYS[1], unpack(t)) end return 1", "1", "big-zset");
    await a.call("EVAL", "for i=1,3000 do redis.call('XADD', KEYS[1], i..'-0', 'f', string.rep('x', 100)) end return 1", "1", "big-stream");
    await a.xgroup("CREATE", "big-stream", "g", "0");
    await a.xgroup("CREATE", "big-stream", "later", "$");
    await a.xreadgroup("GROUP", "g", "alice", "COUNT", "300", "STREAMS", "big-stream", ">");
    await a.xreadgroup("GROUP", "g", "bob", "COUNT", "5", "STREAMS", "big-stream", ">");
    await a.xgroup("CREATECONSUMER", "big-stream", "g", "idle-one");
    await a.xdel("big-stream", "2999-0");
    await a.pexpire("big-hash", 3_600_000);
    const file = path.join(dir, "big.rsd");
    const { trailer } = await exportTo(file, a, { db: 5, chunkAboveBytes: 128 * 1024 });
    assert.equal(trailer.keys, 6);
    assert.equal(trailer.chunked, 6);
    const result = await importFrom(file, b, "stop");
    assert.equal(result.status, "done", String(result.error));
    assert.equal(result.restored, 6);
    for (const k of ["big-string", "big-hash", "big-list", "big-set", "big-zset", "big-stream"]) {
      assert.equal(String(await b.call("DEBUG", "DIGEST-VALUE", k)), String(await a.call("DEBUG", "DIGEST-VALUE", k)), k);
    }
    assert.equal(await b.strlen("big-string"), 20 * 1024 * 1024);
    assert.equal(await b.hlen("big-hash"), 200_000);
    assert.ok((await b.pttl("big-hash")) > 3_000_000);
    // Groups, consumers and the pending entries list (DEBUG DIGEST-VALUE covers entries only).
    const groups = (await b.xinfo("GROUPS", "big-stream")) as unknown[][];
    const groupsA = (await a.xinfo("GROUPS", "big-stream")) as unknown[][];
    assert.deepEqual(groups, groupsA);
    const pendB = (await b.xpending("big-stream", "g")) as unknown[];
    assert.deepEqual(pendB, await a.xpending("big-stream", "g"));
    assert.equal(pendB[0], 305);
    const consumers = ((await b.xinfo("CONSUMERS", "big-stream", "g")) as unknown[][]).map((c) => c[1]).sort();
    assert.deepEqual(consumers, ["alice", "bob", "idle-one"]);
    assert.deepEqual(await b.call("XINFO", "STREAM", "big-stream").then((v) => (v as unknown[]).slice(0, 12)), await a.call("XINFO", "STREAM", "big-stream").then((v) => (v as unknown[]).slice(0, 12)));
    assert.equal((await b.scan("0", "MATCH", "*replscope-import*", "COUNT", "1000"))[1].length, 0, "no temp key left behind");
  } finally {
    await a.flushdb();
    await b.flushdb();
    await a.select(0);
    await b.select(0);
  }
});

test("conflict policies: skip, replace, stop exactly at the first existing key", async () => {
  await a.select(6);
  await b.select(6);
  try {
    const names = Array.from({ length: 50 }, (_, i) => `k${String(i).padStart(2, "0")}`);
    for (const n of names) await a.set(n, `new-${n}`);
    const file = path.join(dir, "policy.rsd");
    await exportTo(file, a, { db: 6 });
    // File order is SCAN order: pick the conflicting key by its position in the file.
    const order: string[] = [];
    for await (const rec of readDump(createReadStream(file))) if (rec.kind === "key") order.push(rec.name.toString());
    const conflict = order[20]!;
    const reset = async () => {
      await b.flushdb();
      await b.set(conflict, "old");
    };

    await reset();
    const skip = await importFrom(file, b, "skip", { batchKeys: 7 });
    assert.deepEqual([skip.status, skip.restored, skip.skipped], ["done", 49, 1]);
    assert.equal(await b.get(conflict), "old");

    await reset();
    const replace = await importFrom(file, b, "replace", { batchKeys: 7 });
    assert.deepEqual([replace.status, replace.restored, replace.skipped], ["done", 50, 0]);
    assert.equal(await b.get(conflict), `new-${conflict}`);

    await reset();
    const stop = await importFrom(file, b, "stop", { batchKeys: 7 });
    assert.equal(stop.status, "stopped");
    assert.equal(stop.conflictKey, conflict);
    assert.equal(stop.restored, 20);
    assert.deepEqual(stop.restoredKeys, order.slice(0, 20));
    assert.equal(await b.get(conflict), "old");
    assert.equal(await b.dbsize(), 21, "nothing after the conflicting key was restored");
    for (const k of order.slice(21)) assert.equal(await b.exists(k), 0, k);
  } finally {
    await a.flushdb();
    await b.flushdb();
    await a.select(0);
    await b.select(0);
  }
});

test("truncated and corrupted files stop at the bad record's offset; the keys before it are restored and listed", async () => {
  await a.select(7);
  await b.select(7);
  try {
    for (let i = 0; i < 30; i++) await a.set(`t${i}`, `v${i}`);
    const file = path.join(dir, "bad.rsd");
    await exportTo(file, a, { db: 7 });
    const whole = readFileSync(file);
    const offsets: { offset: number; name: string }[] = [];
    for await (const rec of readDump([whole])) if (rec.kind === "key") offsets.push({ offset: rec.offset, name: rec.name.toString() });

    // Cut inside the 11th key record.
    const cutAt = offsets[10]!.offset + 7;
    const truncated = await importFrom(whole.subarray(0, cutAt), b, "stop", { batchKeys: 4 });
    assert.equal(truncated.status, "failed");
    assert.equal(truncated.errorOffset, offsets[10]!.offset);
    assert.match(String(truncated.error), new RegExp(`truncated: the file ends at byte ${cutAt}`));
    assert.deepEqual(truncated.restoredKeys, offsets.slice(0, 10).map((o) => o.name));
    assert.equal(await b.dbsize(), 10);

    await b.flushdb();
    const corrupt = Buffer.from(whole);
    const flipAt = offsets[15]!.offset + 12;
    corrupt[flipAt] = corrupt[flipAt]! ^ 0x40;
    const corrupted = await importFrom(corrupt, b, "stop", { batchKeys: 4 });
    assert.equal(corrupted.status, "failed");
    assert.equal(corrupted.errorOffset, offsets[15]!.offset);
    assert.match(String(corrupted.error), /checksum \(CRC32\) mismatch/);
    assert.equal(corrupted.restored, 15);
    assert.deepEqual(corrupted.restoredKeys, offsets.slice(0, 15).map((o) => o.name));
    assert.equal(await b.dbsize(), 15);

    await b.flushdb();
    const notDump = path.join(dir, "not.rsd");
    writeFileSync(notDump, "hello world");
    const bad = await importFrom(notDump, b, "stop");
    assert.deepEqual([bad.status, bad.errorOffset, bad.restored], ["failed", 0, 0]);
    assert.match(String(bad.error), /not a replscope dump/);
    assert.equal(statSync(notDump).size, 11);
  } finally {
    await a.flushdb();
    await b.flushdb();
    await a.select(0);
    await b.select(0);
  }
});

test("expired keys are counted, not restored", async () => {
  await a.select(8);
  await b.select(8);
  try {
    await a.set("soon", "x", "PX", 300);
    await a.set("later", "y", "PX", 3_600_000);
    const file = path.join(dir, "exp.rsd");
    await exportTo(file, a, { db: 8 });
    await waitFor("the key expired on the source", () => a.exists("soon"), (n) => n === 0);
    const res = await importFrom(file, b, "stop");
    assert.deepEqual([res.status, res.restored, res.expired], ["done", 1, 1]);
    assert.equal(await b.exists("soon"), 0);
  } finally {
    await a.flushdb();
    await b.flushdb();
    await a.select(0);
    await b.select(0);
  }
});

test("a read-only replica is refused up front; a writable one only with allowReplica", async () => {
  await waitFor("replica linked", async () => (await r.info("replication")).includes("master_link_status:up"), Boolean, 20_000);
  const file = path.join(dir, "all.rsd");
  await assert.rejects(importFrom(file, r, "skip"), (err: unknown) => err instanceof ImportRefusedError && /read-only replica/.test(err.message));
  await r.config("SET", "replica-read-only", "no");
  try {
    await assert.rejects(importFrom(file, r, "skip"), (err: unknown) => err instanceof ImportRefusedError && /writable replica/.test(err.message));
  } finally {
    await r.config("SET", "replica-read-only", "yes");
  }
});

test("100,000 keys of every type with TTLs and a stream with groups: DEBUG DIGEST and the compare engine agree", async () => {
  const { readFingerprintsFast } = await import("../../lib/redis/script-fingerprint");
  const { compareFingerprints } = await import("../../lib/redis/fingerprint");
  await a.select(9);
  await b.select(9);
  try {
    await a.call("DEBUG", "POPULATE", "60000", "str", "16");
    await a.call(
      "EVAL",
      `for i = 1, 10000 do
        redis.call('HSET', 'hash:' .. i, 'a', i, 'b', 'two', 'c', 'three')
        redis.call('RPUSH', 'list:' .. i, 'x', i, 'z')
        redis.call('SADD', 'set:' .. i, 'm1', 'm' .. i)
        if i < 10000 then redis.call('ZADD', 'zset:' .. i, 1, 'a', i / 3, 'b') end
      end
      return 1`,
      "0",
    );
    for (let i = 1; i <= 50; i++) await a.xadd("events", `${i}-0`, "n", String(i));
    await a.xgroup("CREATE", "events", "workers", "0");
    await a.xgroup("CREATE", "events", "audit", "$");
    await a.xreadgroup("GROUP", "workers", "w1", "COUNT", "10", "STREAMS", "events", ">");
    await a.call("EVAL", "local c='0' local n=0 repeat local r=redis.call('SCAN', c, 'COUNT', 1000) c=r[1] for _,k in ipairs(r[2]) do n=n+1 if n % 7 == 0 then redis.call('PEXPIRE', k, 3600000 + n) end end until c=='0' return n", "0");
    assert.equal(await a.dbsize(), 100_000);

    const file = path.join(dir, "100k.rsd");
    const { trailer } = await exportTo(file, a, { db: 9 });
    assert.equal(trailer.keys, 100_000);
    assert.deepEqual(trailer.types, { string: 60_000, hash: 10_000, list: 10_000, set: 10_000, zset: 9_999, stream: 1 });
    const res = await importFrom(file, b, "stop");
    assert.equal(res.status, "done", String(res.error));
    assert.equal(res.restored, 100_000);
    assert.equal(await b.dbsize(), 100_000);
    assert.equal(String(await b.call("DEBUG", "DIGEST")), String(await a.call("DEBUG", "DIGEST")));

    // The compare engine's fingerprints (type, length, content digest, absolute expiry) key by key.
    let compared = 0;
    let differences = 0;
    let cursor = "0";
    do {
      const [next, names] = await a.scanBuffer(cursor, "COUNT", "1000");
      cursor = String(next);
      const [fa, fb] = await Promise.all([readFingerprintsFast(a, names, { db: 9 }), readFingerprintsFast(b, names, { db: 9 })]);
      names.forEach((_, i) => {
        compared++;
        if (compareFingerprints(fa[i] ?? null, fb[i] ?? null, 0) !== null) differences++;
      });
    } while (cursor !== "0");
    assert.equal(compared, 100_000);
    assert.equal(differences, 0);
    const expires = async (c: Redis) => Number(/db9:keys=\d+,expires=(\d+)/.exec(await c.info("keyspace"))?.[1]);
    assert.equal(await expires(b), await expires(a));
    assert.ok((await expires(a)) >= 14_000, "one key in seven has a TTL");
  } finally {
    await a.flushdb();
    await b.flushdb();
    await a.select(0);
    await b.select(0);
  }
});

test("filters: MATCH and TYPE select the keys; the header records them", async () => {
  await a.select(10);
  try {
    await a.set("user:1", "x");
    await a.hset("user:2", "f", "v");
    await a.set("order:1", "y");
    const file = path.join(dir, "filtered.rsd");
    const { header, trailer } = await exportTo(file, a, { db: 10, match: "user:*", type: "string" });
    assert.deepEqual(header.filters, { match: "user:*", db: 10, type: "string" });
    assert.equal(trailer.keys, 1);
    const names: string[] = [];
    for await (const rec of readDump(createReadStream(file))) if (rec.kind === "key") names.push(`${rec.db}/${rec.name.toString()}/${rec.type}`);
    assert.deepEqual(names, ["10/user:1/string"]);
  } finally {
    await a.flushdb();
    await a.select(0);
  }
});

test("an import with db set puts every key of a multi-db file into that db", async () => {
  const file = path.join(dir, "all.rsd");
  const res = await importFrom(file, b, "stop", { db: 12 });
  assert.deepEqual([res.status, res.restored], ["done", 9]);
  await b.select(12);
  try {
    assert.equal(await b.dbsize(), 9);
    assert.equal(await b.get("in-db-2"), "x");
  } finally {
    await b.flushdb();
    await b.select(0);
  }
});

test("keys gone (or of another type) between SCAN and the read are skipped and counted as vanished", async () => {
  const { exportKeys } = await import("../../lib/backup/logical/export");
  const { DumpWriter } = await import("../../lib/backup/logical/writer");
  const { PassThrough } = await import("node:stream");
  await a.select(13);
  try {
    await a.set("here", "1");
    await a.hset("now-a-hash", "f", "v");
    const out = new PassThrough();
    out.resume();
    const w = new DumpWriter(out);
    const names = ["here", "deleted-meanwhile", "now-a-hash"].map((n) => Buffer.from(n));
    const any = await exportKeys(a, w, 13, names);
    assert.deepEqual([any.keys, any.vanished], [2, 1]);
    const strings = await exportKeys(a, w, 13, names, { type: "string" });
    assert.deepEqual([strings.keys, strings.vanished, strings.types], [1, 2, { string: 1 }]);
  } finally {
    await a.flushdb();
    await a.select(0);
  }
});

/** A whole, well-framed file whose key payloads are given (a bad one is refused by RESTORE, not by the reader). */
async function fileOf(keys: { name: string; payload: Buffer }[]): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on("data", (c: Buffer) => chunks.push(c));
  const w = new DumpWriter(out);
  await w.header({
    format: "replscope-dump", version: 1, source: { node: "src", topology: null }, redisVersion: "7.0.15", role: "master",
    replid: "a".repeat(40), offset: 0, filters: { match: null, db: null, type: null }, dbs: [8], startedAt: 1, chunkAboveBytes: 1024 * 1024,
  });
  for (const k of keys) await w.key(8, Buffer.from(k.name), "string", -1, k.payload);
  await w.trailer({ keys: keys.length, types: { string: keys.length }, chunked: 0, vanished: 0, replid: "a".repeat(40), offset: 0, finishedAt: 2 });
  return Buffer.concat(chunks);
}

test("keys RESTORE refuses make the import partial (some restored) or failed (none), with the first Redis error", async () => {
  await a.select(8);
  await b.select(8);
  try {
    await a.set("good1", "v1");
    await a.set("good2", "v2");
    const good1 = (await a.dumpBuffer("good1"))!;
    const good2 = (await a.dumpBuffer("good2"))!;
    // A payload whose RDB checksum is wrong: the .rsd framing is intact, RESTORE refuses the key.
    const broken = Buffer.from(good1);
    broken[broken.length - 1] = broken[broken.length - 1]! ^ 0xff;
    const partial = await importFrom(await fileOf([{ name: "k1", payload: good1 }, { name: "bad", payload: broken }, { name: "k2", payload: good2 }]), b, "skip");
    assert.equal(partial.status, "partial");
    assert.deepEqual([partial.restored, partial.failed, partial.skipped], [2, 1, 0]);
    assert.match(String(partial.error), /bad.*DUMP payload version or checksum are wrong/);
    assert.deepEqual(partial.failures.map((f) => f.key), ["bad"]);
    assert.equal(await b.dbsize(), 2);

    await b.flushdb();
    const none = await importFrom(await fileOf([{ name: "bad", payload: broken }]), b, "replace");
    assert.equal(none.status, "failed");
    assert.deepEqual([none.restored, none.failed], [0, 1]);
    assert.match(String(none.error), /DUMP payload version or checksum are wrong/);

    const clean = await importFrom(await fileOf([{ name: "k1", payload: good1 }]), b, "replace");
    assert.deepEqual([clean.status, clean.error, clean.restored], ["done", null, 1]);
  } finally {
    await a.flushdb();
    await b.flushdb();
    await a.select(0);
    await b.select(0);
  }
});

test("a collection over 5,000 elements goes to parts; a group over 1,000 consumers is noted, its consumers come back through the PEL", async () => {
  await a.select(9);
  await b.select(9);
  try {
    const fieldsArgs: string[] = [];
    for (let i = 0; i < 6000; i++) fieldsArgs.push(`f${i}`, "v");
    await a.hset("many", ...fieldsArgs); // ~200 KB: under the 1 MiB limit, over the element bound
    const file = path.join(dir, "many.rsd");
    const { trailer } = await exportTo(file, a, { db: 9 });
    assert.equal(trailer.chunked, 1);
    assert.deepEqual(trailer.notes, []);
    assert.equal(trailer.omitted, 0);
    assert.equal((await importFrom(file, b, "replace")).status, "done");
    assert.equal(String(await b.call("DEBUG", "DIGEST-VALUE", "many")), String(await a.call("DEBUG", "DIGEST-VALUE", "many")));
    assert.equal(await b.hlen("many"), 6000);
    await a.flushdb();
    await b.flushdb();

    await a.xadd("s", "1-1", "k", "v");
    await a.xgroup("CREATE", "s", "crowd", "0");
    await a.xgroup("CREATE", "s", "few", "0");
    const p = a.pipeline();
    for (let i = 0; i < 1001; i++) p.xgroup("CREATECONSUMER", "s", "crowd", `c${i}`);
    p.xgroup("CREATECONSUMER", "s", "few", "idle");
    await p.exec();
    await a.xreadgroup("GROUP", "crowd", "c7", "COUNT", "1", "STREAMS", "s", ">");
    await a.xreadgroup("GROUP", "few", "reader", "COUNT", "1", "STREAMS", "s", ">");
    const sfile = path.join(dir, "crowd.rsd");
    const out = await exportTo(sfile, a, { db: 9, chunkAboveBytes: 1 });
    assert.equal(out.trailer.chunked, 1);
    assert.equal(out.trailer.notes?.length, 1);
    assert.match(out.trailer.notes?.[0] ?? "", /"s" group "crowd": its 1001 consumers \(over 1000\) were not listed/);
    assert.equal((await importFrom(sfile, b, "replace")).status, "done");
    const groups = (await b.call("XINFO", "GROUPS", "s")) as unknown[][];
    const consumersOf = (g: string) => {
      const row = groups.find((r) => r[1] === g)!;
      return Number(row[row.indexOf("consumers") + 1]);
    };
    assert.equal(consumersOf("crowd"), 1, "only the consumer owning a pending entry");
    assert.equal(consumersOf("few"), 2, "a small group keeps its idle consumer too");
    assert.deepEqual(((await b.xpending("s", "crowd")) as unknown[])[0], 1);
  } finally {
    await a.flushdb();
    await b.flushdb();
    await a.select(0);
    await b.select(0);
  }
});
