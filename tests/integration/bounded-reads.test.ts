// Issue 9, finding 5: every command replscope sends to a monitored Redis is bounded in elements and
// in bytes. A master and a replica hold a 100 MiB string, a 2,000,000-field hash named like a
// fluentd record, a 1,000,000-entry stream and a list of two 48 MiB elements. The key view,
// side-by-side, fluentd, the keys list and compare (through the dashboard, and the compare job
// with limits high enough to fingerprint every one of those values) must leave no replscope
// command in SLOWLOG at slowlog-log-slower-than 10000, keep the dashboard within +50 MB RSS, and
// compare must still find a planted 1-byte change inside the string and inside the hash.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import Redis from "ioredis";
import { compareFingerprints } from "../../lib/redis/fingerprint";
import { CompareJob } from "../../lib/compare/job";
import { readFingerprintsFast } from "../../lib/redis/script-fingerprint";
import { startServer, TEST_TOKEN, type ServerProcess } from "../support/server";
import { startTopology, type Topology } from "../support/topology";
import { waitFor } from "../support/wait";

const SLOW_US = 10_000;
const MiB = 1024 * 1024;
const TIME = Math.floor(Date.now() / 1000);
const STRING_KEY = "big:string";
const HASH_KEY = `app.big.${TIME}.0`; // fluent-plugin-redis layout: <tag>.<unix time>.<index>
const STREAM_KEY = "big:stream";
const LIST_KEY = "big:list";
const RECORD_KEY = `app.ok.${TIME}.0`;
const MID_STRING_KEY = "mid:string";
const MID_HASH_KEY = "mid:hash";
const HASH_FIELDS = 2_000_000;
const STREAM_ENTRIES = 1_000_000;
const AUTH = { authorization: `Bearer ${TEST_TOKEN}` };
// Setup runs server-side in chunks, so the test process never holds the values.
const FILL_HASH = "for i = tonumber(ARGV[1]), tonumber(ARGV[2]) do redis.call('HSET', KEYS[1], 'field:' .. i, 'value:' .. i) end return 1";
const FILL_STREAM = "for i = tonumber(ARGV[1]), tonumber(ARGV[2]) do redis.call('XADD', KEYS[1], i .. '-1', 'n', i, 'payload', 'entry-' .. i) end return 1";
const FILL_STRING = "local s = string.rep('0123456789abcdef', 65536) for i = 1, 100 do redis.call('APPEND', KEYS[1], s) end return 1";
const FILL_LIST = "local e = string.rep('L', 48 * 1024 * 1024) redis.call('RPUSH', KEYS[1], e, e) return 1";
/** A deliberately unbounded read (the whole 100 MiB string copied into Lua): the control. */
const HEAVY = "return #redis.call('GET', KEYS[1])";

type Json = Record<string, unknown>;
type SlowEntry = { node: string; us: number; args: string[]; client: string };

let topo: Topology;
let admin: Redis; // setup and SLOWLOG only; its name does not start with "replscope"
let replicaAdmin: Redis;
let server: ServerProcess;

