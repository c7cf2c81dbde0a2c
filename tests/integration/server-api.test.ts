// The real server process (server.ts + the production Next build) against real Redis: auth, the
// topology API, errors as JSON, the socket handshake, and configuration errors at start.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, writeFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { io } from "socket.io-client";
import type { TopologySnapshot } from "../../lib/realtime/events";
import { login, startServer, TEST_PASSWORD, TEST_TOKEN, type ServerProcess } from "../support/server";
import { rawRequest } from "../support/raw-http";
import { startTopology, type Topology } from "../support/topology";
import { waitFor } from "../support/wait";

describe("HTTP API and socket", () => {
  let topo: Topology;
  let server: ServerProcess;
  before(async () => {
    topo = await startTopology({ replicas: 2, chained: 1 });
    server = await startServer({ REPLSCOPE_SEEDS: `redis://127.0.0.1:${topo.replicas[1]!.port}`, REPLSCOPE_POLL_MS: "100" });
  });
  after(async () => {
    await server?.stop();
    await topo?.stop();
  });

  test("pages carry a nonce CSP (no unsafe-inline scripts) and the other security headers", async () => {
    const res = await fetch(`${server.url}/login`);
    const csp = res.headers.get("content-security-policy") ?? "";
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    assert.ok(nonce, `CSP has a nonce: ${csp}`);
    assert.doesNotMatch(/script-src[^;]*/.exec(csp)?.[0] ?? "", /unsafe-inline/);
    assert.match(csp, /frame-ancestors 'none'/);
    const scripts = [...(await res.text()).matchAll(/<script[^>]*>/g)].map((m) => m[0]);
    assert.ok(scripts.length > 0);
    for (const s of scripts) assert.ok(s.includes(`nonce="${nonce}"`), `script without the nonce: ${s}`);
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    assert.equal(res.headers.get("referrer-policy"), "same-origin");
    const again = await fetch(`${server.url}/login`);
    assert.notEqual(/'nonce-([^']+)'/.exec(again.headers.get("content-security-policy") ?? "")?.[1], nonce, "a fresh nonce per request");
  });

  test("GET /api/health needs no login", async () => {
    const res = await fetch(`${server.url}/api/health`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { ok: true });
  });

  test("/api/topology without login is 401 JSON; pages redirect to /login", async () => {
    const res = await fetch(`${server.url}/api/topology`);
    assert.equal(res.status, 401);
    assert.match(res.headers.get("content-type") ?? "", /application\/json/);
    assert.ok(((await res.json()) as { error: string }).error.length > 0);
    const page = await fetch(`${server.url}/`, { redirect: "manual" });
    assert.equal(page.status, 302);
    assert.match(page.headers.get("location") ?? "", /^\/login/);
    const wrongToken = await fetch(`${server.url}/api/topology`, { headers: { authorization: "Bearer nope-nope-nope-nope" } });
    assert.equal(wrongToken.status, 401);
  });

  test("wrong password is refused, malformed bodies are 4xx JSON", async () => {
    const post = (body: string, type = "application/json") =>
      fetch(`${server.url}/api/auth/login`, { method: "POST", headers: { "content-type": type }, body });
    assert.equal((await post(JSON.stringify({ password: "nope" }))).status, 401);
    assert.equal((await post("{not json")).status, 400);
    assert.equal((await post(JSON.stringify({ password: 5 }))).status, 400);
    assert.equal((await post("password=x", "application/x-www-form-urlencoded")).status, 415);
    const cross = await fetch(`${server.url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: "http://evil.example" },
      body: JSON.stringify({ password: TEST_PASSWORD }),
    });
    assert.equal(cross.status, 403, "cross-origin login is refused");
  });

  test("login sets an httpOnly SameSite=Strict cookie and /api/topology lists the whole tree", async () => {
    const res = await fetch(`${server.url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ password: TEST_PASSWORD }),
    });
    const setCookie = res.headers.get("set-cookie") ?? "";
    assert.match(setCookie, /HttpOnly/i);
    assert.match(setCookie, /SameSite=Strict/i);
    const cookie = setCookie.split(";")[0]!;
    type Api = { topologies: { name: string; nodes: Record<string, unknown>[] }[]; updatedAt: string };
    const body = await waitFor(
      "4 nodes up in the API",
      async () => (await (await fetch(`${server.url}/api/topology`, { headers: { cookie } })).json()) as Api,
      (b) => b.topologies[0]?.nodes.length === 4 && b.topologies[0].nodes.every((n) => n.status === "up"),
      15_000,
      200,
    );
    assert.ok(!Number.isNaN(Date.parse(body.updatedAt)));
    const nodes = body.topologies[0]!.nodes;
    const master = nodes.find((n) => n.id === topo.master.id)!;
    assert.equal(master.role, "master");
    for (const key of ["id", "host", "port", "role", "status", "masterId", "linkStatus", "replOffset", "lagBytes", "lagSeconds", "syncInProgress", "readOnly", "runId"]) {
      assert.ok(key in master, `node has ${key}`);
    }
    const chained = nodes.find((n) => n.id === topo.chained[0]!.id)!;
    assert.equal(chained.masterId, topo.replicas[0]!.id);
    assert.equal(typeof chained.lagBytes, "number");
    assert.equal(chained.readOnly, true);
  });

  test("bearer token works for scripts; unknown API routes are 404 JSON", async () => {
    const auth = { authorization: `Bearer ${TEST_TOKEN}` };
    assert.equal((await fetch(`${server.url}/api/topology`, { headers: auth })).status, 200);
    const missing = await fetch(`${server.url}/api/does-not-exist`, { headers: auth });
    assert.equal(missing.status, 404);
    assert.ok(((await missing.json()) as { error: string }).error.includes("/api/does-not-exist"));
    const badNode = await fetch(`${server.url}/api/nodes/${encodeURIComponent("../../etc/passwd")}`, { headers: auth });
    assert.equal(badNode.status, 400);
    const unknownNode = await fetch(`${server.url}/api/nodes/${encodeURIComponent("127.0.0.1:1")}`, { headers: auth });
    assert.equal(unknownNode.status, 404);
    const node = await fetch(`${server.url}/api/nodes/${encodeURIComponent(topo.master.id)}`, { headers: auth });
    assert.equal(node.status, 200);
    const detail = (await node.json()) as { node: { role: string }; replicas: unknown[] };
    assert.equal(detail.node.role, "master");
    assert.equal(detail.replicas.length, 2);
  });

  test("the socket refuses anonymous clients and sends a snapshot then deltas after login", async () => {
    const anon = io(server.url, { transports: ["websocket"], reconnection: false });
    const refused = await new Promise<string>((resolve) => {
      anon.on("connect_error", (e) => resolve(e.message));
      anon.on("connect", () => resolve("connected"));
    });
    anon.close();
    assert.match(refused, /unauthorized/);

    const cookie = await login(server.url);
    const sock = io(server.url, { transports: ["websocket"], reconnection: false, extraHeaders: { cookie } });
    try {
      const snap = await new Promise<TopologySnapshot>((resolve, reject) => {
        sock.on("topology:snapshot", resolve);
        sock.on("connect_error", reject);
      });
      assert.equal(snap.topologies[0]?.nodes.length, 4);
      const gotDelta = new Promise<boolean>((resolve) => sock.once("topology:delta", () => resolve(true)));
      const { cli } = await import("../support/topology");
      await cli(topo.master.port, "SET", "delta-trigger", "1");
      assert.equal(await gotDelta, true);
    } finally {
      sock.close();
    }
  });

  test("the socket refuses a foreign Origin even with a valid cookie", async () => {
    const cookie = await login(server.url);
    const sock = io(server.url, { transports: ["polling"], reconnection: false, extraHeaders: { cookie, origin: "http://evil.example" } });
    const outcome = await new Promise<string>((resolve) => {
      sock.on("connect_error", (e) => resolve(`error: ${e.message}`));
      sock.on("connect", () => resolve("connected"));
    });
    sock.close();
    assert.match(outcome, /^error/);
  });

  test("regression: a Host this server is not configured for gets 421 JSON, for pages, the API and socket handshakes (DNS rebinding)", async () => {
    const cookie = await login(server.url);
    const port = server.port;
    for (const host of [`evil.example:${port}`, "evil.example", `127.0.0.1:${port}.evil.example`, `localhost:${port + 1}`]) {
      for (const p of ["/", "/login", "/api/health", "/api/topology", "/metrics", "/socket.io/?EIO=4&transport=polling"]) {
        const res = await rawRequest({ port, path: p, headers: { host, cookie, authorization: `Bearer ${TEST_TOKEN}` } });
        assert.equal(res.status, 421, `${host} ${p} → ${res.status}`);
        assert.match(res.body, /"error":"replscope does not answer for host/);
        assert.ok(!res.body.includes("nodes"), "no content");
      }
      const upgrade = await rawRequest({
        port,
        path: "/socket.io/?EIO=4&transport=websocket",
        headers: { host, cookie, connection: "Upgrade", upgrade: "websocket", "sec-websocket-version": "13", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==" },
      });
      assert.equal(upgrade.status, 421, `websocket handshake with Host ${host}`);
      assert.match(upgrade.body, /"error"/);
    }
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`]) {
      const res = await rawRequest({ port, path: "/api/topology", headers: { host, cookie } });
      assert.equal(res.status, 200, `${host} is answered`);
    }
  });

  test("passwords never leave the server", async () => {
    const text = await (await fetch(`${server.url}/api/topology`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } })).text();
    assert.doesNotMatch(text, new RegExp(TEST_PASSWORD));
    // The login state lives in the store (database and write-ahead log): only a hash of the password.
    const stored = ["replscope.db", "replscope.db-wal"].map((f) => path.join(server.dataDir, f)).filter((f) => existsSync(f)).map((f) => readFileSync(f, "latin1")).join("");
    assert.match(stored, /scrypt\$/, "the hash is stored");
    assert.doesNotMatch(stored, new RegExp(TEST_PASSWORD), "only a hash is stored");
  });
});

describe("configuration errors", () => {
  test("a bad seed URL fails at start with a message naming it", async () => {
    const s = await startServer({ REPLSCOPE_SEEDS: "redis://127.0.0.1:1,http://u:hunter2@x:2" }, { expectExit: true });
    const code = await new Promise<number | null>((r) => s.child.once("exit", (c) => r(c)));
    await s.stop();
    assert.equal(code, 2);
    assert.match(s.output(), /seed #2/);
    assert.match(s.output(), /redis:\/\/ or rediss:\/\//);
    assert.doesNotMatch(s.output(), /hunter2/, "the password in the bad URL is not echoed");
  });

  test("a config file with an unknown field names the field", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "replscope-cfg-"));
    const file = path.join(dir, "config.json");
    writeFileSync(file, JSON.stringify({ topologies: [{ name: "a", seeds: ["redis://127.0.0.1:1"], pollMS: 100 }] }));
    const s = await startServer({ REPLSCOPE_CONFIG: file }, { expectExit: true });
    const code = await new Promise<number | null>((r) => s.child.once("exit", (c) => r(c)));
    await s.stop();
    rmSync(dir, { recursive: true, force: true });
    assert.equal(code, 2);
    assert.match(s.output(), /topologies\.0/);
    assert.match(s.output(), /pollMS/);
  });
});

describe("REPLSCOPE_PUBLIC_URL", () => {
  test("only the public URL's host is answered; the listen address is then refused", async () => {
    const s = await startServer({ REPLSCOPE_SEEDS: "redis://127.0.0.1:1", REPLSCOPE_PUBLIC_URL: "https://replscope.example.com" }, { expectExit: true });
    try {
      await waitFor("server up behind its public name", async () => (await rawRequest({ port: s.port, path: "/api/health", headers: { host: "replscope.example.com" } })).status, (st) => st === 200, 60_000, 200);
      assert.equal((await rawRequest({ port: s.port, path: "/api/health", headers: { host: `127.0.0.1:${s.port}` } })).status, 421);
      assert.equal((await rawRequest({ port: s.port, path: "/api/health", headers: { host: "replscope.example.com:443" } })).status, 200);
      const login = await rawRequest({
        port: s.port,
        path: "/api/auth/login",
        method: "POST",
        headers: { host: "replscope.example.com", "content-type": "application/json", origin: "https://replscope.example.com" },
        body: JSON.stringify({ password: TEST_PASSWORD }),
      });
      assert.equal(login.status, 200);
      assert.match(String(login.headers["set-cookie"]), /; Secure/, "an https public URL makes the cookie Secure");
    } finally {
      await s.stop();
    }
  });
});

describe("Prometheus /metrics", () => {
  let topo: Topology;
  let server: ServerProcess;
  before(async () => {
    topo = await startTopology({ replicas: 1 });
    server = await startServer({ REPLSCOPE_SEEDS: `redis://127.0.0.1:${topo.master.port}`, REPLSCOPE_POLL_MS: "100" });
  });
  after(async () => {
    await server?.stop();
    await topo?.stop();
  });

  test("needs the bearer token (401, not a redirect) and exports replication series", async () => {
    const anon = await fetch(`${server.url}/metrics`, { redirect: "manual" });
    assert.equal(anon.status, 401);
    const text = await waitFor(
      "replica lag series",
      async () => (await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } })).text(),
      (t) => t.includes(`replscope_replica_lag_bytes{topology="default",node="${topo.replicas[0]!.id}"`),
      10_000,
      200,
    );
    assert.match(text, new RegExp(`replscope_node_up\\{topology="default",node="${topo.master.id}"\\} 1`));
    assert.match(text, /# TYPE replscope_poll_duration_seconds histogram/);
    assert.match(text, /replscope_socket_clients \d+/);
    assert.doesNotMatch(text, new RegExp(TEST_PASSWORD));
  });
});
