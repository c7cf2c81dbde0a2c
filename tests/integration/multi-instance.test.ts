// Several replscope instances (REPLSCOPE_COORDINATION_URL) on one PostgreSQL store (a database
// created here on 127.0.0.1:5432 and dropped after) and a coordination redis-server started here.
// Three instances with the same ten topologies: "shop" (a master and a replica) and nine lone
// redis-servers that each expect a replica that is not there (a "replicas-missing" alert that
// fires after 1 s, with a webhook to a real HTTP receiver here). Checked: every topology is
// polled by exactly one instance; a change on a topology reaches a socket on an instance that does
// not poll it, once, also after the coordination Redis restarts; logins are valid everywhere; and
// after kill -9 of the instance polling "shop" the others take it over within 10 s, its history
// has no gap longer than that, and no event or webhook call is repeated.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { io, type Socket } from "socket.io-client";
import { freePort, startRedis, stopAll, type LocalRedis } from "../../lib/redis/local-server";
import { readLeases } from "../../lib/fleet/coordination";
import type { ClientToServerEvents, ServerToClientEvents, TopologyDelta, TopologySnapshot } from "../../lib/realtime/events";
import { login, startServer, TEST_TOKEN, type ServerProcess } from "../support/server";
import { cli, startTopology, type Topology } from "../support/topology";
import { waitFor } from "../support/wait";
import { createTestDatabase, pgQuery } from "../support/pg";

/** One query on the test's database. */
const sql = <T,>(url: string, text: string, params: unknown[] = []): Promise<T[]> => pgQuery<T>(text, params, url);

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A socket.io client that keeps its first snapshot and every topology delta it receives. */
function connect(url: string, auth: { token?: string; cookie?: string }): { socket: Client; deltas: TopologyDelta[]; snapshot: Promise<TopologySnapshot> } {
  const deltas: TopologyDelta[] = [];
  const socket: Client = io(url, {
    transports: ["websocket"],
    reconnection: false,
    ...(auth.token ? { auth: { token: auth.token } } : {}),
    ...(auth.cookie ? { extraHeaders: { cookie: auth.cookie } } : {}),
  });
  socket.on("topology:delta", (d) => deltas.push(d));
  const snapshot = new Promise<TopologySnapshot>((resolve, reject) => {
    socket.once("topology:snapshot", resolve);
    socket.once("connect_error", reject);
  });
  return { socket, deltas, snapshot };
}

/** The instances whose connections are open on a server now (each names its instance: replscope@<id>). */
async function pollingInstances(port: number): Promise<string[]> {
  const names = (await cli(port, "CLIENT", "LIST")).split("\n").map((l) => /name=replscope@(\S+)/.exec(l)?.[1]).filter((n): n is string => n !== undefined);
  return [...new Set(names)].sort();
}

function roleEvents(deltas: TopologyDelta[], name: string, port: number): number {
  return deltas.flatMap((d) => d.events).filter((e) => e.topology === name && e.kind === "node:role-changed" && e.node.endsWith(`:${port}`)).length;
}

function roleIn(deltas: TopologyDelta[], name: string, port: number, role: string): boolean {
  return deltas.some((d) => d.topologies.some((t) => t.name === name && t.upserts.some((u) => u.id.endsWith(`:${port}`) && u.role === role)));
}

