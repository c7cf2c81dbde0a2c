// viewerValues: false through the real server: a viewer learns whether copies are equal, different
// or behind, never anything derived from a value (digest, length, encoding, memory, the detail
// "length 7 on master, 8 on replica"), on any route that shows keys.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Redis from "ioredis";
import { hashPassword } from "../../lib/auth/password";
import { startRedis, type LocalRedis } from "../../lib/redis/local-server";
import { startServer, type ServerProcess } from "../support/server";
import { cli, FAST_SYNC, startTopology, type Topology } from "../support/topology";
import { waitFor } from "../support/wait";

type Json = Record<string, unknown>;
type Column = { id: string; verdict: string; digest: unknown; length: unknown; encoding: unknown; details: unknown; difference: { kind: string; detail: string } | null };

const SECRET = "hunter2";

describe("viewerValues: false", () => {
  let topo: Topology;
  let writable: LocalRedis;
  let server: ServerProcess;
  let dir: string;
  let viewer: string;
  let operator: string;

  const call = async (cookie: string, url: string, init: RequestInit = {}) => {
    const res = await fetch(`${server.url}${url}`, { ...init, headers: { cookie, ...(init.body ? { "content-type": "application/json" } : {}) } });
    const text = await res.text();
    let body: Json = {};
    try {
      body = JSON.parse(text) as Json;
    } catch {
      /* CSV */
    }
    return { status: res.status, body, text };
  };
  const loginAs = async (username: string, password: string) => {
    const res = await fetch(`${server.url}/api/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username, password }) });
    assert.equal(res.status, 200);
    return (res.headers.get("set-cookie") ?? "").split(";")[0]!;
  };

  before(async () => {
    topo = await startTopology({ replicas: 0 });
    writable = await startRedis({ args: [...FAST_SYNC, "--replica-read-only", "no"], replicaOf: { host: topo.master.host, port: topo.master.port } });
    await waitFor("writable replica linked", () => cli(writable.port, "INFO", "replication"), (o) => o.includes("master_link_status:up"), 15_000);
    const m = new Redis({ port: topo.master.port, host: "127.0.0.1" });
    const w = new Redis({ port: writable.port, host: "127.0.0.1" });
    await m.set("secret", SECRET);
    await m.hset("h", { a: "1", b: "2" });
    await m.call("WAIT", "1", "5000");
    await w.set("secret", `${SECRET}2`); // one byte longer on the replica
    await w.hset("h", "a", "9"); // same length, other content
    m.disconnect();
    w.disconnect();

    dir = mkdtempSync(path.join(tmpdir(), "replscope-viewer-values-"));
    const file = path.join(dir, "config.json");
    writeFileSync(
      file,
      JSON.stringify({
        topologies: [{ name: "main", seeds: [`redis://127.0.0.1:${topo.master.port}`], pollMs: 100 }],
        users: [
          { name: "vera", role: "viewer", passwordHash: hashPassword("viewer-pass-123") },
          { name: "otto", role: "operator", passwordHash: hashPassword("operator-pass-123") },
        ],
        viewerValues: false,
      }),
    );
    server = await startServer({ REPLSCOPE_CONFIG: file });
    viewer = await loginAs("vera", "viewer-pass-123");
    operator = await loginAs("otto", "operator-pass-123");
    await waitFor(
      "2 nodes up",
      async () => ((await call(operator, "/api/topology")).body.topologies as { nodes: { status: string }[] }[])[0]?.nodes ?? [],
      (nodes) => nodes.length === 2 && nodes.every((n) => n.status === "up"),
      20_000,
      200,
    );
  });

  after(async () => {
    await server?.stop();
    await writable?.stop();
    await topo?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("side by side: operators get digests and lengths, viewers only the verdict", async () => {
    for (const [how, get] of [
      ["GET", (cookie: string) => call(cookie, "/api/keys/compare?key=secret")],
      ["POST", (cookie: string) => call(cookie, "/api/keys/compare", { method: "POST", body: JSON.stringify({ key: "secret" }) })],
    ] as const) {
      const op = await get(operator);
      assert.equal(op.status, 200, `${how} ${op.text}`);
      const opCols = op.body.nodes as Column[];
      const digest = opCols[0]?.digest;
      assert.equal(typeof digest, "string", how);
      assert.equal(opCols[0]?.length, SECRET.length, how);
      assert.match(opCols[1]?.difference?.detail ?? "", /length 7 on master, 8 on replica/, how);

      const v = await get(viewer);
      assert.equal(v.status, 200, `${how} ${v.text}`);
      const cols = v.body.nodes as Column[];
      assert.deepEqual(cols.map((c) => c.verdict), ["master", "different"], how);
      for (const c of cols) {
        assert.equal(c.digest, null, how);
        assert.equal(c.length, null, how);
        assert.equal(c.encoding, null, how);
        assert.equal(c.details, null, how);
      }
      assert.equal(cols[1]?.difference?.kind, "value", how);
      assert.ok(!v.text.includes(digest as string), `${how}: the digest leaked`);
      assert.ok(!v.text.includes(SECRET), how);
      assert.doesNotMatch(v.text, /length \d|same length|"memory":\d|embstr|listpack/, `${how}: ${v.text}`);
    }
  });

  test("opening a key: no value, length, encoding, memory or page cursor for viewers", async () => {
    const id = encodeURIComponent(topo.master.id);
    const v = await call(viewer, `/api/nodes/${id}/key?key=secret`);
    assert.equal(v.status, 200, v.text);
    assert.equal(v.body.valueHidden, true);
    for (const f of ["value", "length", "encoding", "memory"]) assert.equal(v.body[f], null, f);
    assert.equal(v.body.nextCursor, undefined);
    assert.equal(v.body.type, "string");
    const body = await call(viewer, `/api/nodes/${id}/key/read`, { method: "POST", body: JSON.stringify({ key: "h" }) });
    assert.equal(body.status, 200, body.text);
    assert.equal(body.body.length, null);
    assert.equal(body.body.value, null);
    const op = await call(operator, `/api/nodes/${id}/key?key=secret`);
    assert.equal(op.body.length, SECRET.length);
  });

  test("a whole-keyspace compare report: viewers see kinds, not the value-derived details", async () => {
    const started = await call(operator, "/api/compare", { method: "POST", body: JSON.stringify({}) });
    assert.equal(started.status, 202, started.text);
    const id = started.body.id as string;
    const done = await waitFor(`compare ${id}`, async () => (await call(operator, `/api/compare/${id}`)).body, (b) => b.status !== "running", 60_000, 200);
    type Diff = { key: string; kind: string; detail: string };
    const opDiffs = (done.differences as Diff[]).map((d) => `${d.kind} ${d.key} ${d.detail}`).sort();
    assert.deepEqual(opDiffs, ["value h same length (2), different content", "value secret length 7 on master, 8 on replica"]);

    const v = await call(viewer, `/api/compare/${id}`);
    assert.equal(v.status, 200);
    const diffs = (v.body.differences as Diff[]).map((d) => `${d.kind} ${d.key}`).sort();
    assert.deepEqual(diffs, ["value h", "value secret"]);
    for (const d of v.body.differences as Diff[]) assert.doesNotMatch(d.detail, /length|\d/, d.detail);
    for (const download of ["report.json", "report.csv"]) {
      const r = await call(viewer, `/api/compare/${id}/${download}`);
      assert.equal(r.status, 200);
      assert.match(r.text, /secret/);
      assert.doesNotMatch(r.text, /length 7|same length/, download);
    }
  });
});
