import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import Redis from "ioredis";
import { startRedis, stopAll, type LocalRedis } from "../../lib/redis/local-server";
import { decodeKey, encodeKey } from "../../lib/keys/codec";
import { InvalidGlobError } from "../../lib/keys/glob";
import { describeKeys } from "../../lib/keys/describe";
import { scanPage } from "../../lib/keys/scan";
import { treeStep, TREE_MAX_FOLDERS, type TreeStep } from "../../lib/keys/tree-step";
import { readKey, STRING_SLICE_BYTES, type KeyDetails } from "../../lib/keys/value";

const TYPES_DB = 1;
const SPARSE_DB = 2;
const TREE_DB = 3;
const TREE_KEYS = 30_000;
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

  // The tree: app:<svc>:<shard>:<n>, 3000 distinct folders under many:, leaves at the root, and
  // hashes to filter by type. Names are known here, so the true counts are too.
  await admin.select(TREE_DB);
  for (let base = 0; base < TREE_KEYS; base += 1000) {
    const p = admin.pipeline();
    for (let i = base; i < base + 1000; i++) {
      const name = treeName(i);
      if (i % 10 === 0) p.hset(name, "f", "v");
      else p.set(name, "x");
    }
    await p.exec();
  }
  await admin.set(BINARY_KEY, "bin");
});

/** The tree db's key names: 3/5 under app:, 3000 distinct folders under many:, the rest leaves at the root. */
function treeName(i: number): string {
  if (i % 5 < 3) return `app:svc${i % 7}:shard${i % 3}:${i}`;
  if (i % 5 === 3) return `many:${Math.floor(i / 5) % 3000}:${i}`;
  return `top${i}`;
}

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

test("pages list names only; describe gives every type, the binary key, TTLs in seconds and sizes", async () => {
  const { seen } = await allKeys(TYPES_DB, undefined, 1000);
  const page = await scanPage(browser, { db: TYPES_DB, cursor: "0", count: 1000 });
  assert.equal(seen.length, 10);
  assert.equal(new Set(seen).size, 10);
  assert.ok(page.keys.every((k) => k.type === null && k.ttl === null), "no TYPE/TTL read per key");
  const binary = page.keys.find((k) => k.key === encodeKey(BINARY_KEY));
  assert.equal(binary?.display, "\\xff\\xfe:bin:\\x00\\x80");
  assert.match(binary?.key ?? "", /^b64:/);

  const names = ["hash:big", "stream:1", "zset:1", "str:ttl", "list:1", "set:1", "str:json"].map((n) => Buffer.from(n));
  const described = await describeKeys(browser, [...names, BINARY_KEY, Buffer.from("gone:key")]);
  const by = new Map(described.map((d) => [d.key, d]));
  const facts = (key: string) => {
    const d = by.get(key);
    return d && !("missing" in d) ? [d.type, d.ttl === -1 ? -1 : "ttl", d.length] : d;
  };
  assert.deepEqual(facts("hash:big"), ["hash", -1, BIG_HASH_FIELDS]);
  assert.deepEqual(facts("stream:1"), ["stream", -1, 2]);
  assert.deepEqual(facts("zset:1"), ["zset", -1, 2]);
  assert.deepEqual(facts("list:1"), ["list", -1, 3]);
  assert.deepEqual(facts("set:1"), ["set", -1, 2]);
  assert.deepEqual(facts("str:json"), ["string", -1, 17]);
  assert.deepEqual(facts(encodeKey(BINARY_KEY)), ["string", -1, 3]);
  const ttl = by.get("str:ttl");
  assert.ok(ttl && !("missing" in ttl) && ttl.ttl > 3590 && ttl.ttl <= 3600, JSON.stringify(ttl));
  const big = by.get("hash:big");
  assert.ok(big && !("missing" in big) && (big.memory ?? 0) > 10_000_000, "MEMORY USAGE SAMPLES 5 extrapolates");
  assert.deepEqual(by.get("gone:key"), { key: "gone:key", missing: true });
  await assert.rejects(describeKeys(browser, Array.from({ length: 201 }, (_, i) => Buffer.from(`k${i}`))), /at most 200/);
});

test("describe falls back to pipelines where scripts are refused, with the same answers", async () => {
  const user = `noscript-${process.pid}`;
  await admin.call("ACL", "SETUSER", user, "on", ">pw", "~*", "+@all", "-@scripting");
  const limited = new Redis({ port: server.port, host: server.host, username: user, password: "pw" });
  try {
    await limited.select(TYPES_DB);
    await browser.select(TYPES_DB);
    const keys = ["hash:big", "stream:1", "str:ttl", "nope"].map((n) => Buffer.from(n));
    const viaScript = await describeKeys(browser, keys);
    const viaPipeline = await describeKeys(limited, keys);
    const strip = (ds: typeof viaScript) => ds.map((d) => ("missing" in d ? d : { ...d, memory: typeof d.memory, ttl: d.ttl > 0 ? "set" : d.ttl }));
    assert.deepEqual(strip(viaPipeline), strip(viaScript));
  } finally {
    limited.disconnect();
    await admin.call("ACL", "DELUSER", user);
  }
});

test("SCAN TYPE filter", async () => {
  const page = await scanPage(browser, { db: TYPES_DB, cursor: "0", count: 100, type: "zset" });
  assert.deepEqual(page.keys, [{ key: "zset:1", display: "zset:1", type: "zset", ttl: null }]);
});

