// The key browser and compare API on the real server against a real master, a read-only replica
// and a writable one (--replica-read-only no) that was written to behind the master's back.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import Redis from "ioredis";
import { encodeKey } from "../../lib/keys/codec";
import { startRedis, type LocalRedis } from "../../lib/redis/local-server";
import { startWriteLoad } from "../../lib/demo/sample-data";
import { startServer, TEST_TOKEN, type ServerProcess } from "../support/server";
import { cli, FAST_SYNC, startTopology, type Topology } from "../support/topology";
import { waitFor } from "../support/wait";

const BINARY_KEY = Buffer.from([0xff, 0xfe, 0x3a, 0x62, 0x00]);
const AUTH = { authorization: `Bearer ${TEST_TOKEN}` };

type Json = Record<string, unknown>;

describe("key browser and compare API", () => {
  let topo: Topology;
  let writable: LocalRedis;
  let server: ServerProcess;
  let m: Redis;
  let w: Redis;

  const api = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${server.url}${path}`, { ...init, headers: { ...AUTH, ...(init.body ? { "content-type": "application/json" } : {}), ...init.headers } });
    const text = await res.text();
    let body: Json = {};
    try {
      body = JSON.parse(text) as Json;
    } catch {
      body = { text };
    }
    return { status: res.status, body, text, headers: res.headers };
  };
  const node = (id: string) => `/api/nodes/${encodeURIComponent(id)}`;

  before(async () => {
    topo = await startTopology({ replicas: 1 });
    writable = await startRedis({ args: [...FAST_SYNC, "--replica-read-only", "no"], replicaOf: { host: topo.master.host, port: topo.master.port } });
    await waitFor("writable replica linked", () => cli(writable.port, "INFO", "replication"), (o) => o.includes("master_link_status:up"), 15_000);
    m = new Redis({ port: topo.master.port, host: "127.0.0.1" });
    w = new Redis({ port: writable.port, host: "127.0.0.1" });

    const p = m.pipeline();
    p.set("str:text", "hello");
    p.set("str:json", JSON.stringify({ a: 1, b: [1, 2] }));
    p.set(BINARY_KEY, Buffer.from([0x00, 0xff, 0x10]));
    p.set("str:ttl", "soon", "EX", 3600);
    p.hset("hash:small", { f1: "v1", f2: "v2" });
    p.rpush("list:1", "a", "b", "c");
    p.sadd("set:1", "m1", "m2");
    p.zadd("zset:1", 1.5, "one", 2, "two");
    p.xadd("stream:1", "1-1", "k", "v1");
    p.xgroup("CREATE", "stream:1", "g1", "0");
    for (let i = 0; i < 500; i++) p.set(`user:${i}:name`, `user-${i}`);
    // The planted differences, set up on the master first (the replica gets changed below).
    p.set("diff:missing", "1");
    p.set("diff:type", "was a string");
    p.hset("diff:value", { a: "1", b: "2" });
    p.set("diff:ttl", "x", "EX", 5000);
    p.select(2);
    p.set("db2:only", "here");
    p.select(0);
    await p.exec();
    for (let base = 0; base < 1_000_000; base += 100_000) {
      const pipe = m.pipeline();
      for (let c = base; c < base + 100_000; c += 1000) {
        const args: string[] = [];
        for (let f = c; f < c + 1000; f++) args.push(`field:${f}`, `value:${f}`);
        pipe.hset("hash:big", ...args);
      }
      await pipe.exec();
    }
    await m.call("WAIT", "2", "20000");

    // Writes on the writable replica: what an application bug or an operator would leave behind.
    await w.del("diff:missing");
    await w.set("diff:extra", "only here");
    await w.del("diff:type");
    await w.sadd("diff:type", "now a set");
    await w.hset("diff:value", "a", "changed");
    await w.expire("diff:ttl", 100_000);

    server = await startServer({ REPLSCOPE_SEEDS: `redis://127.0.0.1:${topo.master.port}`, REPLSCOPE_POLL_MS: "100" });
    await waitFor(
      "3 nodes up",
      async () => ((await api("/api/topology")).body.topologies as { nodes: { status: string }[] }[])[0]?.nodes ?? [],
      (nodes) => nodes.length === 3 && nodes.every((n) => n.status === "up"),
      20_000,
      200,
    );
  });

  after(async () => {
    m?.disconnect();
    w?.disconnect();
    await server?.stop();
    await writable?.stop();
    await topo?.stop();
  });

  test("listing pages through the keyspace with SCAN: names only, binary names, dbsize", async () => {
    const seen = new Map<string, { key: string; type: string | null; ttl: number | null; display: string }>();
    let cursor = "0";
    let pages = 0;
    do {
      const { status, body } = await api(`${node(topo.master.id)}/keys?count=100&cursor=${cursor}`);
      assert.equal(status, 200, JSON.stringify(body));
      for (const k of body.keys as { key: string; type: string | null; ttl: number | null; display: string }[]) seen.set(k.key, k);
      assert.equal(typeof body.scanned, "number");
      assert.ok((body.dbsize as number) >= 514);
      cursor = body.cursor as string;
      pages++;
    } while (cursor !== "0" && pages < 100);
    assert.equal(cursor, "0");
    assert.ok(pages >= 5, `${pages} pages`);
    assert.equal(seen.size, await m.dbsize());
    // Without a TYPE filter a page reads nothing per key: type and TTL come from describe.
    assert.deepEqual(seen.get("hash:big"), { key: "hash:big", display: "hash:big", type: null, ttl: null });
    const bin = seen.get(encodeKey(BINARY_KEY));
    assert.equal(bin?.display, "\\xff\\xfe:b\\x00");
  });

  test("describe gives type, TTL, length and memory of the rows in view; a missing key is missing", async () => {
    const keys = ["str:text", "str:ttl", "hash:small", "list:1", "set:1", "zset:1", "stream:1", "hash:big", encodeKey(BINARY_KEY), "no:such:key"];
    const r = await api(`${node(topo.master.id)}/keys/describe`, { method: "POST", body: JSON.stringify({ db: 0, keys }) });
    assert.equal(r.status, 200, r.text);
    const rows = r.body.keys as { key: string; type?: string; ttl?: number; length?: number | null; memory?: number | null; missing?: true }[];
    assert.deepEqual(rows.map((k) => k.key), keys, "one answer per key, in order");
    const by = new Map(rows.map((k) => [k.key, k]));
    const lengths: Record<string, [string, number]> = { "str:text": ["string", 5], "hash:small": ["hash", 2], "list:1": ["list", 3], "set:1": ["set", 2], "zset:1": ["zset", 2], "stream:1": ["stream", 1], "hash:big": ["hash", 1_000_000] };
    for (const [key, [type, length]] of Object.entries(lengths)) {
      const d = by.get(key);
      assert.deepEqual([d?.type, d?.ttl, d?.length], [type, -1, length], key);
      assert.ok(typeof d?.memory === "number" && d.memory > 0, `${key} memory ${d?.memory}`);
    }
    assert.ok((by.get("hash:big")?.memory ?? 0) > 10_000_000, "MEMORY USAGE with samples extrapolates the big hash");
    const ttl = by.get("str:ttl")?.ttl ?? 0;
    assert.ok(ttl > 3500 && ttl <= 3600, `ttl ${ttl}`);
    assert.deepEqual([by.get(encodeKey(BINARY_KEY))?.type, by.get(encodeKey(BINARY_KEY))?.length], ["string", 3]);
    assert.deepEqual(by.get("no:such:key"), { key: "no:such:key", missing: true });
  });

  test("describe and tree refuse bad input with 400 {error}", async () => {
    const describe = (body: unknown) => api(`${node(topo.master.id)}/keys/describe`, { method: "POST", body: JSON.stringify(body) });
    const badBodies: [unknown, string][] = [
      [{ keys: [] }, "keys"],
      [{ keys: "str:text" }, "keys"],
      [{ keys: Array.from({ length: 201 }, (_, i) => `k${i}`) }, "keys"],
      [{ keys: ["b64:!!notbase64"] }, "keys.0"],
      [{ keys: [""] }, "keys.0"],
      [{ keys: ["a"], db: -1 }, "db"],
      [{ keys: ["a"], extra: 1 }, "extra"],
    ];
    for (const [body, field] of badBodies) {
      const r = await describe(body);
      assert.equal(r.status, 400, `${JSON.stringify(body).slice(0, 80)}: ${r.text}`);
      assert.equal(r.body.field, field, r.text);
      assert.equal(typeof r.body.error, "string");
    }
    assert.equal((await describe({ keys: ["a"], db: 40 })).status, 400, "a db Redis does not have");
    for (const q of ["separator=", "separator=abcde", "prefix=b64:!!", "cursor=x", "type=bogus", "db=x", `prefix=${"a".repeat(5000)}`]) {
      const r = await api(`${node(topo.master.id)}/keys/tree?${q}`);
      assert.equal(r.status, 400, `${q}: ${r.text}`);
      assert.equal(typeof r.body.error, "string", q);
    }
  });

  test("the tree counts folders below a prefix, step by step", async () => {
    const walk = async (prefix: string) => {
      const folders = new Map<string, number>();
      let leaves = 0;
      let cursor = "0";
      do {
        const q = new URLSearchParams({ cursor, separator: ":" });
        if (prefix) q.set("prefix", prefix);
        const r = await api(`${node(topo.master.id)}/keys/tree?${q}`);
        assert.equal(r.status, 200, r.text);
        for (const f of r.body.folders as { prefix: string; count: number }[]) folders.set(f.prefix, (folders.get(f.prefix) ?? 0) + f.count);
        leaves += r.body.leafCount as number;
        assert.equal(r.body.dbsize, await m.dbsize());
        cursor = r.body.cursor as string;
      } while (cursor !== "0");
      return { folders, leaves };
    };
    const root = await walk("");
    assert.equal(root.folders.get("user:"), 500);
    assert.equal(root.folders.get("str:"), 3);
    assert.equal(root.folders.get("diff:"), 4);
    assert.equal(root.folders.get(encodeKey(Buffer.from([0xff, 0xfe, 0x3a]))), 1, "a binary folder has a token prefix");
    const users = await walk("user:");
    assert.equal(users.folders.size, 500);
    assert.equal(users.folders.get("user:42:"), 1);
    const one = await walk("user:42:");
    assert.deepEqual([one.folders.size, one.leaves], [0, 1]);
  });

  test("pattern, literal pattern, TYPE filter and db", async () => {
    const zsets = await api(`${node(topo.master.id)}/keys?type=zset&count=1000`);
    assert.deepEqual((zsets.body.keys as { key: string }[]).map((k) => k.key), ["zset:1"]);
    let users = 0;
    let cursor = "0";
    do {
      const page = await api(`${node(topo.master.id)}/keys?match=${encodeURIComponent("user:1*")}&count=1000&cursor=${cursor}`);
      users += (page.body.keys as unknown[]).length;
      cursor = page.body.cursor as string;
    } while (cursor !== "0");
    assert.equal(users, 111); // user:1, user:10-19, user:100-199
    const literal = await api(`${node(topo.master.id)}/keys?match=${encodeURIComponent("user:42:name")}`);
    assert.deepEqual(literal.body.keys, [{ key: "user:42:name", display: "user:42:name", type: "string", ttl: -1 }]);
    assert.equal(literal.body.cursor, "0");
    const db2 = await api(`${node(topo.master.id)}/keys?db=2`);
    assert.deepEqual((db2.body.keys as { key: string }[]).map((k) => k.key), ["db2:only"]);
  });

  test("every type opens with metadata; the binary key opens from its token", async () => {
    const open = (key: string | Buffer) => api(`${node(topo.master.id)}/key?key=${encodeURIComponent(typeof key === "string" ? key : encodeKey(key))}`);
    const json = await open("str:json");
    assert.equal(json.status, 200);
    assert.equal(json.body.type, "string");
    assert.deepEqual(json.body.value, { type: "string", offset: 0, format: "text", data: '{"a":1,"b":[1,2]}', bytes: 17, json: true });
    assert.equal(json.body.ttl, -1);
    assert.equal(json.body.encoding, "embstr");
    assert.ok((json.body.memory as number) > 0);
    const bin = await open(BINARY_KEY);
    assert.equal(bin.status, 200);
    assert.deepEqual(bin.body.value, { type: "string", offset: 0, format: "binary", data: "00ff10", bytes: 3, json: false });
    const types: Record<string, number> = { "hash:small": 2, "list:1": 3, "set:1": 2, "zset:1": 2, "stream:1": 1 };
    for (const [key, length] of Object.entries(types)) {
      const r = await open(key);
      assert.equal(r.status, 200, key);
      assert.equal(r.body.length, length, key);
      assert.equal(r.body.truncated, false, key);
    }
    const stream = await open("stream:1");
    assert.equal((stream.body.value as { groups: { consumers: number }[] }).groups.length, 1);
    assert.equal((await open("no-such-key")).status, 404);
  });

  test("a 1,000,000-field hash is paged and bounded", async () => {
    const started = Date.now();
    const first = await api(`${node(topo.master.id)}/key?key=hash:big&pageSize=200`);
    assert.equal(first.status, 200);
    assert.equal(first.body.length, 1_000_000);
    assert.equal(first.body.truncated, true);
    const entries = (first.body.value as { entries: { field: { token: string } }[] }).entries;
    assert.ok(entries.length > 0 && entries.length <= 200, `${entries.length} entries`);
    assert.ok(first.text.length < 100_000, `${first.text.length} bytes`);
    const next = await api(`${node(topo.master.id)}/key?key=hash:big&pageSize=200&cursor=${encodeURIComponent(first.body.nextCursor as string)}`);
    const nextFields = (next.body.value as { entries: { field: { token: string } }[] }).entries.map((e) => e.field.token);
    assert.ok(nextFields.length > 0);
    assert.ok(!nextFields.some((f) => entries.some((e) => e.field.token === f)), "the next page holds other fields");
    assert.ok(Date.now() - started < 5000);
  });

  test("bad parameters are 400 JSON; unknown nodes are 404", async () => {
    const bad = [
      "keys?count=0", "keys?count=5000", "keys?count=abc", "keys?db=-1", "keys?db=x", "keys?cursor=abc", "keys?cursor=-1",
      `keys?match=${encodeURIComponent("user:[")}`, "keys?type=bogus", `keys?match=${encodeURIComponent("a\\")}`,
      "key", "key?key=b64:!!notbase64", "key?key=x&db=99999", "key?key=x&pageSize=0",
    ];
    for (const path of bad) {
      const r = await api(`${node(topo.master.id)}/${path}`);
      assert.equal(r.status, 400, `${path}: ${r.text}`);
      assert.equal(typeof r.body.error, "string", path);
      assert.ok((r.body.error as string).length > 3, path);
    }
    assert.equal((await api(`${node(topo.master.id)}/keys?db=40`)).status, 400, "a db Redis does not have");
    assert.equal((await api(`${node("127.0.0.1:1")}/keys`)).status, 404);
    assert.equal((await api(`${node("evil.example.com:6379")}/keys`)).status, 404, "never dials a host the monitor does not know");
    assert.equal((await api(`${node("not-a-node")}/keys`)).status, 400);
    assert.equal((await api(`${node(topo.master.id)}/keys?topology=nope`)).status, 404);
    const ttl = (body: unknown) => api(`${node(topo.master.id)}/key/ttl`, { method: "POST", body: JSON.stringify(body) });
    assert.equal((await ttl({ key: "str:text", ttl: 0 })).status, 400);
    assert.equal((await ttl({ key: "str:text", ttl: "x" })).status, 400);
    assert.equal((await ttl({ key: "str:text", ttl: 10, extra: 1 })).status, 400);
    assert.equal((await ttl({ ttl: 10 })).status, 400);
    assert.equal((await api(`${node(topo.master.id)}/key/ttl`, { method: "POST", body: "{nope" })).status, 400);
  });

  test("the same key side by side: the writable replica's change is a difference, the healthy replica is not", async () => {
    const r = await api(`/api/keys/compare?key=diff:value`);
    assert.equal(r.status, 200, r.text);
    type Col = { id: string; role: string; exists: boolean; type: string; length: number; digest: string; verdict: string; readOnly: boolean; behindBytes: number };
    const nodes = r.body.nodes as Col[];
    assert.equal(r.body.equal, false);
    assert.deepEqual(nodes.map((n) => n.id), [topo.master.id, ...[topo.replicas[0]!.id, writable.id].sort()]);
    assert.equal(nodes[0]?.role, "master");
    const byId = new Map(nodes.map((n) => [n.id, n]));
    assert.equal(byId.get(topo.replicas[0]!.id)?.verdict, "same");
    assert.equal(byId.get(writable.id)?.verdict, "different");
    assert.equal(byId.get(writable.id)?.readOnly, false);
    assert.equal(byId.get(writable.id)?.length, 2);
    assert.notEqual(byId.get(writable.id)?.digest, nodes[0]?.digest);

    const same = await api(`/api/keys/compare?key=str:json`);
    assert.equal(same.body.equal, true);
    const missing = await api(`/api/keys/compare?key=diff:extra`);
    const cols = missing.body.nodes as Col[];
    assert.deepEqual(cols.map((c) => c.exists), [false, ...cols.slice(1).map((c) => c.id === writable.id)]);
    assert.equal((await api(`/api/keys/compare?key=x&db=zz`)).status, 400);
    assert.equal((await api(`/api/keys/compare?key=x&topology=nope`)).status, 404);
  });

  test("operator actions: READONLY from a read-only replica verbatim; TTL and delete on a writable node", async () => {
    const ro = await api(`${node(topo.replicas[0]!.id)}/key?key=str:text`, { method: "DELETE" });
    assert.equal(ro.status, 409);
    assert.match(ro.body.error as string, /^READONLY You can't write against a read only replica/);
    const roTtl = await api(`${node(topo.replicas[0]!.id)}/key/ttl`, { method: "POST", body: JSON.stringify({ key: "str:text", db: 0, ttl: 60 }) });
    assert.equal(roTtl.status, 409);
    assert.match(roTtl.body.error as string, /^READONLY/);

    await m.set("action:k", "v");
    const set = await api(`${node(topo.master.id)}/key/ttl`, { method: "POST", body: JSON.stringify({ key: "action:k", db: 0, ttl: 120 }) });
    assert.equal(set.status, 200, set.text);
    assert.ok((set.body.ttl as number) > 100);
    const persist = await api(`${node(topo.master.id)}/key/ttl`, { method: "POST", body: JSON.stringify({ key: "action:k", db: 0, ttl: -1 }) });
    assert.equal(persist.body.ttl, -1);
    assert.equal(await m.ttl("action:k"), -1);
    const del = await api(`${node(topo.master.id)}/key?key=action:k&db=0`, { method: "DELETE" });
    assert.equal(del.status, 200);
    assert.equal(await m.exists("action:k"), 0);
    assert.equal((await api(`${node(topo.master.id)}/key?key=action:k&db=0`, { method: "DELETE" })).status, 404);
    const cross = await fetch(`${server.url}${node(topo.master.id)}/key?key=str:text`, { method: "DELETE", headers: { ...AUTH, origin: "http://evil.example" } });
    assert.equal(cross.status, 403);
    assert.equal(await m.exists("str:text"), 1);
  });

  test("a key with a 20 KB name is opened, compared, re-TTL'd and deleted: the name travels in the body", async () => {
    const name = `long:${"k".repeat(20 * 1024)}`;
    await m.set(name, "long-named value");
    await m.call("WAIT", "2", "5000");
    const post = (path: string, body: Record<string, unknown>) => api(path, { method: "POST", body: JSON.stringify(body) });
    const read = await post(`${node(topo.master.id)}/key/read`, { key: name, db: 0 });
    assert.equal(read.status, 200, read.text.slice(0, 300));
    assert.equal(read.body.key, name);
    assert.deepEqual(read.body.value, { type: "string", offset: 0, format: "text", data: "long-named value", bytes: 16, json: false });
    const side = await post("/api/keys/compare", { key: name, db: 0 });
    assert.equal(side.status, 200, side.text.slice(0, 300));
    assert.deepEqual((side.body.nodes as { exists: boolean }[]).map((n) => n.exists), [true, true, true]);
    const ttl = await post(`${node(topo.master.id)}/key/ttl`, { key: name, db: 0, ttl: 600 });
    assert.equal(ttl.status, 200, ttl.text.slice(0, 300));
    assert.ok((await m.ttl(name)) > 500);
    const del = await post(`${node(topo.master.id)}/key/delete`, { key: name, db: 0 });
    assert.equal(del.status, 200, del.text.slice(0, 300));
    assert.equal(del.body.deleted, 1);
    assert.equal(await m.exists(name), 0);
    assert.equal((await post(`${node(topo.master.id)}/key/delete`, { key: name, db: 0 })).status, 404);
    assert.equal((await post(`${node(topo.master.id)}/key/read`, { key: name, db: 0 })).status, 404);
    // Body forms validate like the query forms.
    assert.equal((await post(`${node(topo.master.id)}/key/read`, { db: 0 })).status, 400);
    assert.equal((await post(`${node(topo.master.id)}/key/read`, { key: "x", extra: 1 })).status, 400);
    assert.equal((await post(`${node(topo.master.id)}/key/delete`, { key: "b64:!!" })).status, 400);
    assert.equal((await post("/api/keys/compare", { key: "x", db: "zz" })).status, 400);
  });

  test("invisible and bidi characters in key names are shown escaped: list, open, side by side", async () => {
    const sneaky = "\u202Egnp.exe";
    await m.set(sneaky, "x");
    await m.set("zw\u200Bj\uFEFF\u2066", "y");
    const list = await api(`${node(topo.master.id)}/keys?match=${encodeURIComponent("*gnp.exe")}`);
    const row = (list.body.keys as { key: string; display: string }[])[0];
    assert.equal(row?.display, "\\u202egnp.exe");
    const open = await api(`${node(topo.master.id)}/key/read`, { method: "POST", body: JSON.stringify({ key: row?.key }) });
    assert.equal(open.status, 200, open.text);
    assert.equal(open.body.display, "\\u202egnp.exe");
    const side = await api("/api/keys/compare", { method: "POST", body: JSON.stringify({ key: row?.key }) });
    assert.equal(side.body.display, "\\u202egnp.exe");
    const zw = await api(`${node(topo.master.id)}/keys?match=${encodeURIComponent("zw*")}`);
    assert.equal((zw.body.keys as { display: string }[])[0]?.display, "zw\\u200bj\\ufeff\\u2066");
    await m.del(sneaky, "zw\u200Bj\uFEFF\u2066");
  });

  const waitDone = (id: string, timeoutMs = 60_000) =>
    waitFor(`compare ${id} finished`, async () => (await api(`/api/compare/${id}`)).body, (b) => b.status !== "running", timeoutMs, 200);

  test("a compare finds exactly the planted differences, under write load, and nothing on the healthy replica", async () => {
    const stopLoad = startWriteLoad(topo.master.port, 20);
    const expiring = new Redis({ port: topo.master.port, host: "127.0.0.1" });
    let stop = false;
    const expiringLoad = (async () => {
      for (let i = 0; !stop; i++) {
        await expiring.set(`short:${i % 50}`, "x", "PX", 150);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    try {
      const started = await api("/api/compare", { method: "POST", body: JSON.stringify({}) });
      assert.equal(started.status, 202, started.text);
      const report = await waitDone(started.body.id as string);
      assert.equal(report.status, "done", JSON.stringify(report).slice(0, 500));
      type Diff = { key: string; kind: string; node: string };
      const real = (report.differences as Diff[]).filter((d) => d.kind !== "expiring" && d.kind !== "unverified");
      const got = real.map((d) => `${d.kind} ${d.key} ${d.node}`).sort();
      const want = [
        `missing-on-replica diff:missing ${writable.id}`,
        `only-on-replica diff:extra ${writable.id}`,
        `ttl diff:ttl ${writable.id}`,
        `type diff:type ${writable.id}`,
        `value diff:value ${writable.id}`,
      ];
      assert.deepEqual(got, want);
      assert.equal(report.total, (await m.dbsize()) >= 0 ? report.total : 0);
      assert.equal(report.scanned, report.total);
      assert.equal(report.truncated, false);
      assert.equal(report.db, 0);
    } finally {
      stop = true;
      await expiringLoad;
      expiring.disconnect();
      await stopLoad();
    }
  });

  test("a pattern compare stays within the pattern; reports download as CSV and JSON; the list shows them", async () => {
    const started = await api("/api/compare", { method: "POST", body: JSON.stringify({ match: "diff:t*" }) });
    assert.equal(started.status, 202);
    const id = started.body.id as string;
    const report = await waitDone(id);
    const kinds = (report.differences as { key: string; kind: string }[]).map((d) => `${d.kind} ${d.key}`).sort();
    assert.deepEqual(kinds, ["ttl diff:ttl", "type diff:type"]);
    const csv = await api(`/api/compare/${id}/report.csv`);
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get("content-type") ?? "", /text\/csv/);
    assert.match(csv.headers.get("content-disposition") ?? "", /attachment/);
    const lines = csv.text.trim().split("\r\n");
    assert.equal(lines[0], '"kind","node","key","key_token","detail"');
    assert.equal(lines.length, 3);
    const json = await api(`/api/compare/${id}/report.json`);
    assert.equal(json.body.id, id);
    const list = await api("/api/compare");
    assert.ok((list.body.jobs as { id: string }[]).some((j) => j.id === id));
  });

  test("a rate-limited compare can be cancelled and keeps its partial report", async () => {
    const started = await api("/api/compare", { method: "POST", body: JSON.stringify({ maxKeysPerSec: 100 }) });
    assert.equal(started.status, 202);
    const id = started.body.id as string;
    await waitFor("some progress", async () => (await api(`/api/compare/${id}`)).body, (b) => (b.scanned as number) > 0, 10_000, 100);
    const cancelled = await api(`/api/compare/${id}`, { method: "DELETE" });
    assert.equal(cancelled.status, 200);
    assert.equal(cancelled.body.status, "cancelled");
    const after = await api(`/api/compare/${id}`);
    assert.equal(after.body.status, "cancelled");
    assert.ok((after.body.scanned as number) < (after.body.total as number));
    // A stopped job has nothing left to cancel: DELETE removes its report.
    const removed = await api(`/api/compare/${id}`, { method: "DELETE" });
    assert.equal(removed.status, 200, removed.text);
    assert.deepEqual(removed.body, { id, deleted: true });
    assert.equal((await api(`/api/compare/${id}`)).status, 404);
    assert.equal((await api(`/api/compare/${id}`, { method: "DELETE" })).status, 404);
  });

  test("10 compare starts at once: exactly 2 start (202), the other 8 are refused (429)", async () => {
    const starts = await Promise.all(
      Array.from({ length: 10 }, () => api("/api/compare", { method: "POST", body: JSON.stringify({ maxKeysPerSec: 100 }) })),
    );
    const ids = starts.filter((s) => s.status === 202).map((s) => s.body.id as string);
    try {
      assert.deepEqual(starts.map((s) => s.status).sort(), [202, 202, 429, 429, 429, 429, 429, 429, 429, 429], starts.map((s) => s.text).join("\n"));
      const running = ((await api("/api/compare")).body.jobs as { id: string; status: string }[]).filter((j) => j.status === "running");
      assert.deepEqual(running.map((j) => j.id).sort(), [...ids].sort());
    } finally {
      for (const id of ids) await api(`/api/compare/${id}`, { method: "DELETE" });
    }
    // The slots are free again once the jobs stopped.
    const again = await api("/api/compare", { method: "POST", body: JSON.stringify({ maxKeysPerSec: 100 }) });
    assert.equal(again.status, 202, again.text);
    await api(`/api/compare/${again.body.id as string}`, { method: "DELETE" });
  });

  test("compare inputs are validated", async () => {
    const post = (body: string) => api("/api/compare", { method: "POST", body });
    assert.equal((await post(JSON.stringify({ match: "[" }))).status, 400);
    assert.equal((await post(JSON.stringify({ db: -1 }))).status, 400);
    assert.equal((await post(JSON.stringify({ nope: 1 }))).status, 400);
    assert.equal((await post(JSON.stringify({ maxKeysPerSec: 0 }))).status, 400);
    assert.equal((await post("{")).status, 400);
    assert.equal((await post(JSON.stringify({ topology: "nope" }))).status, 404);
    assert.equal((await api("/api/compare/../../etc")).status, 404);
    assert.equal((await api("/api/compare/not-hex")).status, 400);
    assert.equal((await api("/api/compare/0123456789abcdef")).status, 404);
    assert.equal((await api("/api/compare/0123456789abcdef/report.csv")).status, 404);
  });
});
