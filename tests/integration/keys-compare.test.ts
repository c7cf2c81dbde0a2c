import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import Redis from "ioredis";
import { startRedis, stopAll, type LocalRedis } from "../../lib/redis/local-server";
import { compareFingerprints } from "../../lib/redis/fingerprint";
import { readFingerprints } from "../../lib/redis/read-fingerprint";
import { CompareJob } from "../../lib/compare/job";

const DB = 3;
let master: LocalRedis;
let replica: LocalRedis;
let m: Redis;
let r: Redis;

before(async () => {
  master = await startRedis({ args: ["--repl-diskless-sync-delay", "0"] }); // no 5 s wait for the first sync
  // The replica compacts small hashes differently, as one configured (or restarted) differently would.
  replica = await startRedis({ replicaOf: { host: master.host, port: master.port }, args: ["--hash-max-listpack-entries", "2"] });
  m = new Redis({ port: master.port, host: master.host, db: DB });
  r = new Redis({ port: replica.port, host: replica.host });
  await waitForLink(r);

  await m.set("s", "text", "PX", 600_000);
  await m.set(Buffer.from([0xff, 0x01]), Buffer.from([0x00, 0xff]));
  await m.hset("h:small", { a: "1", b: "2", c: "3" });
  await m.hset("h:big", Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`f${i}`, `v${i}`])));
  await m.sadd("set:big", ...Array.from({ length: 5000 }, (_, i) => `member-${i}`));
  await m.rpush("l:big", ...Array.from({ length: 2500 }, (_, i) => `item-${i}`));
  await m.zadd("z", 1, "a", 2, "b");
  await m.xadd("x", "1-1", "k", "v");
  await m.call("WAIT", "1", "5000");
});

after(async () => {
  m?.disconnect();
  r?.disconnect();
  await stopAll([replica, master].filter(Boolean));
});

async function waitForLink(redis: Redis): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await redis.info("replication")).includes("master_link_status:up")) return;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error("replica never linked");
}

async function diff(keys: (string | Buffer)[], opts = { maxElements: 10_000, batch: 1000 }) {
  const bufs = keys.map((k) => (typeof k === "string" ? Buffer.from(k) : k));
  const [mf, rf] = await Promise.all([readFingerprints(m, bufs, { db: DB, ...opts }), readFingerprints(r, bufs, { db: DB, ...opts })]);
  return bufs.map((_, i) => compareFingerprints(mf[i] ?? null, rf[i] ?? null, 50));
}

const ALL = ["s", Buffer.from([0xff, 0x01]), "h:small", "h:big", "set:big", "l:big", "z", "x"];

test("a healthy replica matches on every type, whatever DUMP says", async () => {
  assert.deepEqual(await diff(ALL), ALL.map(() => null));
  // Small batches force the chunked HSCAN/SSCAN/LRANGE paths.
  assert.deepEqual(await diff(ALL, { maxElements: 10_000, batch: 100 }), ALL.map(() => null));

  // The finding behind the canonical digest: equal values, different DUMP payloads.
  await r.select(DB);
  assert.equal(await m.object("ENCODING", "h:small"), "listpack");
  assert.equal(await r.object("ENCODING", "h:small"), "hashtable");
  assert.notDeepEqual(await m.dumpBuffer("h:small"), await r.dumpBuffer("h:small"));
  assert.notDeepEqual(await m.dumpBuffer("set:big"), await r.dumpBuffer("set:big")); // seeded dict order
});

test("a whole-keyspace compare against a replica with other encodings: batch digests differ, the per-key path finds 0 differences", async () => {
  // Connections of its own: the job SELECTs nothing, the db is chosen at connect time.
  const mc = new Redis({ port: master.port, host: master.host, db: DB });
  const rc = new Redis({ port: replica.port, host: replica.host, db: DB });
  try {
    const job = new CompareJob({ id: "enc", topology: "t", replicas: [] }, { id: "m", redis: mc }, [{ id: "r", redis: rc }], { db: DB, recheckDelayMs: 50 });
    await job.run(new AbortController().signal);
    const rep = job.report();
    assert.equal(rep.status, "done", rep.error ?? "");
    assert.equal(rep.compared, ALL.length);
    assert.deepEqual(rep.differences, []);
  } finally {
    mc.disconnect();
    rc.disconnect();
  }
});

test("divergence on the replica is reported by kind", async () => {
  await r.config("SET", "replica-read-only", "no");
  await r.select(DB);
  await r.hset("h:big", "f7", "changed"); // same length, different content
  await r.lpop("l:big");
  await r.del("z");
  await r.set("extra", "1");
  await r.pexpire("x", 60_000);
  await r.del("s");
  await r.set("s", "text", "PX", 900_000); // same value, expiry moved by ~5 min
  await r.del(Buffer.from([0xff, 0x01]));
  await r.sadd(Buffer.from([0xff, 0x01]), "now a set");

  const kinds = (await diff([...ALL, "extra"])).map((d) => d?.kind ?? null);
  assert.deepEqual(kinds, ["ttl", "type", null, "value", null, "value", "missing-on-replica", "ttl", "only-on-replica"]);
  const [hashDiff] = await diff(["h:big"]);
  assert.equal(hashDiff?.detail, "same length (3000), different content");
  // Over budget: the changed content is not read, only type/length/TTL are compared.
  assert.deepEqual(await diff(["h:big"], { maxElements: 1000, batch: 1000 }), [null]);
});