test("a full names-only walk returns the set a plain SCAN returns", async () => {
  const plain = new Set<string>();
  await browser.select(SPARSE_DB);
  let cursor = "0";
  do {
    const [next, batch] = await browser.scan(cursor, "MATCH", "filler:2*", "COUNT", 1000);
    for (const k of batch) plain.add(k);
    cursor = next;
  } while (cursor !== "0");
  const { seen } = await allKeys(SPARSE_DB, "filler:2*", 1000);
  assert.equal(plain.size, 11_111);
  assert.deepEqual(new Set(seen), plain);
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

/** Every step of a tree walk below `prefix`, with a small budget so it takes several steps. */
async function treeWalk(prefix: Buffer, opts: { type?: string; maxExamined?: number } = {}) {
  const steps: TreeStep[] = [];
  let cursor = "0";
  do {
    const step = await treeStep(browser, { db: TREE_DB, prefix, separator: ":", cursor, type: opts.type, maxExamined: opts.maxExamined ?? 3000, budgetMs: 60_000 });
    steps.push(step);
    cursor = step.cursor;
  } while (cursor !== "0");
  const folders = new Map<string, number>();
  for (const s of steps) for (const f of s.folders) folders.set(f.prefix, (folders.get(f.prefix) ?? 0) + f.count);
  return { steps, folders, leaves: steps.reduce((n, s) => n + s.leafCount, 0), otherKeys: steps.reduce((n, s) => n + s.otherKeys, 0) };
}

function trueCounts(prefix: string, filter: (i: number) => boolean = () => true): { folders: Map<string, number>; leaves: number } {
  const folders = new Map<string, number>();
  let leaves = 0;
  for (let i = 0; i < TREE_KEYS; i++) {
    const name = treeName(i);
    if (!filter(i) || !name.startsWith(prefix)) continue;
    const at = name.indexOf(":", prefix.length);
    if (at < 0) leaves++;
    else folders.set(name.slice(0, at + 1), (folders.get(name.slice(0, at + 1)) ?? 0) + 1);
  }
  return { folders, leaves };
}

test("tree steps: folder counts summed over steps equal the true counts", async () => {
  const root = await treeWalk(Buffer.alloc(0));
  assert.ok(root.steps.length > 5, `${root.steps.length} steps`);
  const expected = trueCounts("");
  expected.folders.set(encodeKey(Buffer.from([0xff, 0xfe, 0x3a])), 1); // the binary key's folder
  assert.deepEqual(root.folders, expected.folders);
  assert.equal(root.leaves, expected.leaves);
  assert.equal(root.steps[0]?.dbsize, TREE_KEYS + 1);

  const app = await treeWalk(Buffer.from("app:"));
  assert.deepEqual(app.folders, trueCounts("app:").folders);
  assert.equal(app.folders.size, 7);
  const shard = await treeWalk(Buffer.from("app:svc3:shard1:"));
  const want = trueCounts("app:svc3:shard1:");
  assert.deepEqual([shard.folders.size, shard.leaves], [0, want.leaves]);
  assert.ok(shard.steps.every((s) => s.leaves.length <= 200 && s.leaves.every((l) => l.key.startsWith("app:svc3:shard1:"))));
});

test("tree steps: SCAN's TYPE option filters, and a binary folder opens by its token", async () => {
  const hashes = await treeWalk(Buffer.alloc(0), { type: "hash" });
  assert.deepEqual(hashes.folders, trueCounts("", (i) => i % 10 === 0).folders);
  const bin = await treeWalk(Buffer.from([0xff, 0xfe, 0x3a]));
  const binFolder = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(":bin:")]);
  assert.deepEqual([[...bin.folders], bin.leaves], [[[encodeKey(binFolder), 1]], 0]);
  const inside = await treeWalk(binFolder);
  assert.deepEqual([inside.folders.size, inside.leaves], [0, 1]);
  assert.equal(inside.steps.flatMap((s) => s.leaves)[0]?.key, encodeKey(BINARY_KEY));
  // The bytes after the UTF-8 head are checked here, not by MATCH: a near miss stays out.
  const near = await treeWalk(Buffer.from([0xff, 0xfd, 0x3a]));
  assert.deepEqual([near.folders.size, near.leaves], [0, 0]);
});

test("tree steps list at most 1,000 folders; the rest are counted, not listed", async () => {
  const one = await treeStep(browser, { db: TREE_DB, prefix: Buffer.from("many:"), separator: ":", cursor: "0", budgetMs: 60_000, maxExamined: 1_000_000 });
  assert.equal(one.cursor, "0", "one step walked everything");
  assert.equal(one.folders.length, TREE_MAX_FOLDERS);
  assert.equal(one.otherFolders, 3000 - TREE_MAX_FOLDERS);
  assert.equal(one.folders.reduce((n, f) => n + f.count, 0) + one.otherKeys, TREE_KEYS / 5);
  await assert.rejects(treeStep(browser, { db: TREE_DB, prefix: Buffer.alloc(0), separator: "", cursor: "0" }), /separator/);
  await assert.rejects(treeStep(browser, { db: TREE_DB, prefix: Buffer.alloc(0), separator: ":", cursor: "x" }), /cursor/);
});
