import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import Redis from "ioredis";
import { startRedis, stopAll, type LocalRedis } from "../../lib/redis/local-server";
import { decodeKey, encodeKey } from "../../lib/keys/codec";
import { InvalidGlobError } from "../../lib/keys/glob";
import { scanPage } from "../../lib/keys/scan";
import { readKey, STRING_SLICE_BYTES, type KeyDetails } from "../../lib/keys/value";

const TYPES_DB = 1;
const SPARSE_DB = 2;
const BINARY_KEY = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(":bin:"), Buffer.from([0x00, 0x80])]);
const BIG_HASH_FIELDS = 1_000_000;
const FILLER_KEYS = 50_000;
const NEEDLES = ["needle:1", "needle:2", "needle:3", "needle:4", "needle:5"];

let server: LocalRedis;
let admin: Redis; // setup only
let browser: Redis; // what the key browser gets: a dedicated connection

before(async () => {
  server = await startRedis();
  admin = new Redis({ port: server.port, host: server.host });
  browser = new Redis({ port: server.port, host: server.host });

  await admin.select(TYPES_DB);
  await admin.set("str:json", JSON.stringify({ a: 1, b: [1, 2] }));
  await admin.set("str:big", "x".repeat(STRING_SLICE_BYTES + 1000));
  await admin.set(BINARY_KEY, Buffer.from([0x00, 0xff, 0x10]));
  await admin.set("str:ttl", "soon", "EX", 3600);
  await admin.hset("hash:small", { f1: "v1", f2: "v2" });
  await admin.rpush("list:1", "a", "b", "c");
  await admin.sadd("set:1", "m1", "m2");
  await admin.zadd("zset:1", 1.5, "one", 2, "two");
  await admin.xadd("stream:1", "1-1", "k", "v1");
  await admin.xadd("stream:1", "2-1", "k", "v2");
  await admin.xgroup("CREATE", "stream:1", "g1", "0");
  await admin.xreadgroup("GROUP", "g1", "alice", "COUNT", 1, "STREAMS", "stream:1", ">");
  await fillHash(admin, "hash:big", BIG_HASH_FIELDS);

  await admin.select(SPARSE_DB);
  for (let start = 0; start < FILLER_KEYS; start += 1000) {
    const pairs: string[] = [];
    for (let i = start; i < start + 1000; i++) pairs.push(`filler:${i}`, "x");
    await admin.mset(...pairs);
  }
  await admin.mset(...NEEDLES.flatMap((n) => [n, "found"]));
});

after(async () => {
  browser?.disconnect();
  admin?.disconnect();
  await stopAll(server ? [server] : []);
});

/** HSET 1000 fields per command, 100 commands per pipeline: ~2 s for a million fields. */
async function fillHash(redis: Redis, key: string, fields: number): Promise<void> {
  for (let base = 0; base < fields; base += 100_000) {
    const pipe = redis.pipeline();
    for (let cmd = base; cmd < Math.min(fields, base + 100_000); cmd += 1000) {
      const args: string[] = [];
      for (let f = cmd; f < Math.min(fields, cmd + 1000); f++) args.push(`field:${f}`, `value:${f}`);
      pipe.hset(key, ...args);
    }
    await pipe.exec();
  }
}

async function allKeys(db: number, match: string | undefined, count: number) {
  const seen: string[] = [];
  let cursor = "0";
  let pages = 0;
  do {
    const page = await scanPage(browser, { db, match, cursor, count });
    seen.push(...page.keys.map((k) => k.key));
    cursor = page.cursor;
    pages++;
  } while (cursor !== "0");
  return { seen, pages };
}

test("browsing a db lists every type, the binary key and TTLs in seconds", async () => {
  const { seen } = await allKeys(TYPES_DB, undefined, 1000);
  const page = await scanPage(browser, { db: TYPES_DB, cursor: "0", count: 1000 });
  const byKey = new Map(page.keys.map((k) => [k.key, k]));
  assert.equal(seen.length, 10);
  assert.equal(new Set(seen).size, 10);
  assert.equal(byKey.get("hash:big")?.type, "hash");
  assert.equal(byKey.get("stream:1")?.type, "stream");
  assert.equal(byKey.get("zset:1")?.ttl, -1);
  const ttl = byKey.get("str:ttl")?.ttl ?? 0;
  assert.ok(ttl > 3590 && ttl <= 3600, `ttl ${ttl}`);
  const binary = byKey.get(encodeKey(BINARY_KEY));
  assert.equal(binary?.display, "\\xff\\xfe:bin:\\x00\\x80");
  assert.match(binary?.key ?? "", /^b64:/);
});

