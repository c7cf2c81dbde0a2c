// The cluster key features through the built server on a real 3 × 1 Redis Cluster, configured by one
// seed: the whole-cluster browse API (every key once, set-equal to a SCAN of each master, with
// CLUSTER KEYSLOT's slot and the shard whose master holds it), the cluster describe and the
// side-by-side within a key's shard, and POST /api/compare on the cluster: identical data → done
// with 0 differences and every key compared; a write on one master kept from its replica
// (redis.set_repl(REPL_NONE)) → found on exactly that shard.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import type Redis from "ioredis";
import { discoverCluster } from "@/lib/cluster/discover";
import type { ClusterView } from "@/lib/cluster/model";
import { realCount, type CompareReport } from "@/lib/compare/report";
import { decodeKey, encodeKey } from "@/lib/keys/codec";
import { shardOfKey } from "@/lib/keys/cluster-scan";
import { scanWalk } from "@/lib/keyspace/scan-source";
import { createConnection } from "@/lib/redis/connection";
import { startCluster, type Cluster } from "../support/cluster";
import { startServer, TEST_TOKEN, type ServerProcess } from "../support/server";
import { waitFor } from "../support/wait";

const N = 1500;
const AUTH = { authorization: `Bearer ${TEST_TOKEN}` };

interface Page {
  cursor: string;
  keys: { key: string; display: string; slot: number; shard: string }[];
  skipped: unknown[];
  unavailable: unknown[];
  dbsize: number;
  shards: { shard: string; master: string | null; keys: number | null }[];
}

function names(): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < N; i++) {
    if (i % 10 === 0) out.push(Buffer.from(`user:${i}`));
    else if (i % 10 === 1) out.push(Buffer.from(`{tag${i % 7}}:item:${i}`));
    else if (i % 10 === 2) out.push(Buffer.from([0xff, 0x00, i & 0xff, (i >> 8) & 0xff]));
    else out.push(Buffer.from(`k:${i}`));
  }
  return out;
}