describe("several instances: work split by lease, shared sessions and socket updates across instances", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let databaseUrl = "";
  let coord: LocalRedis;
  let lone: LocalRedis[] = [];
  let shop: Topology;
  const servers = new Map<string, ServerProcess>();
  let configDir: string;
  let receiver: Server;
  const hooks: { topology: string; state: string; rule: string }[] = [];
  const sockets: Client[] = [];
  const names = ["shop", ...Array.from({ length: 9 }, (_, i) => `t${i + 1}`)];
  let coordRedis: Redis;

  const owners = async (): Promise<Map<string, string>> => new Map((await readLeases(coordRedis, names)).map((l) => [l.topology, l.owner]));

  before(async () => {
    db = await createTestDatabase("replscope_multi");
    databaseUrl = db.url;
    coord = await startRedis();
    coordRedis = new Redis({ host: "127.0.0.1", port: coord.port, lazyConnect: true, maxRetriesPerRequest: 1 });
    coordRedis.on("error", () => undefined);
    shop = await startTopology({ replicas: 1 });
    lone = await Promise.all(Array.from({ length: 9 }, () => startRedis()));
    receiver = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        const p = JSON.parse(body) as { state: string; alert: { topology: string; rule: string } };
        hooks.push({ topology: p.alert.topology, state: p.state, rule: p.alert.rule });
        res.end("ok");
      });
    });
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", () => r()));
    const hookUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;
    configDir = mkdtempSync(path.join(tmpdir(), "replscope-multi-"));
    const file = path.join(configDir, "fleet.json");
    const topologies = [
      { name: "shop", seeds: [`redis://127.0.0.1:${shop.master.port}`] },
      ...lone.map((r, i) => ({ name: `t${i + 1}`, seeds: [`redis://127.0.0.1:${r.port}`], alerts: { expectedReplicas: 1, forSeconds: 1, webhook: hookUrl } })),
    ];
    writeFileSync(file, JSON.stringify({ topologies }));
    const env = (id: string) => ({ REPLSCOPE_DATABASE_URL: databaseUrl, REPLSCOPE_COORDINATION_URL: `redis://127.0.0.1:${coord.port}`, REPLSCOPE_POLL_MS: "100", REPLSCOPE_CONFIG: file, REPLSCOPE_INSTANCE_ID: id });
    // One at a time: the first creates the schema and the session secret, the others read them.
    for (const id of ["a", "b", "c"]) servers.set(id, await startServer(env(id)));
  });

  after(async () => {
    for (const s of sockets) s.disconnect();
    await Promise.all([...servers.values()].map((s) => s.stop()));
    coordRedis?.disconnect();
    await shop?.stop();
    await stopAll([coord, ...lone].filter(Boolean));
    receiver?.close();
    rmSync(configDir, { recursive: true, force: true });
    await db?.drop();
  });

  const server = (id: string): ServerProcess => {
    const s = servers.get(id);
    assert.ok(s, `instance ${id}`);
    return s;
  };

  test("the start banner names the coordination Redis by host and port only", () => {
    assert.match(server("a").output(), new RegExp(`instance a, coordinating through redis://127\\.0\\.0\\.1:${coord.port}`));
  });

  test("every topology is polled by exactly one instance, and all three share the work", async () => {
    const held = await waitFor("all ten topologies leased", owners, (m) => m.size === names.length && new Set(m.values()).size === 3, 30_000);
    // Exactly one: the connections to each server carry the name of one instance only, the owner.
    for (const [i, r] of lone.entries()) {
      const polledBy = await waitFor(`one instance on ${r.port}`, () => pollingInstances(r.port), (ids) => ids.length === 1, 15_000);
      assert.deepEqual(polledBy, [held.get(`t${i + 1}`)]);
    }
    assert.deepEqual(new Set(held.values()), new Set(["a", "b", "c"]));
    // The instances API on any instance says the same, and /metrics counts the live instances.
    const answer = (await (await fetch(`${server("b").url}/api/instances`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } })).json()) as {
      mode: string;
      answeredBy: string;
      instances: { id: string; leases: { topology: string; heldForMs: number | null }[] }[];
      unowned: string[] | null;
    };
    assert.equal(answer.mode, "fleet");
    assert.equal(answer.answeredBy, "b");
    assert.deepEqual(new Map(answer.instances.flatMap((i) => i.leases.map((l) => [l.topology, i.id] as const))), held);
    assert.deepEqual(answer.unowned, []);
    // Every lease has an age, the other instances' too (from the time Redis recorded at acquisition).
    for (const l of answer.instances.flatMap((i) => i.leases)) assert.ok(l.heldForMs !== null && l.heldForMs >= 0 && l.heldForMs < 120_000, `${l.topology} held for ${l.heldForMs}`);
    const metrics = await (await fetch(`${server("c").url}/metrics`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } })).text();
    assert.match(metrics, /^replscope_fleet_instances 3$/m);
  });

  test("a login on A works on B and C; logging out on A ends it there, open sockets on B included", async () => {
    const cookie = await login(server("a").url);
    for (const id of ["b", "c"]) {
      const me = await fetch(`${server(id).url}/api/auth/me`, { headers: { cookie } });
      assert.equal(me.status, 200);
      assert.equal(((await me.json()) as { user: string }).user, "admin");
    }
    const onB = connect(server("b").url, { cookie });
    sockets.push(onB.socket);
    await onB.snapshot;
    const closed = new Promise<string>((resolve) => onB.socket.once("disconnect", resolve));
    const out = await fetch(`${server("a").url}/api/auth/logout`, { method: "POST", headers: { cookie } });
    assert.equal(out.status, 200);
    assert.equal(await closed, "io server disconnect");
    for (const id of ["b", "c"]) {
      await waitFor(`${id} refuses the cookie`, async () => (await fetch(`${server(id).url}/api/auth/me`, { headers: { cookie } })).status, (s) => s === 401, 15_000);
    }
    assert.equal((await fetch(`${server("a").url}/api/auth/me`, { headers: { cookie } })).status, 401);
  });

  test("a role change on a topology another instance polls reaches a socket once; also after the coordination Redis restarts", async () => {
    const owner = (await owners()).get("shop");
    assert.ok(owner);
    const [x, y] = ["a", "b", "c"].filter((id) => id !== owner);
    const onX = connect(server(x!).url, { token: TEST_TOKEN });
    const onY = connect(server(y!).url, { token: TEST_TOKEN });
    sockets.push(onX.socket, onY.socket);
    const [snapX] = await Promise.all([onX.snapshot, onY.snapshot]);
    // The first snapshot already holds the topology polled elsewhere, nodes included.
    const shopView = snapX.topologies.find((t) => t.name === "shop");
    assert.ok(shopView && shopView.nodes.some((n) => n.port === shop.master.port && n.role === "master"), "shop's nodes are in the snapshot of an instance that does not poll it");
    assert.equal(snapX.topologies.length, names.length);
    // The REST listing of that instance has it too, naming the instance that polls it.
    const listing = (await (await fetch(`${server(x!).url}/api/topology`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } })).json()) as { topologies: { name: string; polledBy?: string; nodes: unknown[] }[] };
    assert.equal(listing.topologies.length, names.length);
    const shopListed = listing.topologies.find((t) => t.name === "shop");
    assert.equal(shopListed?.polledBy, owner);
    assert.equal(shopListed?.nodes.length, 2);

    const replica = shop.replicas[0]!;
    await cli(replica.port, "REPLICAOF", "NO", "ONE");
    for (const c of [onX, onY]) await waitFor("promotion seen", () => c.deltas, (d) => roleIn(d, "shop", replica.port, "master") && roleEvents(d, "shop", replica.port) >= 1, 20_000);

    // The demotion happens while the coordination Redis is down; it restarts empty right after.
    const before = onX.deltas.length;
    await coord.stop();
    await cli(replica.port, "REPLICAOF", "127.0.0.1", String(shop.master.port));
    await coord.restart();
    await waitFor("demotion seen after the restart", () => onX.deltas.slice(before), (d) => roleIn(d, "shop", replica.port, "replica"), 30_000);
    assert.ok(onX.socket.connected, "the browser's socket stayed up through the coordination Redis restart");
    await waitFor("both events on X", () => roleEvents(onX.deltas, "shop", replica.port), (n) => n >= 2, 10_000);
    assert.equal(roleEvents(onX.deltas, "shop", replica.port), 2, "each change reached the socket exactly once");
  });

  test("a node page on an instance that does not poll the node is fed by the instance that does", async () => {
    const owner = (await owners()).get("shop");
    const viewer = ["a", "b", "c"].find((id) => id !== owner)!;
    const c = connect(server(viewer).url, { token: TEST_TOKEN });
    sockets.push(c.socket);
    await c.snapshot;
    const id = `127.0.0.1:${shop.master.port}`;
    const snapshot = new Promise<{ key: string; detail: { topology: string; node: { id: string } } }>((resolve) => c.socket.once("node:snapshot", resolve));
    const lines = new Promise<{ key: string; reset: boolean }>((resolve) => c.socket.once("logs:lines", resolve));
    const ack = await c.socket.timeout(5000).emitWithAck("node:subscribe", { id, topology: "shop" });
    assert.deepEqual(ack, { ok: true });
    const got = await snapshot;
    assert.equal(got.key, `shop/${id}`);
    assert.equal(got.detail.topology, "shop");
    assert.equal(got.detail.node.id, id);
    assert.deepEqual(await c.socket.timeout(5000).emitWithAck("logs:subscribe", { id, topology: "shop" }), { ok: true });
    assert.equal((await lines).reset, true);
    // Deltas follow from the poller (its node feed sends what changed at least every few seconds).
    const delta = await new Promise<{ key: string }>((resolve) => c.socket.once("node:delta", resolve));
    assert.equal(delta.key, `shop/${id}`);
    // A node nobody polls is still a 404.
    const unknown = await c.socket.timeout(5000).emitWithAck("node:subscribe", { id: "127.0.0.1:1", topology: "shop" });
    assert.equal((unknown as { status?: number }).status, 404);
  });

  test("kill -9 of the instance polling shop: taken over within 10 s, no history gap beyond that, no repeated event or webhook call", async () => {
    // The alerts of t1-t9 fired once each, on whichever instance polls them.
    await waitFor("nine alerts announced", () => hooks.filter((h) => h.state === "firing").length, (n) => n >= 9, 30_000);
    const before = await waitFor("all leased again", owners, (m) => m.size === names.length, 30_000);
    const victim = before.get("shop")!;
    assert.ok([...before].some(([t, o]) => t !== "shop" && o === victim), "the victim also polls a topology whose alert fires");
    // Kill the instance that polls shop, and with it the alerting topologies it polls: a new
    // owner starting from nothing would fire their alerts again within a second or two.
    const killedAt = Date.now();
    server(victim).child.kill("SIGKILL");
    const after = await waitFor("shop re-owned", owners, (m) => !!m.get("shop") && m.get("shop") !== victim && [...m.values()].every((o) => o !== victim) && m.size === names.length, 20_000);
    const takeoverMs = Date.now() - killedAt;
    assert.ok(takeoverMs <= 10_000, `taken over in ${takeoverMs} ms`);
    assert.notEqual(after.get("shop"), victim);
    servers.delete(victim);

    // History: the master's 1 s samples show no gap longer than 10 s around the kill.
    const node = `127.0.0.1:${shop.master.port}`;
    await waitFor("samples after the takeover", async () => (await sql<{ n: string }>(databaseUrl, `select count(*) as n from metric_1s s join metric_nodes n on n.id = s.node_id where n.topology = 'shop' and n.node = $1 and s.t > $2`, [node, killedAt + 5000]))[0]?.n, (n) => Number(n) >= 3, 20_000);
    const ts = (await sql<{ t: string }>(databaseUrl, `select s.t from metric_1s s join metric_nodes n on n.id = s.node_id where n.topology = 'shop' and n.node = $1 and s.t > $2 order by s.t`, [node, killedAt - 20_000])).map((r) => Number(r.t));
    const gaps = ts.slice(1).map((t, i) => t - ts[i]!);
    assert.ok(Math.max(...gaps) <= 10_000, `largest history gap ${Math.max(...gaps)} ms`);

    // Events: each node discovered once in all, by whichever instance polled it first.
    const discovered = await sql<{ node: string; n: string }>(databaseUrl, `select node, count(*) as n from events where kind = 'node:discovered' group by node`);
    for (const d of discovered) {
      if (Number(d.n) === 1) continue;
      const rows = await sql<{ id: string; at: string; topology: string }>(databaseUrl, `select id, at, topology from events where kind = 'node:discovered' and node = $1`, [d.node]);
      assert.fail(`${d.node} discovered ${d.n} times: ${rows.map((r) => `${r.topology} at ${Number(r.at) - killedAt} ms from the kill (slot ${Math.floor((Number(r.id) % 4096) / 256)})`).join("; ")}`);
    }
    assert.equal(discovered.length, 1 + 1 + lone.length, "every node discovered");
    const alerts = await sql<{ topology: string; n: string }>(databaseUrl, `select topology, count(*) as n from events where kind = 'alert:replicas-missing' group by topology`);
    assert.equal(alerts.length, 9);
    for (const a of alerts) assert.equal(Number(a.n), 1, `${a.topology}: replicas-missing recorded ${a.n} times`);
    // Webhook: each of t1-t9 announced firing once, none resolved (the cause persists).
    const firing = hooks.filter((h) => h.state === "firing");
    assert.deepEqual(firing.map((h) => h.topology).sort(), names.filter((n) => n !== "shop").sort());
    assert.equal(hooks.filter((h) => h.state === "resolved").length, 0);
  });

  test("an instance that joins takes its share without any topology polled twice meanwhile", async () => {
    const pollers = async (): Promise<number[]> => Promise.all(lone.map(async (r) => (await pollingInstances(r.port)).length));
    const samples: number[][] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        samples.push(await pollers());
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const env = { REPLSCOPE_DATABASE_URL: databaseUrl, REPLSCOPE_COORDINATION_URL: `redis://127.0.0.1:${coord.port}`, REPLSCOPE_POLL_MS: "100", REPLSCOPE_CONFIG: path.join(configDir, "fleet.json"), REPLSCOPE_INSTANCE_ID: "d" };
    servers.set("d", await startServer(env));
    const held = await waitFor("d takes a share", owners, (m) => [...m.values()].includes("d") && m.size === names.length, 30_000);
    // Let the moves settle, then stop sampling.
    await waitFor("every lone server polled once", pollers, (n) => n.every((x) => x === 1), 15_000);
    sampling = false;
    await sampler;
    const worst = Math.max(...samples.flat());
    assert.ok(samples.length > 20, `${samples.length} samples`);
    assert.ok(worst <= 1, `a server was polled by ${worst} instances at once during the rebalance`);
    assert.ok([...held.values()].filter((o) => o === "d").length >= 1);
  });

  test("an instance restarted at once under the same id (maybe within its old lease) goes on feeding the others' browsers", async () => {
    const held = await owners();
    const mine = names.filter((t) => t !== "shop" && held.get(t) === "d");
    assert.ok(mine.length > 0, "d polls a lone topology");
    const t = mine[0]!;
    const r = lone[Number(t.slice(1)) - 1]!;
    const viewer = [...servers.keys()].find((id) => id !== "d")!;
    const c = connect(server(viewer).url, { token: TEST_TOKEN });
    sockets.push(c.socket);
    await c.snapshot;
    const env = { REPLSCOPE_DATABASE_URL: databaseUrl, REPLSCOPE_COORDINATION_URL: `redis://127.0.0.1:${coord.port}`, REPLSCOPE_POLL_MS: "100", REPLSCOPE_CONFIG: path.join(configDir, "fleet.json"), REPLSCOPE_INSTANCE_ID: "d" };
    server("d").child.kill("SIGKILL");
    await server("d").stop();
    servers.set("d", await startServer(env));
    await waitFor(`${t} polled by d again`, owners, (m) => m.get(t) === "d" && m.size === names.length, 30_000);
    const before = c.deltas.length;
    await cli(r.port, "REPLICAOF", "127.0.0.1", String(await freePort()));
    await waitFor("the change reaches the other instance's socket", () => c.deltas.slice(before), (d) => roleIn(d, t, r.port, "replica"), 15_000);
    await cli(r.port, "REPLICAOF", "NO", "ONE");
    await waitFor("and the next one", () => c.deltas.slice(before), (d) => roleIn(d, t, r.port, "master"), 15_000);
  });
});
