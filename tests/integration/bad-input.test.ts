// A corpus of bad requests against every API route and socket event: every answer is a 4xx JSON
// error, the server stays up, and nothing is written (no Redis key, no job, no drill).
import { MAX_BODY_BYTES } from "../../lib/http/body";
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { request } from "node:http";
import path from "node:path";
import { io, type Socket } from "socket.io-client";
import type { ClientToServerEvents, ServerToClientEvents } from "../../lib/realtime/events";
import { startServer, TEST_TOKEN, type ServerProcess } from "../support/server";
import { cli, startTopology, type Topology } from "../support/topology";

interface Case {
  method: string;
  path: string;
  body?: string;
  type?: string;
}

const HUGE = "x".repeat(200_000);
const enc = encodeURIComponent;

function corpus(master: string, replica: string): Case[] {
  const cases: Case[] = [];
  const badIds = ["..%2F..%2Fetc%2Fpasswd", enc("../../etc/passwd"), "nohost", enc("127.0.0.1:99999"), enc("127.0.0.1:1"), enc("10.0.0.1:6379"), enc(`${HUGE.slice(0, 400)}:1`), "%00", enc("a b:1"), enc("[::1]:abc")];
  for (const id of badIds) {
    for (const sub of ["", "/logs", "/keys", "/key?key=a", "/key/ttl"]) {
      cases.push({ method: sub === "/key/ttl" ? "POST" : "GET", path: `/api/nodes/${id}${sub}`, body: sub === "/key/ttl" ? JSON.stringify({ key: "a", db: 0, ttl: 5 }) : undefined });
    }
    cases.push({ method: "DELETE", path: `/api/nodes/${id}/key?key=a` });
  }
  const n = enc(master);
  const keysQ = ["match=%5B", "match=" + enc("a\\"), "match=" + "*".repeat(40), "match=" + enc(HUGE.slice(0, 2000)), "type=nope", "type=", "db=-1", "db=abc", "db=99999", "db=1.5", "cursor=abc", "cursor=-5", "cursor=" + "9".repeat(40), "count=0", "count=-3", "count=100000", "count=abc", "count=1e3x"];
  for (const q of keysQ) cases.push({ method: "GET", path: `/api/nodes/${n}/keys?${q}` });
  const keyQ = ["", "key=", "key=b64:%%%", "key=a&db=-1", "key=a&db=x", "key=a&pageSize=0", "key=a&pageSize=5000", "key=a&cursor=" + "c".repeat(100), "db=0"];
  for (const q of keyQ) cases.push({ method: "GET", path: `/api/nodes/${n}/key?${q}` });
  for (const q of ["", "key=", "key=a&db=abc", "key=b64:***"]) cases.push({ method: "DELETE", path: `/api/nodes/${n}/key?${q}` });
  const ttlBodies = ["", "{", "null", "[]", '"x"', JSON.stringify({}), JSON.stringify({ key: "a" }), JSON.stringify({ key: "a", db: 0, ttl: 0 }), JSON.stringify({ key: "a", db: 0, ttl: -5 }), JSON.stringify({ key: "a", db: 0, ttl: "5" }), JSON.stringify({ key: "a", db: 0, ttl: 1e12 }), JSON.stringify({ key: "a", db: 0, ttl: 5, extra: 1 }), JSON.stringify({ key: 5, db: 0, ttl: 5 }), JSON.stringify({ key: "a", db: 0, ttl: 5.5 })];
  for (const b of ttlBodies) cases.push({ method: "POST", path: `/api/nodes/${n}/key/ttl`, body: b });
  cases.push({ method: "POST", path: `/api/nodes/${n}/key/ttl`, body: JSON.stringify({ key: "a", db: 0, ttl: 5 }), type: "text/plain" });
  cases.push({ method: "POST", path: `/api/nodes/${n}/key/ttl`, body: JSON.stringify({ key: HUGE, db: 0, ttl: 5 }).repeat(30) });
  for (const q of ["logs?after=-1", "logs?limit=0", "logs?limit=99999", "logs?after=abc", "logs?bogus=1", "?since=-1", "?since=abc", "?topology=" + "t".repeat(100)]) cases.push({ method: "GET", path: `/api/nodes/${n}/${q.startsWith("?") ? q.slice(1) === q ? q : "" : ""}${q.startsWith("?") ? q : q}` });
  for (const q of ["", "key=", "key=a&db=-1", "key=a&db=zz", "key=a&topology=" + "x".repeat(80), "key=a&topology=nope"]) cases.push({ method: "GET", path: `/api/keys/compare?${q}` });
  const compareBodies = ["{", "[1]", JSON.stringify({ match: "[" }), JSON.stringify({ db: -1 }), JSON.stringify({ db: "x" }), JSON.stringify({ topology: "nope" }), JSON.stringify({ maxKeysPerSec: 1 }), JSON.stringify({ ttlToleranceMs: -1 }), JSON.stringify({ unknown: true }), JSON.stringify({ match: HUGE.slice(0, 5000) })];
  for (const b of compareBodies) cases.push({ method: "POST", path: "/api/compare", body: b });
  for (const id of ["x", "0123", "../../x", "ZZZZZZZZZZZZZZZZ", "0123456789abcdef0"]) {
    cases.push({ method: "GET", path: `/api/compare/${enc(id)}` }, { method: "DELETE", path: `/api/compare/${enc(id)}` }, { method: "GET", path: `/api/compare/${enc(id)}/report.csv` }, { method: "GET", path: `/api/compare/${enc(id)}/report.json` });
  }
  cases.push({ method: "GET", path: "/api/compare/0123456789abcdef" });
  for (const q of ["limit=0", "limit=-1", "limit=99999", "limit=x", "since=-4", "until=x", "beforeId=0", "bogus=1", "kind=" + "k".repeat(600)]) cases.push({ method: "GET", path: `/api/events?${q}` });
  for (const q of ["limit=0", "limit=x", "user=" + "u".repeat(100), "nope=1"]) cases.push({ method: "GET", path: `/api/audit?${q}` });
  for (const q of ["", "node=x", `node=${n}&db=-1`, `node=${n}&from=5&to=1`, `node=${n}&from=abc`, "node=" + enc("127.0.0.1:1")]) cases.push({ method: "GET", path: `/api/fluentd?${q}` });
  const drillBodies = ["", "{", JSON.stringify({}), JSON.stringify({ topology: "main" }), JSON.stringify({ topology: "main", scenario: "explode" }), JSON.stringify({ topology: "main", scenario: "promote", target: "nohost" }), JSON.stringify({ topology: "main", scenario: "promote", target: "127.0.0.1:1" }), JSON.stringify({ topology: "nope", scenario: "promote" }), JSON.stringify({ topology: "main", scenario: "promote", options: { outageMs: -1 } }), JSON.stringify({ topology: "main", scenario: "promote", options: { bogus: 1 } }), JSON.stringify({ topology: "main", scenario: "promote", extra: 1 }), JSON.stringify({ topology: "main", scenario: "promote" })];
  for (const b of drillBodies) cases.push({ method: "POST", path: "/api/drills", body: b });
  for (const q of ["", "topology=main", "topology=main&scenario=x", "topology=nope&scenario=promote", "topology=main&scenario=promote&target=zz"]) cases.push({ method: "GET", path: `/api/drills/plan?${q}` });
  for (const id of ["x", "../x", "00000000-0000-0000-0000-000000000000"]) {
    cases.push({ method: "GET", path: `/api/drills/${enc(id)}` }, { method: "POST", path: `/api/drills/${enc(id)}/abort` }, { method: "GET", path: `/api/drills/${enc(id)}/report.md` });
  }
  const loginBodies = ["", "{", "null", JSON.stringify({}), JSON.stringify({ password: "" }), JSON.stringify({ password: 1 }), JSON.stringify({ password: "x", extra: 1 }), JSON.stringify({ username: 5, password: "x" }), JSON.stringify({ password: HUGE })];
  for (const b of loginBodies) cases.push({ method: "POST", path: "/api/auth/login", body: b });
  cases.push({ method: "POST", path: "/api/auth/login", body: "password=x", type: "application/x-www-form-urlencoded" });
  for (const p of ["/api/nope", "/api/nodes", "/api/drills/x/y/z", "/api/topology/extra", "/api/compare/x/y"]) cases.push({ method: "GET", path: p }, { method: "POST", path: p, body: "{}" });
  for (const m of ["PUT", "PATCH"]) cases.push({ method: m, path: "/api/topology", body: "{}" }, { method: m, path: "/api/drills", body: "{}" });
  cases.push({ method: "DELETE", path: `/api/nodes/${enc(replica)}/key?key=definitely-missing` });
  return cases;
}

