// fluentd records written by the demo writer (both plugin layouts), read back through the API.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import Redis from "ioredis";
import { startFluentdWriter } from "../../lib/demo/fluentd";
import { startServer, TEST_TOKEN, type ServerProcess } from "../support/server";
import { startTopology, type Topology } from "../support/topology";
import { waitFor } from "../support/wait";

let topo: Topology;
let server: ServerProcess;
const AUTH = { authorization: `Bearer ${TEST_TOKEN}` };

before(async () => {
  topo = await startTopology({ replicas: 1 });
  const stop = startFluentdWriter(topo.master.port);
  const m = new Redis({ port: topo.master.port, host: "127.0.0.1" });
  // One zset record per flush (every 250 ms): six flushes give more than a second of records in
  // every layout (at least 10 access hashes, an error, an audit list entry, a measurable rate).
  await waitFor("six fluentd writer flushes", () => m.zcard("fluentd.app.events"), (n) => n >= 6, 10_000);
  await stop();
  // Look-alikes that are not fluentd records.
  await m.zadd("leaderboard", 10, "player-1", 20, "player-2");
  await m.hset("order.12.3", "id", "12");
  await m.rpush("queue", "job-1");
  m.disconnect();
  server = await startServer({ REPLSCOPE_SEEDS: `redis://127.0.0.1:${topo.master.port}`, REPLSCOPE_POLL_MS: "100" });
  // Up, not just known: before its first poll answers, the API refuses it as down.
  type NodeBody = { node?: { status?: string } };
  await waitFor("node up", async () => ((await (await fetch(`${server.url}/api/nodes/${encodeURIComponent(topo.master.id)}`, { headers: AUTH })).json()) as NodeBody).node?.status, (s) => s === "up", 15_000, 100);
});

after(async () => {
  await server?.stop();
  await topo?.stop();
});

type Group = { tag: string; sources: string[]; records: { time: number | null; index: number; record: Record<string, unknown> }[]; ratePerSec: number | null };
const get = async (q: string) => {
  const res = await fetch(`${server.url}/api/fluentd?node=${encodeURIComponent(topo.master.id)}${q}`, { headers: AUTH });
  return { status: res.status, body: (await res.json()) as { groups: Group[]; error?: string } };
};

test("both plugin layouts are grouped by tag and sorted by time; look-alikes are ignored", async () => {
  const { status, body } = await get("");
  assert.equal(status, 200, JSON.stringify(body));
  const tags = body.groups.map((g) => g.tag).sort();
  assert.deepEqual(tags, ["app.access", "app.error", "fluentd.app.audit", "fluentd.app.events", "fluentd.app.heartbeat"]);
  const access = body.groups.find((g) => g.tag === "app.access")!;
  assert.deepEqual(access.sources, ["hash"]);
  assert.ok(access.records.length >= 10);
  assert.ok(access.records.every((r) => typeof r.record.status === "string" && typeof r.record.path === "string"));
  // Hash records are read with one bounded HSCAN each, never a whole-hash read.
  const probe = new Redis({ port: topo.master.port, host: "127.0.0.1" });
  const stats = await probe.info("commandstats").finally(() => probe.disconnect());
  assert.match(stats, /cmdstat_hscan:calls=\d+/);
  assert.doesNotMatch(stats, /cmdstat_hgetall:/);
  for (const g of body.groups) {
    for (let i = 1; i < g.records.length; i++) {
      const a = g.records[i - 1]!;
      const b = g.records[i]!;
      assert.ok((a.time ?? 0) < (b.time ?? 0) || ((a.time ?? 0) === (b.time ?? 0) && a.index <= b.index), `${g.tag} sorted`);
    }
  }
  assert.deepEqual(body.groups.find((g) => g.tag === "fluentd.app.events")?.sources, ["zset"]);
  assert.ok((body.groups.find((g) => g.tag === "fluentd.app.events")?.ratePerSec ?? 0) > 0);
});

test("time range filter and validation", async () => {
  const future = Math.floor(Date.now() / 1000) + 3600;
  assert.deepEqual((await get(`&from=${future}`)).body.groups, []);
  const past = await get(`&from=${Math.floor(Date.now() / 1000) - 600}`);
  assert.ok(past.body.groups.length >= 4);
  assert.equal((await get("&from=abc")).status, 400);
  assert.equal((await get("&from=10&to=5")).status, 400);
  assert.equal((await get("&match=[")).status, 400);
  const unknown = await fetch(`${server.url}/api/fluentd?node=10.9.9.9:6379`, { headers: AUTH });
  assert.equal(unknown.status, 404);
});
