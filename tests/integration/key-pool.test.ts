// The key connection pool built by server.ts: one connection per (scope, node, db), reused, and
// all of them closed on shutdown (before step 8 the pool was a lazy global nobody closed).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { KeyConnectionPool } from "../../lib/keys/connections";
import { startRedis, type LocalRedis } from "../../lib/redis/local-server";
import { cli } from "../support/topology";
import { waitFor } from "../support/wait";

let node: LocalRedis;
before(async () => {
  node = await startRedis({});
});
after(async () => {
  await node.stop();
});

const clientsNamed = async (name: string): Promise<number> =>
  (await cli(node.port, "CLIENT", "LIST")).split("\n").filter((l) => l.includes(`name=${name}`)).length;

test("the pool reuses one connection per node and db, and close() ends them all", async () => {
  const pool = new KeyConnectionPool();
  const conn = { host: node.host, port: node.port, timeoutMs: 2000, connectionName: "pool-test" };
  const a = await pool.connection("t", conn, 0);
  const b = await pool.connection("t", conn, 0);
  const c = await pool.connection("t", conn, 3);
  assert.equal(a, b, "same node and db: the same connection");
  assert.notEqual(a, c, "another db: another connection");
  await c.set("on-db-3", "x");
  assert.equal(await cli(node.port, "-n", "3", "GET", "on-db-3"), "x", "the db-3 connection SELECTed db 3");
  assert.equal(pool.size, 2);
  await waitFor("2 pool connections on the server", () => clientsNamed("pool-test"), (n) => n === 2);
  pool.close();
  assert.equal(pool.size, 0);
  await waitFor("no pool connection left on the server", () => clientsNamed("pool-test"), (n) => n === 0);
  await assert.rejects(pool.connection("t", conn, 0), /closed/);
});

test("past its size the pool closes the least recently used idle connection, never one in use", async () => {
  const conn = { host: node.host, port: node.port, timeoutMs: 2000 };
  const idle = new KeyConnectionPool({ maxConnections: 2, busyMs: 0 });
  const busy = new KeyConnectionPool({ maxConnections: 2, busyMs: 60_000 });
  try {
    const first = await idle.connection("t", conn, 0);
    await idle.connection("t", conn, 1);
    await idle.connection("t", conn, 2);
    assert.equal(idle.size, 2, "the oldest (idle) connection made room");
    await waitFor("the evicted connection closed", () => first.status, (s) => s === "end" || s === "close");
    for (const db of [0, 1, 2]) await busy.connection("t", conn, db);
    assert.equal(busy.size, 3, "connections used within busyMs stay, over the soft size (a whole-cluster page)");
  } finally {
    idle.close();
    busy.close();
  }
});
