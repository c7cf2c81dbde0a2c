// Several replscope instances (REPLSCOPE_COORDINATION_URL) on one PostgreSQL store (a database
// created here on 127.0.0.1:5432 and dropped after) and a coordination redis-server started here.
// Instance A watches topology "shop" (a master and a replica); instances B and C watch only "other"
// (one lone redis-server), so any "shop" delta a client on B or C receives was produced by A and
// crossed through the Redis Streams adapter, and an "other" change reaches a client on B once (from
// B, not again from C). Logins made on A work on B and C; logging out on A ends the session there
// (HTTP and open sockets); restarting the coordination Redis loses no later update.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { io, type Socket } from "socket.io-client";
import { freePort, startRedis, stopAll, type LocalRedis } from "../../lib/redis/local-server";
import type { ClientToServerEvents, ServerToClientEvents, TopologyDelta } from "../../lib/realtime/events";
import { login, startServer, TEST_TOKEN, type ServerProcess } from "../support/server";
import { cli, startTopology, type Topology } from "../support/topology";
import { waitFor } from "../support/wait";

const PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres";
type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

async function admin(sql: string): Promise<void> {
  const c = new pg.Client(PG_ADMIN);
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** A socket.io client that keeps every topology delta it receives. */
function connect(url: string, auth: { token?: string; cookie?: string }): { socket: Client; deltas: TopologyDelta[]; snapshot: Promise<void> } {
  const deltas: TopologyDelta[] = [];
  const socket: Client = io(url, {
    transports: ["websocket"],
    reconnection: false,
    ...(auth.token ? { auth: { token: auth.token } } : {}),
    ...(auth.cookie ? { extraHeaders: { cookie: auth.cookie } } : {}),
  });
  socket.on("topology:delta", (d) => deltas.push(d));
  const snapshot = new Promise<void>((resolve, reject) => {
    socket.once("topology:snapshot", () => resolve());
    socket.once("connect_error", reject);
  });
  return { socket, deltas, snapshot };
}

/** How many times the deltas carry a role-change event for the node on `port` of topology `name`. */
function roleEvents(deltas: TopologyDelta[], name: string, port: number): number {
  return deltas.flatMap((d) => d.events).filter((e) => e.topology === name && e.kind === "node:role-changed" && e.node.endsWith(`:${port}`)).length;
}

/** The role a delta says the node on `port` of topology `name` has now, if it says so. */
function roleIn(deltas: TopologyDelta[], name: string, port: number, role: string): boolean {
  return deltas.some((d) => d.topologies.some((t) => t.name === name && t.upserts.some((u) => u.id.endsWith(`:${port}`) && u.role === role)));
}

describe("several instances: shared sessions and socket updates across instances", () => {
  const dbName = `replscope_multi_${process.pid}_${Date.now().toString(36)}`;
  const databaseUrl = `postgres://postgres@127.0.0.1:5432/${dbName}`;
  let coord: LocalRedis;
  let other: LocalRedis;
  let shop: Topology;
  let a: ServerProcess;
  let b: ServerProcess;
  let c: ServerProcess;
  let configDir: string;
  const sockets: Client[] = [];

  before(async () => {
    await admin(`create database ${dbName}`);
    coord = await startRedis();
    other = await startRedis();
    shop = await startTopology({ replicas: 1 });
    configDir = mkdtempSync(path.join(tmpdir(), "replscope-multi-"));
    const config = (name: string, port: number) => {
      const file = path.join(configDir, `${name}.json`);
      writeFileSync(file, JSON.stringify({ topologies: [{ name, seeds: [`redis://127.0.0.1:${port}`] }] }));
      return file;
    };
    const shared = { REPLSCOPE_DATABASE_URL: databaseUrl, REPLSCOPE_COORDINATION_URL: `redis://127.0.0.1:${coord.port}`, REPLSCOPE_POLL_MS: "100" };
    // One at a time: the first creates the schema and the session secret, the second reads them.
    a = await startServer({ ...shared, REPLSCOPE_CONFIG: config("shop", shop.master.port), REPLSCOPE_INSTANCE_ID: "a" });
    b = await startServer({ ...shared, REPLSCOPE_CONFIG: config("other", other.port), REPLSCOPE_INSTANCE_ID: "b" });
    c = await startServer({ ...shared, REPLSCOPE_CONFIG: config("other", other.port), REPLSCOPE_INSTANCE_ID: "c" });
  });

  after(async () => {
    for (const s of sockets) s.disconnect();
    await Promise.all([a?.stop(), b?.stop(), c?.stop()]);
    await shop?.stop();
    await stopAll([coord, other].filter(Boolean));
    rmSync(configDir, { recursive: true, force: true });
    await admin(`drop database if exists ${dbName} with (force)`);
  });

  test("the start banner names the coordination Redis by host and port only", () => {
    assert.match(a.output(), new RegExp(`instance a, coordinating through redis://127\\.0\\.0\\.1:${coord.port}`));
  });

  test("a login on A works on B and C; logging out on A ends it there, open sockets on B included", async () => {
    const cookie = await login(a.url);
    for (const s of [b, c]) {
      const me = await fetch(`${s.url}/api/auth/me`, { headers: { cookie } });
      assert.equal(me.status, 200);
      assert.equal(((await me.json()) as { user: string }).user, "admin");
    }
    const onB = connect(b.url, { cookie });
    sockets.push(onB.socket);
    await onB.snapshot;
    const closed = new Promise<string>((resolve) => onB.socket.once("disconnect", resolve));
    const out = await fetch(`${a.url}/api/auth/logout`, { method: "POST", headers: { cookie } });
    assert.equal(out.status, 200);
    assert.equal(await closed, "io server disconnect");
    await waitFor("B refuses the cookie", async () => (await fetch(`${b.url}/api/auth/me`, { headers: { cookie } })).status, (s) => s === 401, 15_000);
    await waitFor("C refuses the cookie", async () => (await fetch(`${c.url}/api/auth/me`, { headers: { cookie } })).status, (s) => s === 401, 15_000);
    // Never accepted again, on either instance.
    assert.equal((await fetch(`${a.url}/api/auth/me`, { headers: { cookie } })).status, 401);
  });

  test("a role change only A observes reaches a socket on B; after restarting the coordination Redis the next one does too", async () => {
    const onB = connect(b.url, { token: TEST_TOKEN });
    const onC = connect(c.url, { token: TEST_TOKEN });
    sockets.push(onB.socket, onC.socket);
    await Promise.all([onB.snapshot, onC.snapshot]);
    const replica = shop.replicas[0]!;
    await cli(replica.port, "REPLICAOF", "NO", "ONE");
    await waitFor("promotion seen on B", () => onB.deltas, (d) => roleIn(d, "shop", replica.port, "master") && roleEvents(d, "shop", replica.port) >= 1, 20_000);
    await waitFor("promotion seen on C", () => onC.deltas, (d) => roleIn(d, "shop", replica.port, "master") && roleEvents(d, "shop", replica.port) >= 1, 20_000);

    // "other" is polled by B and C both: a client on B hears of its change from B only, once.
    await cli(other.port, "REPLICAOF", "127.0.0.1", String(await freePort()));
    await waitFor("other's role change seen on B", () => onB.deltas, (d) => roleIn(d, "other", other.port, "replica"), 20_000);
    await waitFor("other's role change seen on C", () => onC.deltas, (d) => roleIn(d, "other", other.port, "replica"), 20_000);
    await cli(other.port, "REPLICAOF", "NO", "ONE");
    await waitFor("other back to master on B", () => onB.deltas, (d) => roleEvents(d, "other", other.port) >= 2, 20_000);
    await waitFor("other back to master on C", () => onC.deltas, (d) => roleEvents(d, "other", other.port) >= 2, 20_000);

    await coord.stop();
    await coord.restart();
    const before = onB.deltas.length;
    await cli(replica.port, "REPLICAOF", "127.0.0.1", String(shop.master.port));
    await waitFor("demotion seen on B after the restart", () => onB.deltas.slice(before), (d) => roleIn(d, "shop", replica.port, "replica"), 30_000);
    assert.ok(onB.socket.connected, "the browser's socket to B stayed up through the coordination Redis restart");
    // A's demotion came through the one stream after anything C sent about "other" earlier, so a
    // copy from C would have arrived by now: every change reached B exactly once.
    assert.equal(roleEvents(onB.deltas, "shop", replica.port), 2, "A's two events reached B once each");
    assert.equal(roleEvents(onB.deltas, "other", other.port), 2, "each of other's changes reached B once, not again from C");
  });

  test("an instance serves socket.io over WebSocket only (HTTP long-polling would need sticky sessions)", async () => {
    const res = await fetch(`${b.url}/socket.io/?EIO=4&transport=polling`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
    assert.equal(res.status, 400);
  });
});