before(async () => {
  topo = await startTopology({
    replicas: 1,
    args: ["--slowlog-log-slower-than", String(SLOW_US), "--slowlog-max-len", "4096", "--replica-read-only", "no", "--client-output-buffer-limit", "replica 0 0 0"],
  });
  // SLOWLOG measures wall time: on a busy machine, time the server spends descheduled inside a
  // command lands in it. Higher priority for the servers under test where allowed (root), and a
  // re-run of every slow entry below, keep that noise apart from commands that are slow by size.
  for (const r of topo.all) spawnSync("renice", ["-n", "-10", "-p", String(r.pid())], { stdio: "ignore" });
  admin = new Redis({ port: topo.master.port, host: "127.0.0.1", connectionName: "bounded-test-admin" });
  replicaAdmin = new Redis({ port: topo.replicas[0]!.port, host: "127.0.0.1", connectionName: "bounded-test-admin" });
  for (let i = 0; i < HASH_FIELDS; i += 100_000) await admin.eval(FILL_HASH, 1, HASH_KEY, i + 1, i + 100_000);
  for (let i = 0; i < STREAM_ENTRIES; i += 100_000) await admin.eval(FILL_STREAM, 1, STREAM_KEY, i + 1, i + 100_000);
  await admin.eval(FILL_STRING, 1, STRING_KEY);
  await admin.eval(FILL_LIST, 1, LIST_KEY);
  // At the side-by-side view's caps: digested through the dashboard, in bounded reads.
  await admin.eval(FILL_HASH, 1, MID_HASH_KEY, 1, 10_000);
  await admin.setrange(MID_STRING_KEY, MiB - 1, "!");
  await admin.hset(RECORD_KEY, { status: "200", path: "/ok" });
  await admin.set("small:key", "small");
  assert.equal(await admin.call("WAIT", "1", "180000"), 1, "replica caught up");
  // The fill scripts left ~100 MB of Lua garbage; a fresh Lua VM keeps its collection from landing
  // in the first script replscope runs.
  await Promise.all([admin, replicaAdmin].map((r) => r.call("SCRIPT", "FLUSH")));
  await Promise.all([admin, replicaAdmin].map((r) => r.call("SLOWLOG", "RESET")));

  server = await startServer({ REPLSCOPE_SEEDS: `redis://127.0.0.1:${topo.master.port}`, REPLSCOPE_POLL_MS: "200" });
  for (const n of topo.all) {
    await waitFor(`${n.id} up in the dashboard`, async () => (await api(`/api/nodes/${encodeURIComponent(n.id)}`)).body, (b) => (b.node as Json | undefined)?.status === "up", 20_000, 100);
  }
});

after(async () => {
  admin?.disconnect();
  replicaAdmin?.disconnect();
  await server?.stop();
  await topo?.stop();
});