describe("cluster keys and compare through the server", { timeout: 240_000 }, () => {
  let cluster: Cluster | undefined;
  let server: ServerProcess | undefined;
  let dir: string | undefined;
  let view: ClusterView;
  const masters = new Map<string, Redis>(); // by master node id
  const conns: Redis[] = [];
  const written = names();

  const get = async <T,>(p: string): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${server!.url}${p}`, { headers: AUTH });
    return { status: res.status, body: (await res.json()) as T };
  };
  const post = async <T,>(p: string, body: unknown): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${server!.url}${p}`, { method: "POST", headers: { ...AUTH, "content-type": "application/json" }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as T };
  };

  before(async () => {
    cluster = await startCluster({ masters: 3, replicasPerMaster: 1 });
    view = await waitFor(
      "3 shards of 1 master and 1 replica each",
      () => discoverCluster({ host: "127.0.0.1", port: cluster!.nodes[0]!.port, timeoutMs: 3000 }),
      (v) => v.shards.length === 3 && v.shards.every((s) => s.replicaIds.length === 1 && s.slotCount > 0),
      15_000,
      100,
    );
    for (const s of view.shards) {
      const n = cluster.nodes.find((x) => x.id === s.masterAddress)!;
      const r = createConnection({ host: n.host, port: n.port, timeoutMs: 5000, connectionName: "test-cluster-keys-api" });
      conns.push(r);
      await r.connect();
      masters.set(s.masterId, r);
    }
    const pipes = new Map([...masters].map(([id, r]) => [id, r.pipeline()] as const));
    written.forEach((k, i) => pipes.get(shardOfKey(view, k).shard!.masterId)!.set(k, `v${i}`));
    for (const p of pipes.values()) for (const [err] of (await p.exec()) ?? []) assert.ifError(err);
    for (const m of masters.values()) assert.equal(await m.call("WAIT", "1", "10000"), 1);

    dir = mkdtempSync(path.join(tmpdir(), "replscope-cluster-keys-"));
    const file = path.join(dir, "config.json");
    writeFileSync(file, JSON.stringify({ topologies: [{ name: "c", seeds: [`redis://${cluster.nodes[0]!.id}`] }] }));
    server = await startServer({ REPLSCOPE_CONFIG: file });
    await waitFor("the cluster read, 3 shards, state ok", async () => (await get<{ state?: string; shards?: unknown[] }>("/api/clusters/c")).body, (c) => c.shards?.length === 3 && c.state === "ok", 30_000, 200);
    await waitFor(
      "6 nodes up",
      async () => (await get<{ topologies: { nodes: { status: string }[] }[] }>("/api/topology")).body.topologies[0]!.nodes,
      (n) => n.length === 6 && n.every((x) => x.status === "up"),
      30_000,
      200,
    );
  });
  after(async () => {
    for (const c of conns) c.disconnect();
    await server?.stop();
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("GET /api/clusters/c/keys pages the whole cluster: every key once, CLUSTER KEYSLOT's slot, the shard whose master holds it", async () => {
    const keys: Page["keys"] = [];
    let cursor = "0";
    let pages = 0;
    do {
      const { status, body } = await get<Page>(`/api/clusters/c/keys?count=200&cursor=${encodeURIComponent(cursor)}`);
      assert.equal(status, 200, JSON.stringify(body));
      assert.deepEqual(body.skipped, []);
      assert.deepEqual(body.unavailable, []);
      assert.equal(body.shards.length, 3);
      assert.equal(body.dbsize, N);
      keys.push(...body.keys);
      cursor = body.cursor;
      assert.ok(++pages < 500, "the browse ends");
    } while (cursor !== "0");
    assert.ok(pages > 3, `several pages (${pages})`);

    const hex = (token: string) => decodeKey(token).toString("hex");
    const got = keys.map((k) => hex(k.key));
    assert.equal(new Set(got).size, got.length, "no key twice");
    // Independently: a full SCAN of each master, remembering which master holds each name.
    const holder = new Map<string, string>();
    for (const [id, m] of masters) for await (const step of scanWalk(m, { count: 500 })) for (const k of step.keys) holder.set(k.toString("hex"), id);
    assert.deepEqual([...got].sort(), [...holder.keys()].sort());
    assert.equal(got.length, N);
    for (const k of keys) assert.equal(k.shard, holder.get(hex(k.key)), `shard of ${k.display}`);

    const any = masters.values().next().value as Redis;
    const pipe = any.pipeline();
    for (const k of keys) pipe.call("CLUSTER", "KEYSLOT", decodeKey(k.key));
    const slots = ((await pipe.exec()) ?? []).map(([err, v]) => {
      assert.ifError(err);
      return v;
    });
    keys.forEach((k, i) => assert.equal(k.slot, slots[i], `slot of ${k.display}`));

    const users = await get<Page>("/api/clusters/c/keys?count=1000&match=user:*&type=string");
    assert.ok(users.body.keys.length > 0 && users.body.keys.every((k) => k.display.startsWith("user:")));
  });

  it("bad input is a 400, a topology that is not there a 404", async () => {
    for (const q of ["cursor=abc", "cursor=7:0", "count=0", "count=1001", "type=blob", "match=%5B"]) {
      const r = await get<{ error?: string }>(`/api/clusters/c/keys?${q}`);
      assert.equal(r.status, 400, `${q}: ${JSON.stringify(r.body)}`);
      assert.ok(r.body.error);
    }
    assert.equal((await get("/api/clusters/nope/keys")).status, 404);
    assert.equal((await post("/api/clusters/c/keys/describe", { keys: [] })).status, 400);
  });

  it("describe asks each key's own master; the side-by-side shows that key's shard only", async () => {
    const sample = view.shards.map((s) => written.find((k) => shardOfKey(view, k).shard?.masterId === s.masterId)!);
    const d = await post<{ keys: { key: string; type?: string; shard: string; slot: number }[] }>("/api/clusters/c/keys/describe", { keys: sample.map(encodeKey) });
    assert.equal(d.status, 200, JSON.stringify(d.body));
    assert.equal(d.body.keys.length, 3);
    for (const k of sample) {
      const row = d.body.keys.find((x) => x.key === encodeKey(k));
      assert.equal(row?.type, "string", `described ${k.toString("latin1")}`);
      assert.equal(row?.shard, shardOfKey(view, k).shard!.masterId);
    }

    const k = sample[1]!;
    const side = await post<{ nodes: { id: string; verdict: string }[] }>("/api/keys/compare", { key: encodeKey(k), topology: "c" });
    assert.equal(side.status, 200, JSON.stringify(side.body));
    const sh = shardOfKey(view, k);
    assert.deepEqual(side.body.nodes.map((n) => n.id), [sh.master!.address, ...sh.replicas.map((r) => r.address)]);
    assert.deepEqual(side.body.nodes.map((n) => n.verdict), ["master", "same"]);
  });

  async function compare(): Promise<CompareReport> {
    const started = await post<{ id?: string; error?: string }>("/api/compare", { topology: "c" });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const id = started.body.id!;
    return (await waitFor("the compare to finish", async () => (await get<CompareReport>(`/api/compare/${id}`)).body, (r) => r.status !== "running", 120_000, 200));
  }

  it("POST /api/compare on the cluster: identical data → done, 0 differences, every key compared, one row per shard", async () => {
    const r = await compare();
    assert.equal(r.status, "done", r.error ?? "");
    assert.equal(realCount(r.counts), 0);
    assert.deepEqual(r.differences, []);
    assert.equal(r.shards?.length, 3);
    for (const s of r.shards!) {
      assert.equal(s.status, "done", `${s.shard}: ${s.reason}`);
      assert.equal(s.compared, await masters.get(s.shard)!.dbsize(), `every key of shard ${s.shard} compared`);
    }
    assert.deepEqual(r.shards!.map((s) => s.shard).sort(), view.shards.map((s) => s.masterId).sort());
    assert.equal(r.compared, N);
    // The list and the stored report (read back from the store once the job ended) carry the shards.
    const listed = (await get<{ jobs: CompareReport[] }>("/api/compare")).body.jobs.find((j) => j.id === r.id);
    assert.equal(listed?.shards?.length, 3);
  });

  it("a write kept from one replica (REPL_NONE) is found on exactly that shard", async () => {
    const target = view.shards[1]!;
    const key = written.find((k) => shardOfKey(view, k).shard?.masterId === target.masterId)!;
    const m = masters.get(target.masterId)!;
    await m.eval("redis.set_repl(redis.REPL_NONE); redis.call('SET', KEYS[1], ARGV[1]); return 1", 1, key, "planted-on-master-only");
    const r = await compare();
    assert.equal(r.status, "done", r.error ?? "");
    assert.equal(realCount(r.counts), 1);
    assert.equal(r.differences.length, 1);
    const d = r.differences[0]!;
    assert.equal(d.shard, target.masterId);
    assert.equal(d.key, encodeKey(key));
    assert.equal(d.kind, "value");
    assert.equal(d.node, view.nodes.find((n) => n.id === target.replicaIds[0])?.address);
    for (const s of r.shards!) assert.equal(realCount(s.counts), s.shard === target.masterId ? 1 : 0, `differences on ${s.shard}`);
    const csv = await (await fetch(`${server!.url}/api/compare/${r.id}/report.csv`, { headers: AUTH })).text();
    assert.ok(csv.split("\r\n")[1]?.endsWith(`"${target.masterId}"`), csv);
  });
});