test("SCAN TYPE filter", async () => {
  const page = await scanPage(browser, { db: TYPES_DB, cursor: "0", count: 100, type: "zset" });
  assert.deepEqual(page.keys.map((k) => k.key), ["zset:1"]);
});

test("a sparse pattern over 50,000 keys is found in one call", async () => {
  const page = await scanPage(browser, { db: SPARSE_DB, match: "needle:*", cursor: "0", count: 10, maxScanned: 100_000 });
  assert.deepEqual(page.keys.map((k) => k.key).sort(), NEEDLES);
  assert.equal(page.cursor, "0");
  assert.ok(page.scanned >= FILLER_KEYS, `scanned ${page.scanned}`);
});

test("the default budget stops a sparse scan early and hands back a cursor", async () => {
  const page = await scanPage(browser, { db: SPARSE_DB, match: "nomatch:*", cursor: "0", count: 10 });
  assert.equal(page.keys.length, 0);
  assert.notEqual(page.cursor, "0");
  assert.equal(page.scanned, 10_000);
});

test("paging until cursor 0 yields every key exactly once", async () => {
  const { seen, pages } = await allKeys(SPARSE_DB, undefined, 1000);
  assert.equal(seen.length, FILLER_KEYS + NEEDLES.length);
  assert.equal(new Set(seen).size, seen.length);
  assert.ok(pages >= 40, `pages ${pages}`);
  const filtered = await allKeys(SPARSE_DB, "filler:1*", 100);
  assert.equal(filtered.seen.length, 11_111); // 1, 10-19, 100-199, 1000-1999, 10000-19999
  assert.equal(new Set(filtered.seen).size, 11_111);
});

test("a literal pattern is a direct lookup", async () => {
  const hit = await scanPage(browser, { db: SPARSE_DB, match: "needle:3", cursor: "0", count: 10 });
  assert.deepEqual([hit.cursor, hit.scanned, hit.keys.map((k) => k.key)], ["0", 0, ["needle:3"]]);
  const miss = await scanPage(browser, { db: SPARSE_DB, match: "needle:\\*", cursor: "0", count: 10 });
  assert.deepEqual(miss.keys, []);
});

test("invalid globs are rejected before reaching Redis", async () => {
  await assert.rejects(scanPage(browser, { db: TYPES_DB, match: "user:[abc", cursor: "0", count: 10 }), InvalidGlobError);
  await assert.rejects(scanPage(browser, { db: TYPES_DB, match: "x\\", cursor: "0", count: 10 }), /lone/);
});

test("the million-field hash is read one bounded page at a time", async () => {
  const first = await readKey(browser, Buffer.from("hash:big"), { db: TYPES_DB, pageSize: 100 });
  assert.ok(first && first.value.type === "hash");
  assert.equal(first.length, BIG_HASH_FIELDS);
  assert.equal(first.encoding, "hashtable");
  assert.ok((first.memory ?? 0) > 1_000_000, `memory ${first.memory}`);
  assert.ok(first.value.entries.length <= 100 && first.value.entries.length > 0);
  assert.equal(first.truncated, true);
  assert.ok(first.nextCursor);
  const second = await readKey(browser, Buffer.from("hash:big"), { db: TYPES_DB, pageSize: 100, cursor: first.nextCursor });
  assert.ok(second && second.value.type === "hash");
  assert.ok(second.value.entries.length <= 100 && second.value.entries.length > 0);
  const firstFields = new Set(first.value.entries.map((e) => e.field.token));
  assert.ok(second.value.entries.every((e) => !firstFields.has(e.field.token)));
  const e = second.value.entries[0];
  assert.equal(e?.value.token, e?.field.token.replace("field:", "value:"));
});