async function api(path: string, init: RequestInit = {}): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${server.url}${path}`, { ...init, headers: { ...AUTH, ...(init.body ? { "content-type": "application/json" } : {}) } });
  return { status: res.status, body: (await res.json()) as Json };
}

const keyView = (node: string, key: string, extra = "") => api(`/api/nodes/${encodeURIComponent(node)}/key?key=${encodeURIComponent(key)}${extra}`);

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(m?.[1] ?? 0) * 1024;
}

/** Samples a process' RSS every 50 ms (self-scheduling) until stopped; returns the highest seen. */
function sampleRss(read: () => number): () => number {
  let max = read();
  let timer: NodeJS.Timeout | null = null;
  const tick = () => {
    max = Math.max(max, read());
    timer = setTimeout(tick, 50);
  };
  tick();
  return () => {
    if (timer) clearTimeout(timer);
    return Math.max(max, read());
  };
}

async function slowEntries(redis: Redis, node: string): Promise<SlowEntry[]> {
  const raw = (await redis.call("SLOWLOG", "GET", "4096")) as unknown[][];
  return raw.map((e) => ({ node, us: Number(e[2]), args: (e[3] as unknown[]).map(String), client: String(e[5] ?? "") }));
}

/**
 * Entries from replscope's connections, each re-run three times from `redis`: a command slow
 * because of what it reads is slow every time, one the scheduler preempted is not.
 */
async function confirmedSlow(redis: Redis, entries: SlowEntry[]): Promise<SlowEntry[]> {
  const confirmed: SlowEntry[] = [];
  for (const e of entries.filter((x) => x.client.startsWith("replscope"))) {
    if (e.args.some((a) => /more bytes\)$|more arguments\)$/.test(a))) {
      confirmed.push(e); // truncated by SLOWLOG, cannot be re-run: counts as slow
      continue;
    }
    let slow = 0;
    for (let i = 0; i < 3; i++) {
      await redis.call("SLOWLOG", "RESET");
      await redis.call(e.args[0] as string, ...e.args.slice(1)).catch(() => undefined);
      if ((await slowEntries(redis, e.node)).some((x) => x.args[0]?.toLowerCase() === e.args[0]?.toLowerCase())) slow++;
    }
    if (slow >= 2) confirmed.push(e);
  }
  return confirmed;
}

async function checkSlowlog(label: string): Promise<void> {
  const entries = [...(await slowEntries(admin, topo.master.id)), ...(await slowEntries(replicaAdmin, topo.replicas[0]!.id))];
  const ours = entries.filter((e) => e.client.startsWith("replscope"));
  const max = ours.reduce((m, e) => Math.max(m, e.us), 0);
  console.log(`[${label}] SLOWLOG entries over ${SLOW_US} µs from replscope connections: ${ours.length} (max ${max} µs)${ours.length ? `: ${ours.slice(0, 10).map((e) => `${e.node} ${e.args.slice(0, 4).join(" ")} ${e.us} µs`).join("; ")}` : ""}`);
  const confirmed = [...(await confirmedSlow(admin, ours.filter((e) => e.node === topo.master.id))), ...(await confirmedSlow(replicaAdmin, ours.filter((e) => e.node !== topo.master.id)))];
  await Promise.all([admin, replicaAdmin].map((r) => r.call("SLOWLOG", "RESET"))); // a failure here must not carry over
  assert.deepEqual(confirmed.map((e) => `${e.node} ${e.args.join(" ").slice(0, 120)} ${e.us} µs`), [], "commands slow by what they read");
}

describe("bounded reads on huge values", { concurrency: false }, () => {
  test("key view, side-by-side, keys list, fluentd and compare through the dashboard", async () => {
    const master = topo.master.id;
    const replica = topo.replicas[0]!.id;
    // Warm up every route on a small key first: loading a route's code is not what is measured.
    await keyView(master, "small:key");
    await api(`/api/keys/compare?key=small:key`);
    await api(`/api/fluentd?node=${encodeURIComponent(master)}&db=1`);
    await api(`/api/nodes/${encodeURIComponent(master)}/keys?db=1`);
    await api("/api/compare");
    const pid = server.child.pid as number;
    const baseline = rssBytes(pid);
    const stopSampling = sampleRss(() => rssBytes(pid));

    // Key view: one bounded page of each value, plus later pages.
    const str = await keyView(master, STRING_KEY);
    assert.equal(str.status, 200);
    assert.deepEqual([str.body.length, (str.body.value as Json).bytes, str.body.nextCursor], [100 * MiB, 256 * 1024, String(256 * 1024)]);
    const str2 = await keyView(master, STRING_KEY, `&cursor=${50 * MiB}`);
    assert.equal((str2.body.value as Json).offset, 50 * MiB);
    let cursor: unknown;
    for (let page = 0; page < 3; page++) {
      const hash = await keyView(replica, HASH_KEY, cursor ? `&cursor=${encodeURIComponent(String(cursor))}` : "");
      assert.equal(hash.body.length, HASH_FIELDS);
      const entries = (hash.body.value as Json).entries as unknown[];
      assert.ok(entries.length > 0 && entries.length <= 100, `${entries.length} entries`);
      cursor = hash.body.nextCursor;
      assert.ok(cursor);
    }
    const stream = await keyView(master, STREAM_KEY, "&pageSize=1000");
    assert.equal(stream.body.length, STREAM_ENTRIES);
    assert.ok(((stream.body.value as Json).entries as unknown[]).length > 0);
    for (const node of [master, replica]) {
      const list = await keyView(node, LIST_KEY);
      assert.equal(list.status, 200);
      const value = list.body.value as Json;
      assert.deepEqual([list.body.length, value.items, list.body.truncated], [2, [], true]);
      assert.match(String(value.unread), /elements average .* over the .* one read may return/);
    }

    // Side-by-side: digests read incrementally up to the view's caps; larger values say why.
    for (const key of [STRING_KEY, HASH_KEY, STREAM_KEY, LIST_KEY]) {
      const sbs = await api(`/api/keys/compare?key=${encodeURIComponent(key)}`);
      assert.equal(sbs.status, 200, JSON.stringify(sbs.body).slice(0, 300));
      const nodes = sbs.body.nodes as Json[];
      assert.equal(nodes.length, 2);
      assert.ok(nodes.every((n) => n.exists === true && n.digest === null && /^not compared here: /.test(String(n.digestNote))), JSON.stringify(nodes.map((n) => n.digestNote)));
      assert.equal(sbs.body.equal, true);
    }
    for (const key of [MID_STRING_KEY, MID_HASH_KEY]) {
      const sbs = await api(`/api/keys/compare?key=${encodeURIComponent(key)}`);
      const digests = (sbs.body.nodes as Json[]).map((n) => n.digest);
      assert.ok(digests.every((d) => typeof d === "string" && d === digests[0]), JSON.stringify(sbs.body).slice(0, 300));
      assert.equal(sbs.body.equal, true);
    }
    // The issue's case: four side-by-side views of the 2 x 48 MiB list at once.
    const parallel = await Promise.all(Array.from({ length: 4 }, () => api(`/api/keys/compare?key=${LIST_KEY}`)));
    assert.deepEqual(parallel.map((p) => p.status), [200, 200, 200, 200]);
    const small = await api(`/api/keys/compare?key=${encodeURIComponent(RECORD_KEY)}`);
    assert.ok((small.body.nodes as Json[]).every((n) => typeof n.digest === "string"));

    const keys = await api(`/api/nodes/${encodeURIComponent(master)}/keys?count=1000`);
    assert.equal(keys.status, 200);
    // The rows in view: type, TTL, length and MEMORY USAGE (5 samples) of every huge value at once.
    const described = await api(`/api/nodes/${encodeURIComponent(master)}/keys/describe`, { method: "POST", body: JSON.stringify({ keys: [STRING_KEY, HASH_KEY, STREAM_KEY, LIST_KEY] }) });
    assert.equal(described.status, 200, JSON.stringify(described.body).slice(0, 300));
    assert.deepEqual((described.body.keys as Json[]).map((k) => [k.type, k.length]), [["string", 100 * MiB], ["hash", HASH_FIELDS], ["stream", STREAM_ENTRIES], ["list", 2]]);
    const tree = await api(`/api/nodes/${encodeURIComponent(master)}/keys/tree`);
    assert.equal(tree.status, 200);

    // fluentd: the 2,000,000-field "record" is flagged, never read; the real record still shows.
    const fluent = await api(`/api/fluentd?node=${encodeURIComponent(master)}`);
    assert.equal(fluent.status, 200, JSON.stringify(fluent.body).slice(0, 300));
    assert.deepEqual(fluent.body.skipped, [{ key: HASH_KEY, reason: `${HASH_FIELDS} fields, over the 256 a record may have` }]);
    const groups = fluent.body.groups as { tag: string; records: unknown[] }[];
    assert.deepEqual(groups.map((g) => [g.tag, g.records.length]), [["app.ok", 1]]);

    // Whole-keyspace compare with the dashboard's own limits: identical data compares equal.
    const started = await api("/api/compare", { method: "POST", body: JSON.stringify({}) });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const report = await waitFor("compare done", async () => (await api(`/api/compare/${String(started.body.id)}`)).body, (b) => b.status !== "running", 180_000, 200);
    assert.equal(report.status, "done", JSON.stringify(report).slice(0, 300));
    assert.deepEqual(report.differences, []);
    // ... but the values over the dashboard's read limits are not called equal outright.
    assert.ok(Number(report.contentNotCompared) >= 3, `content not compared: ${String(report.contentNotCompared)}`);

    const peak = stopSampling();
    const delta = peak - baseline;
    console.log(`dashboard RSS: baseline ${(baseline / MiB).toFixed(1)} MiB, peak ${(peak / MiB).toFixed(1)} MiB, delta ${(delta / MiB).toFixed(1)} MiB`);
    assert.ok(delta <= 50 * 1024 * 1024, `dashboard RSS grew by ${(delta / MiB).toFixed(1)} MiB`);
    await checkSlowlog("dashboard");
  });

  test("compare fingerprints every huge value over bounded reads and finds a 1-byte change", { timeout: 600_000 }, async () => {
    const limits = { db: 0, maxElements: 3_000_000, maxStringBytes: 128 * MiB, batch: 1000 };
    const conn = (port: number) => new Redis({ port, host: "127.0.0.1", connectionName: "replscope-compare-test" });
    const m = conn(topo.master.port);
    const r = conn(topo.replicas[0]!.port);
    const baseline = process.memoryUsage();
    let heapPeak = 0;
    const stopSampling = sampleRss(() => {
      const now = process.memoryUsage();
      heapPeak = Math.max(heapPeak, now.heapUsed);
      return now.rss;
    });
    try {
      const job = new CompareJob(
        { id: "bounded", topology: "t", replicas: [{ id: topo.replicas[0]!.id, readOnly: false, lagBytesAtStart: 0 }] },
        { id: topo.master.id, redis: m },
        [{ id: topo.replicas[0]!.id, redis: r }],
        { ...limits, rounds: 1, recheckDelayMs: 50 },
      );
      await job.run(new AbortController().signal);
      const report = job.report();
      assert.equal(report.status, "done", String(report.error));
      assert.deepEqual(report.differences, [], "identical data compares equal");

      const keys = [STRING_KEY, HASH_KEY, STREAM_KEY, LIST_KEY].map((k) => Buffer.from(k));
      const [mf, rf] = await Promise.all([readFingerprintsFast(m, keys, limits), readFingerprintsFast(r, keys, limits)]);
      assert.deepEqual(mf.map((f) => f?.digest !== null), [true, true, true, false], "all but the 48 MiB-element list are fingerprinted");
      assert.match(String(mf[3]?.unread), /elements average/);
      assert.deepEqual(rf.map((f) => f?.digest), mf.map((f) => f?.digest), "same digests on the replica");

      // One byte inside the 100 MiB string and one inside a hash value, written on the replica only.
      await replicaAdmin.setrange(STRING_KEY, 50 * MiB + 7, "X");
      await replicaAdmin.hset(HASH_KEY, "field:1234567", "value:1234568");
      const changed = [STRING_KEY, HASH_KEY].map((k) => Buffer.from(k));
      const [m2, r2] = await Promise.all([readFingerprintsFast(m, changed, limits), readFingerprintsFast(r, changed, limits)]);
      const diffs = changed.map((_, i) => compareFingerprints(m2[i] ?? null, r2[i] ?? null, 1000));
      assert.deepEqual(diffs.map((d) => d?.detail), [`same length (${100 * MiB}), different content`, `same length (${HASH_FIELDS}), different content`]);
    } finally {
      const delta = stopSampling() - baseline.rss;
      // Printed, not asserted: this is the test process, and most of it is reply buffers the GC has
      // not collected yet (V8 collects external memory after ~64 MB of growth), not memory held.
      console.log(`compare job (test process) RSS delta ${(delta / MiB).toFixed(1)} MiB, JS heap ${(baseline.heapUsed / MiB).toFixed(1)} -> peak ${(heapPeak / MiB).toFixed(1)} MiB`);
      m.disconnect();
      r.disconnect();
    }
    await checkSlowlog("compare job");
  });

  test("control: the SLOWLOG check catches an unbounded read", async () => {
    const rogue = new Redis({ port: topo.master.port, host: "127.0.0.1", connectionName: "replscope-control" });
    try {
      await rogue.eval(HEAVY, 1, STRING_KEY);
    } finally {
      rogue.disconnect();
    }
    await assert.rejects(checkSlowlog("control"), /commands slow by what they read/);
  });
});