describe("bad input", () => {
  let topo: Topology;
  let server: ServerProcess;
  let dir: string;
  before(async () => {
    topo = await startTopology({ replicas: 1 });
    await cli(topo.master.port, "SET", "keep", "me");
    dir = mkdtempSync(path.join(tmpdir(), "replscope-bad-"));
    const file = path.join(dir, "config.json");
    writeFileSync(file, JSON.stringify({ topologies: [{ name: "main", seeds: [`redis://127.0.0.1:${topo.master.port}`], drills: false }] }));
    server = await startServer({ REPLSCOPE_CONFIG: file });
  });
  after(async () => {
    await server?.stop();
    await topo?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("at least 200 bad requests: each a 4xx JSON error, server up, nothing written", async () => {
    const cases = corpus(topo.master.id, topo.replicas[0]!.id);
    assert.ok(cases.length >= 200, `corpus has ${cases.length} cases`);
    const dbsizeBefore = await cli(topo.master.port, "DBSIZE");
    const failures: string[] = [];
    for (const c of cases) {
      let res: Response;
      try {
        res = await fetch(`${server.url}${c.path}`, {
          method: c.method,
          headers: { authorization: `Bearer ${TEST_TOKEN}`, ...(c.body !== undefined ? { "content-type": c.type ?? "application/json" } : {}) },
          body: c.body,
        });
      } catch (err) {
        // A body over the front door's limit is refused (413, Connection: close) before it is read:
        // a client still sending it may see the connection reset instead of the answer.
        if ((c.body?.length ?? 0) > MAX_BODY_BYTES) continue;
        failures.push(`${c.method} ${c.path.slice(0, 80)}: request failed ${String(err)}`);
        continue;
      }
      const text = await res.text();
      let error: unknown;
      try {
        error = (JSON.parse(text) as { error?: unknown }).error;
      } catch {
        error = undefined;
      }
      if (res.status < 400 || res.status >= 500 || typeof error !== "string" || !error) {
        failures.push(`${c.method} ${c.path.slice(0, 100)} ${c.body?.slice(0, 60) ?? ""} → ${res.status} ${text.slice(0, 120)}`);
      }
    }
    assert.deepEqual(failures, [], `${failures.length} of ${cases.length} answers were not 4xx JSON errors`);
    assert.equal((await fetch(`${server.url}/api/health`)).status, 200, "still up");
    assert.equal(await cli(topo.master.port, "DBSIZE"), dbsizeBefore, "no key was written or deleted");
    assert.equal(await cli(topo.master.port, "GET", "keep"), "me");
    for (const sub of ["compare", "drills"]) {
      const p = path.join(server.dataDir, sub);
      assert.deepEqual(existsSync(p) ? readdirSync(p) : [], [], `nothing saved in ${sub}/`);
    }
  });

  test("an encoded path traversal under /api is refused as JSON, not turned into a page path", async () => {
    // fetch() would normalise "%2e%2e" away before sending; a raw request sends it as written.
    const raw = (p: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const r = request({ host: "127.0.0.1", port: server.port, path: p, headers: { authorization: `Bearer ${TEST_TOKEN}` } }, (res) => {
          let body = "";
          res.on("data", (d: Buffer) => (body += d.toString()));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        });
        r.on("error", reject);
        r.end();
      });
    for (const p of ["/api/%2e%2e/%2e%2e/etc/passwd", "/api/../etc/passwd", "/api/%2E%2E/login", "/api/%ZZ"]) {
      const res = await raw(p);
      assert.equal(res.status, 400, `${p} → ${res.status}`);
      assert.match(res.body, /"error"/);
    }
  });

  test("bad socket events and oversize messages do not crash the server or leak", async () => {
    const sock: Socket<ServerToClientEvents, ClientToServerEvents> = io(server.url, { transports: ["websocket"], auth: { token: TEST_TOKEN }, reconnection: false });
    await new Promise((resolve) => sock.once("topology:snapshot", resolve));
    const raw = sock as unknown as { emit(ev: string, ...args: unknown[]): void };
    for (let i = 0; i < 50; i++) raw.emit("topology:resync", { junk: i }, "x".repeat(100));
    for (const ev of ["drill:start", "nope", "__proto__", "constructor", "x".repeat(1000)]) raw.emit(ev, { topology: "main" });
    const dropped = new Promise<string>((resolve) => sock.once("disconnect", (reason) => resolve(reason)));
    raw.emit("topology:resync", "y".repeat(100_000)); // past maxHttpBufferSize: the server drops this client
    // Read in order on one connection: the server got through the junk above before dropping it.
    assert.equal(await dropped, "transport close", "the server closed the connection");
    sock.close();
    assert.equal((await fetch(`${server.url}/api/health`)).status, 200, "still up");
    const again: Socket<ServerToClientEvents, ClientToServerEvents> = io(server.url, { transports: ["websocket"], auth: { token: TEST_TOKEN }, reconnection: false });
    const snap = await new Promise<unknown>((resolve) => again.once("topology:snapshot", resolve));
    again.close();
    assert.ok(snap, "a fresh client still gets a snapshot");
  });
});
