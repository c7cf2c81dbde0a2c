// Batch digests (the compare's fast path) on a master and its (writable) replica: equal although
// hashtable order is per process, different as soon as one key differs in value, type, expiry or
// existence, and honest about the keys they leave out. A third server built differently (other
// encodings, other insertion order) may digest differently: the compare then takes the per-key
// path, whose fingerprints are encoding-independent.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import Redis from "ioredis";
import { startRedis, stopAll, type LocalRedis } from "../../lib/redis/local-server";
import { missingKeys, readBatchDigest, sameBatch } from "../../lib/redis/batch-digest";
import { readFingerprintsFast } from "../../lib/redis/script-fingerprint";
import { waitFor } from "../support/wait";

let a: LocalRedis;
let b: LocalRedis;
let c: LocalRedis;
let ra: Redis;
let rb: Redis;
let rc: Redis;
const many = (n: number, p: string) => Array.from({ length: n }, (_, i) => `${p}${i}`);
const NAMES = ["s", "int", "raw", "h", "h-wide", "l", "set", "set-int", "z", "ttl", "bin", "missing", "x", "big-s", "big-set"];
const KEYS = NAMES.map((k) => (k === "bin" ? Buffer.from([0xff, 0x00, 0x80]) : Buffer.from(k)));

async function load(r: Redis, reverse: boolean): Promise<void> {
  const order = <T,>(xs: T[]) => (reverse ? [...xs].reverse() : xs);
  await r.set("s", "text");
  await r.set("int", "12345");
  await r.set("raw", "r".repeat(100)); // over 44 bytes: raw encoding, read with GETRANGE
  await r.hset("h", ...order([["a", "1"], ["b", "2"]]).flat());
  // 100 fields with long values: hashtable encoding, iteration order per process.
  await r.hset("h-wide", ...order(many(100, "f")).flatMap((f) => [f, `${f}-${"v".repeat(70)}`]));
  await r.rpush("l", "a", "b", "c");
  await r.sadd("set", ...order(["m1", "m2", "m3", "member-with-a-long-name"]));
  await r.sadd("set-int", ...order(["3", "1", "2"]));
  await r.zadd("z", 1, "a", 2.5, "b");
  await r.set("ttl", "t", "PXAT", 4_000_000_000_000);
  await r.set(Buffer.from([0xff, 0x00, 0x80]), Buffer.from([0, 1, 2]));
  await r.xadd("x", "1-1", "k", "v");
  await r.set("big-s", "y".repeat(100_000));
  await r.sadd("big-set", ...many(600, "m")); // over the 512 elements a script digests
}

before(async () => {
  a = await startRedis({ args: ["--save", "", "--repl-diskless-sync-delay", "0"] });
  b = await startRedis({ args: ["--save", "", "--replica-read-only", "no"] }); // made a replica after the load: a full sync
  // Different compact-encoding limits, as a server configured (or restarted) differently would have.
  c = await startRedis({ args: ["--save", "", "--hash-max-listpack-entries", "1", "--set-max-intset-entries", "1"] });
  ra = new Redis({ port: a.port, host: a.host });
  rb = new Redis({ port: b.port, host: b.host });
  rc = new Redis({ port: c.port, host: c.host });
  await load(ra, false);
  await rb.replicaof(a.host, a.port);
  await waitFor("replica in sync", () => rb.info("replication"), (i) => i.includes("master_link_status:up"));
  await ra.call("WAIT", "1", "10000");
  await load(rc, true);
});

after(async () => {
  ra?.disconnect();
  rb?.disconnect();
  rc?.disconnect();
  await stopAll([a, b, c].filter(Boolean));
});

test("a replica digests every batch like its master, hashtable order notwithstanding", async () => {
  const da = await readBatchDigest(ra, KEYS);
  const db = await readBatchDigest(rb, KEYS);
  assert.ok(da && db);
  assert.equal(da.processed, KEYS.length);
  assert.ok(sameBatch(da, db), `${JSON.stringify(da)} vs ${JSON.stringify(db)}`);
  // The stream, the 100 kB string and the 600-member set are left out, for the per-key path.
  assert.deepEqual(da.skipped.map((i) => NAMES[i]), ["x", "big-s", "big-set"]);
});

test("a server built differently may digest differently; the per-key fingerprints still agree", async () => {
  assert.notEqual(await ra.object("ENCODING", "h"), await rc.object("ENCODING", "h"));
  assert.deepEqual(await readFingerprintsFast(rc, KEYS, { db: 0 }), await readFingerprintsFast(ra, KEYS, { db: 0 }));
});

test("one different value, type, expiry or existence changes the digest", async () => {
  const base = await readBatchDigest(ra, KEYS);
  assert.ok(base);
  const changes: [string, () => Promise<unknown>, () => Promise<unknown>][] = [
    ["value", () => rb.hset("h-wide", "f7", "other"), () => rb.hset("h-wide", "f7", `f7-${"v".repeat(70)}`)],
    ["raw string", () => rb.setrange("raw", 99, "x"), () => rb.setrange("raw", 99, "r")],
    ["int string", () => rb.incr("int"), () => rb.decr("int")],
    ["set member", () => rb.sadd("set", "extra"), () => rb.srem("set", "extra")],
    ["list order", () => rb.lset("l", 0, "c").then(() => rb.lset("l", 2, "a")), () => rb.lset("l", 0, "a").then(() => rb.lset("l", 2, "c"))],
    ["score", () => rb.zadd("z", 2.25, "b"), () => rb.zadd("z", 2.5, "b")],
    ["expiry", () => rb.pexpireat("ttl", 4_000_000_000_001), () => rb.pexpireat("ttl", 4_000_000_000_000)],
    ["type", () => rb.del("s").then(() => rb.rpush("s", "text")), () => rb.del("s").then(() => rb.set("s", "text"))],
    ["existence", () => rb.set("missing", "now here"), () => rb.del("missing")],
  ];
  for (const [what, change, undo] of changes) {
    await change();
    const d = await readBatchDigest(rb, KEYS);
    assert.ok(d && !sameBatch(base, d), `a different ${what} went unnoticed`);
    await undo();
    const back = await readBatchDigest(rb, KEYS);
    assert.ok(back && sameBatch(base, back), `undoing the ${what} change did not restore the digest`);
  }
});

test("a call stops at its budget and says how far it got; names past it are read by the next call", async () => {
  const names = many(3000, "n:").map((k) => Buffer.from(k));
  await ra.mset(...names.flatMap((k) => [k, "v"]));
  const first = await readBatchDigest(ra, names);
  assert.ok(first && first.processed > 0 && first.processed < names.length, `processed ${first?.processed}`);
  let covered = first.processed;
  while (covered < names.length) {
    const next = await readBatchDigest(ra, names.slice(covered));
    assert.ok(next && next.processed > 0);
    covered += next.processed;
  }
  assert.equal(covered, names.length);
});

test("missingKeys lists exactly the absent names, with and without scripts", async () => {
  const probe = ["s", "nope-1", "h", "nope-2"].map((k) => Buffer.from(k));
  assert.deepEqual(await missingKeys(ra, probe), [1, 3]);
  await ra.call("ACL", "SETUSER", "noscript", "on", ">pw-123456", "~*", "+@all", "-@scripting");
  const limited = new Redis({ port: a.port, host: a.host, username: "noscript", password: "pw-123456" });
  try {
    assert.deepEqual(await missingKeys(limited, probe), [1, 3]);
    assert.equal(await readBatchDigest(limited, probe), null, "no scripts: the caller takes the per-key path");
  } finally {
    limited.disconnect();
  }
});
