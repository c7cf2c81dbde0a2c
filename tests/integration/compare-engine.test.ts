// The whole-keyspace compare on the keyspace engine, against a real master and writable replica:
// identical data gives no difference and (quiet nodes, equal counts) no replica SCAN; planted
// differences are found exactly, including a replica-only key hidden behind equal key counts.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import Redis from "ioredis";
import { startRedis, stopAll, type LocalRedis } from "../../lib/redis/local-server";
import { CompareJob } from "../../lib/compare/job";
import { waitFor } from "../support/wait";

let master: LocalRedis;
let replica: LocalRedis;
let m: Redis;
let r: Redis;
const N = 6000;

before(async () => {
  master = await startRedis({ args: ["--repl-diskless-sync-delay", "0", "--save", ""] });
  replica = await startRedis({ replicaOf: { host: master.host, port: master.port }, args: ["--replica-read-only", "no", "--save", ""] });
  m = new Redis({ port: master.port, host: master.host });
  r = new Redis({ port: replica.port, host: replica.host });
  await waitFor("replica link up", () => r.info("replication"), (info) => info.includes("master_link_status:up"));
  const p = m.pipeline();
  for (let i = 0; i < N; i++) {
    const kind = i % 6;
    if (kind === 0) p.set(`s:${i}`, `v${i}`);
    else if (kind === 1) p.hset(`h:${i}`, "a", String(i), "b", "x".repeat(80));
    else if (kind === 2) p.rpush(`l:${i}`, "a", String(i));
    else if (kind === 3) p.sadd(`set:${i}`, "x", "y", `member-${i}`);
    else if (kind === 4) p.zadd(`z:${i}`, 1, "a", i, "b");
    else p.set(`t:${i}`, "t", "EX", 86_400);
  }
  p.xadd("stream", "1-1", "k", "v");
  await p.exec();
  await m.call("WAIT", "1", "10000");
  // The quiet rule trusts a last save only from an earlier second than the compare's start.
  await waitFor("a second after both last saves", async () => Math.floor(Date.now() / 1000) > Math.max(Number(await m.lastsave()), Number(await r.lastsave())), (later) => later);
});

after(async () => {
  m?.disconnect();
  r?.disconnect();
  await stopAll([replica, master].filter(Boolean));
});

async function compare() {
  const job = new CompareJob({ id: "t", topology: "t", replicas: [] }, { id: "master", redis: m }, [{ id: "replica", redis: r }], { db: 0, recheckDelayMs: 50 });
  await job.run(new AbortController().signal);
  return job.report();
}

const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

test("an identical replica: no difference, every key compared, the replica's own SCAN skipped with the reason", async () => {
  const rep = await compare();
  assert.equal(rep.status, "done", rep.error ?? "");
  assert.equal(total(rep.counts), 0, JSON.stringify(rep.differences));
  assert.equal(rep.compared, N + 1);
  assert.equal(rep.replicaScans?.length, 1);
  assert.equal(rep.replicaScans?.[0]?.ran, false);
  assert.match(rep.replicaScans?.[0]?.why ?? "", new RegExp(`both held ${N + 1} keys`));
});

test("writes on the replica: each planted difference found once, by kind, even with equal key counts", async () => {
  await r.set("only-on-replica", "x"); // +1 key on the replica
  await r.del("s:0"); // -1: key counts stay equal
  await r.hset("h:1", "a", "changed");
  await r.expire("s:6", 5000);
  await r.sadd("set:3", "extra");
  try {
    const rep = await compare();
    assert.equal(rep.status, "done", rep.error ?? "");
    const found = rep.differences.map((d) => `${d.kind} ${d.display}`).sort();
    assert.deepEqual(found, ["missing-on-replica s:0", "only-on-replica only-on-replica", "ttl s:6", "value h:1", "value set:3"]);
    assert.equal(rep.replicaScans?.[0]?.ran, true, "a master key was missing: the replica's SCAN must run");
  } finally {
    // Undone on the replica itself: a master command that changes nothing is not replicated.
    await r.set("s:0", "v0");
    await r.hset("h:1", "a", "1");
    await r.persist("s:6");
    await r.srem("set:3", "extra");
    await r.del("only-on-replica");
  }
});

test("content differences only (every key on both sides, nothing written meanwhile): found, and the replica's SCAN provably not needed", async () => {
  await r.hset("h:7", "b", "changed");
  await r.pexpire("s:12", 900_000);
  try {
    const rep = await compare();
    assert.deepEqual(rep.differences.map((d) => `${d.kind} ${d.display}`).sort(), ["ttl s:12", "value h:7"]);
    assert.equal(rep.replicaScans?.[0]?.ran, false);
  } finally {
    await r.hset("h:7", "b", "x".repeat(80));
    await r.persist("s:12");
  }
});

test("a replica-only key alone: counts differ, the replica's SCAN runs and finds it", async () => {
  await r.set("stray", "1");
  try {
    const rep = await compare();
    assert.deepEqual(rep.differences.map((d) => `${d.kind} ${d.display}`), ["only-on-replica stray"]);
    assert.equal(rep.replicaScans?.[0]?.ran, true);
  } finally {
    await r.del("stray");
  }
});