test("small compact hashes page by skip tokens and yield every field once", async () => {
  await admin.select(TYPES_DB);
  await fillHash(admin, "hash:compact", 300); // listpack: HSCAN ignores COUNT and returns all 300
  const fields: string[] = [];
  let cursor: string | undefined;
  let first: KeyDetails | null = null;
  do {
    const page = await readKey(browser, Buffer.from("hash:compact"), { db: TYPES_DB, pageSize: 100, cursor });
    assert.ok(page && page.value.type === "hash");
    first ??= page;
    assert.ok(page.value.entries.length <= 100);
    fields.push(...page.value.entries.map((e) => e.field.token));
    cursor = page.nextCursor;
  } while (cursor);
  assert.equal(first?.encoding, "listpack");
  assert.equal(fields.length, 300);
  assert.equal(new Set(fields).size, 300);
});

test("every type opens with its value", async () => {
  const open = (key: string | Buffer) => readKey(browser, typeof key === "string" ? Buffer.from(key) : key, { db: TYPES_DB });
  const json = await open("str:json");
  assert.deepEqual(json?.value, { type: "string", offset: 0, format: "text", data: '{"a":1,"b":[1,2]}', bytes: 17, json: true });
  assert.equal(json?.truncated, false);
  const list = await open("list:1");
  assert.deepEqual(list?.value, { type: "list", offset: 0, items: [{ token: "a" }, { token: "b" }, { token: "c" }] });
  const set = await open("set:1");
  assert.deepEqual(set?.value.type === "set" && set.value.members.map((m) => m.token).sort(), ["m1", "m2"]);
  const zset = await open("zset:1");
  assert.deepEqual(zset?.value, { type: "zset", offset: 0, members: [{ member: { token: "one" }, score: "1.5" }, { member: { token: "two" }, score: "2" }] });
  const small = await open("hash:small");
  assert.equal(small?.length, 2);
  const stream = await open("stream:1");
  assert.ok(stream?.value.type === "stream");
  assert.deepEqual(stream.value.entries.map((e) => [e.id, e.fields[0]?.value.token]), [["1-1", "v1"], ["2-1", "v2"]]);
  const group = stream.value.groups?.[0];
  assert.deepEqual([group?.name, group?.pending, group?.lastDeliveredId, group?.consumerList?.[0]?.name], ["g1", 1, "1-1", "alice"]);
  const page2 = await readKey(browser, Buffer.from("stream:1"), { db: TYPES_DB, pageSize: 1 });
  assert.equal(page2?.nextCursor, "1-1");
  const rest = await readKey(browser, Buffer.from("stream:1"), { db: TYPES_DB, pageSize: 1, cursor: "1-1" });
  assert.ok(rest?.value.type === "stream");
  assert.deepEqual([rest.value.entries.map((e) => e.id), rest.value.groups, rest.nextCursor], [["2-1"], null, undefined]);
});

test("a big string is read in slices", async () => {
  const first = await readKey(browser, Buffer.from("str:big"), { db: TYPES_DB });
  assert.ok(first?.value.type === "string");
  assert.equal(first.value.bytes, STRING_SLICE_BYTES);
  assert.equal(first.truncated, true);
  assert.equal(first.nextCursor, String(STRING_SLICE_BYTES));
  const rest = await readKey(browser, Buffer.from("str:big"), { db: TYPES_DB, cursor: first.nextCursor });
  assert.ok(rest?.value.type === "string");
  assert.deepEqual([rest.value.bytes, rest.value.offset, rest.truncated], [1000, STRING_SLICE_BYTES, false]);
});

test("the binary key opens again from its token; a missing key is null", async () => {
  const page = await scanPage(browser, { db: TYPES_DB, match: "*bin*", cursor: "0", count: 10 });
  const token = page.keys[0]?.key;
  assert.ok(token);
  const details = await readKey(browser, decodeKey(token), { db: TYPES_DB });
  assert.deepEqual(details?.value, { type: "string", offset: 0, format: "binary", data: "00ff10", bytes: 3, json: false });
  assert.equal(details?.key, token);
  assert.equal(await readKey(browser, Buffer.from("no:such:key"), { db: TYPES_DB }), null);
});
