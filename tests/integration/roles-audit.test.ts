// Roles, audit, login throttling and "log out everywhere" through the real server.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { io } from "socket.io-client";
import { hashPassword } from "../../lib/auth/password";
import { login, startServer, TEST_PASSWORD, TEST_TOKEN, type ServerProcess } from "../support/server";
import { rawRequest } from "../support/raw-http";
import { startTopology, type Topology } from "../support/topology";

type AuditEntries = { entries: { user: string; action: string; result: string; at: number; params?: Record<string, unknown> }[] };
const tokenAuth = { authorization: `Bearer ${TEST_TOKEN}` };

/** Resolves with the value, or rejects after `ms` (so a missing event fails the test instead of hanging it). */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms)));
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

async function loginAs(url: string, username: string, password: string): Promise<Response> {
  return fetch(`${url}/api/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username, password }) });
}

describe("roles and audit", () => {
  let topo: Topology;
  let server: ServerProcess;
  let dir: string;
  before(async () => {
    topo = await startTopology({ replicas: 1 });
    dir = mkdtempSync(path.join(tmpdir(), "replscope-roles-"));
    const file = path.join(dir, "config.json");
    writeFileSync(
      file,
      JSON.stringify({
        topologies: [{ name: "main", seeds: [`redis://127.0.0.1:${topo.master.port}`] }],
        users: [
          { name: "vera", role: "viewer", passwordHash: hashPassword("viewer-pass-123") },
          { name: "otto", role: "operator", passwordHash: hashPassword("operator-pass-123") },
        ],
      }),
    );
    server = await startServer({ REPLSCOPE_CONFIG: file });
  });
  after(async () => {
    await server?.stop();
    await topo?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("users from the config log in with their role; a viewer cannot do operator actions, even with a forged role header", async () => {
    const res = await loginAs(server.url, "vera", "viewer-pass-123");
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { ok: true, user: "vera", role: "viewer" });
    const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0]!;
    const me = (await (await fetch(`${server.url}/api/auth/me`, { headers: { cookie } })).json()) as { user: string; role: string };
    assert.deepEqual(me, { user: "vera", role: "viewer", canSeeValues: true });
    assert.equal((await fetch(`${server.url}/api/topology`, { headers: { cookie } })).status, 200, "viewers read everything");
    const forged = await fetch(`${server.url}/api/auth/logout-all`, { method: "POST", headers: { cookie, "x-replscope-role": "operator", "x-replscope-user": "admin" } });
    assert.equal(forged.status, 403);
    const audit = (await (await fetch(`${server.url}/api/audit?action=login`, { headers: { cookie } })).json()) as { entries: { user: string; result: string }[] };
    assert.ok(audit.entries.some((e) => e.user === "vera" && e.result === "ok"));
  });

  test("failed logins are throttled per client and user, with Retry-After", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await loginAs(server.url, "otto", "wrong-password")).status);
    assert.deepEqual(statuses.slice(0, 5), [401, 401, 401, 401, 401]);
    assert.equal(statuses[6], 429);
    const locked = await loginAs(server.url, "otto", "operator-pass-123");
    assert.equal(locked.status, 429, "even the right password waits out the lockout");
    assert.ok(Number(locked.headers.get("retry-after")) >= 1);
    // Another user from the same client is not locked out.
    assert.equal((await loginAs(server.url, "vera", "viewer-pass-123")).status, 200);
    const cookie = await login(server.url, TEST_PASSWORD);
    const audit = (await (await fetch(`${server.url}/api/audit?user=otto`, { headers: { cookie } })).json()) as { entries: { result: string }[] };
    assert.ok(audit.entries.filter((e) => e.result === "denied").length >= 5, "failed logins are audited");
  });

  test("log out everywhere ends every session, and is audited", async () => {
    const viewer = ((await loginAs(server.url, "vera", "viewer-pass-123")).headers.get("set-cookie") ?? "").split(";")[0]!;
    const admin = await login(server.url, TEST_PASSWORD);
    const sock = io(server.url, { transports: ["websocket"], extraHeaders: { cookie: viewer }, reconnection: false });
    await new Promise((resolve) => sock.once("topology:snapshot", resolve));
    const dropped = new Promise<string>((resolve) => sock.once("disconnect", (reason) => resolve(reason)));
    assert.equal((await fetch(`${server.url}/api/topology`, { headers: { cookie: viewer } })).status, 200);
    const res = await fetch(`${server.url}/api/auth/logout-all`, { method: "POST", headers: { cookie: admin } });
    assert.equal(res.status, 200);
    assert.equal((await fetch(`${server.url}/api/topology`, { headers: { cookie: viewer } })).status, 401);
    assert.equal(await dropped, "io server disconnect", "the viewer's open socket was closed");
    sock.close();
    assert.equal((await fetch(`${server.url}/api/topology`, { headers: { cookie: admin } })).status, 401);
    const fresh = await login(server.url, TEST_PASSWORD);
    const audit = (await (await fetch(`${server.url}/api/audit?action=logout-everywhere`, { headers: { cookie: fresh } })).json()) as { entries: { user: string }[] };
    assert.equal(audit.entries.at(-1)?.user, "admin");
  });
});

describe("logout ends the session on the server (issue 9, finding 12)", () => {
  let topo: Topology;
  let server: ServerProcess;
  before(async () => {
    topo = await startTopology({ replicas: 0 });
    server = await startServer({ REPLSCOPE_SEEDS: `redis://127.0.0.1:${topo.master.port}` });
  });
  after(async () => {
    await server?.stop();
    await topo?.stop();
  });

  test("regression: after logout the old cookie gets 401 and that session's sockets (every tab) are closed; other sessions stay", async () => {
    const cookie = await login(server.url);
    const otherBrowser = await login(server.url);
    const open = (c: string, transport: "websocket" | "polling") => io(server.url, { transports: [transport], extraHeaders: { cookie: c }, reconnection: false });
    const tabs = [open(cookie, "websocket"), open(cookie, "polling")];
    const other = open(otherBrowser, "websocket");
    try {
      await within(Promise.all([...tabs, other].map((s) => new Promise((resolve) => s.once("topology:snapshot", resolve)))), 10_000, "snapshots");
      const dropped = tabs.map((s) => new Promise<{ reason: string; at: number }>((resolve) => s.once("disconnect", (reason) => resolve({ reason, at: Date.now() }))));
      const sentAt = Date.now();
      const res = await fetch(`${server.url}/api/auth/logout`, { method: "POST", headers: { cookie } });
      assert.equal(res.status, 200);
      assert.match(res.headers.get("set-cookie") ?? "", /Max-Age=0/);
      const closed = await within(Promise.all(dropped), 5_000, "socket disconnect after logout");
      assert.deepEqual(closed.map((c) => c.reason), ["io server disconnect", "io server disconnect"]);
      console.log(`logout: sockets closed ${closed.map((c) => c.at - sentAt).join(" and ")} ms after the logout request was sent`);

      assert.equal((await fetch(`${server.url}/api/topology`, { headers: { cookie } })).status, 401, "the old cookie no longer works");
      const page = await fetch(`${server.url}/`, { headers: { cookie }, redirect: "manual" });
      assert.equal(page.status, 302);
      const again = open(cookie, "websocket");
      const outcome = await within(new Promise<string>((resolve) => {
        again.on("connect_error", (e) => resolve(e.message));
        again.on("connect", () => resolve("connected"));
      }), 10_000, "reconnect outcome");
      again.close();
      assert.match(outcome, /unauthorized/);

      assert.equal(other.connected, true, "another session's socket stays open");
      assert.equal((await fetch(`${server.url}/api/topology`, { headers: { cookie: otherBrowser } })).status, 200);
      const audit = (await (await fetch(`${server.url}/api/audit?action=logout`, { headers: tokenAuth })).json()) as AuditEntries;
      assert.equal(audit.entries.at(-1)?.user, "admin");
    } finally {
      for (const s of [...tabs, other]) s.close();
    }
  });

  test("the session list survives a restart: a cookie issued before it still works, a logged-out one does not", async () => {
    const kept = await login(server.url);
    const ended = await login(server.url);
    assert.equal((await fetch(`${server.url}/api/auth/logout`, { method: "POST", headers: { cookie: ended } })).status, 200);
    const dataDir = server.dataDir;
    const { child } = server;
    const gone = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await gone;
    server = await startServer({ REPLSCOPE_SEEDS: `redis://127.0.0.1:${topo.master.port}`, REPLSCOPE_DATA_DIR: dataDir });
    assert.equal((await fetch(`${server.url}/api/topology`, { headers: { cookie: kept } })).status, 200);
    assert.equal((await fetch(`${server.url}/api/topology`, { headers: { cookie: ended } })).status, 401);
  });
});

describe("login throttle cannot be flushed (issue 9, finding 3)", () => {
  let topo: Topology;
  let server: ServerProcess;
  before(async () => {
    topo = await startTopology({ replicas: 0 });
    server = await startServer({ REPLSCOPE_SEEDS: `redis://127.0.0.1:${topo.master.port}` });
  });
  after(async () => {
    await server?.stop();
    await topo?.stop();
  });

  test("regression: admin stays locked after 10,050 failed logins with unique names from the same client", async () => {
    const started = Date.now();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await loginAs(server.url, "admin", "wrong-password")).status);
    assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429]);

    const flood = new Map<number, number>();
    let next = 0;
    const worker = async () => {
      while (next < 10_050) {
        const i = next++;
        const status = (await loginAs(server.url, `flood-${i}`, "wrong-password")).status;
        flood.set(status, (flood.get(status) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    console.log(`throttle flood: 10,050 unique names → ${JSON.stringify(Object.fromEntries(flood))}`);
    // 15 until the address is locked, then one more each time a (doubling) lock runs out.
    assert.ok((flood.get(401) ?? 0) <= 30, `the flood itself is throttled per client: ${JSON.stringify(Object.fromEntries(flood))}`);
    assert.equal((flood.get(401) ?? 0) + (flood.get(429) ?? 0), 10_050);

    const locked = await loginAs(server.url, "admin", "wrong-password");
    assert.equal(locked.status, 429, "admin is still locked");
    assert.ok(Number(locked.headers.get("retry-after")) >= 1);
    assert.equal((await loginAs(server.url, "admin", TEST_PASSWORD)).status, 429, "even with the right password");

    // Another client address is not locked out by this one.
    const elsewhere = await rawRequest({
      port: server.port,
      path: "/api/auth/login",
      method: "POST",
      headers: { "content-type": "application/json", host: `127.0.0.1:${server.port}` },
      body: JSON.stringify({ password: TEST_PASSWORD }),
      localAddress: "127.0.0.2",
    });
    assert.equal(elsewhere.status, 200);

    // The audit log has the failures and one line per lock for the throttled attempts, not 10,000 lines.
    const audit = (await (await fetch(`${server.url}/api/audit?action=login&since=${started}&limit=5000`, { headers: tokenAuth })).json()) as AuditEntries;
    const byResult = (r: string) => audit.entries.filter((e) => e.result === r);
    assert.ok(byResult("denied").length >= 5 && byResult("denied").length <= 40, `denied: ${byResult("denied").length}`);
    // One line per lock: the locks double (1 s, 2 s, 4 s …), so a minute holds a handful of them.
    assert.ok(byResult("throttled").length >= 1 && byResult("throttled").length <= 20, `throttled: ${byResult("throttled").length}`);
    assert.ok(byResult("throttled").some((e) => e.user === "admin" && e.params?.lock === "user"));
    const future = (await (await fetch(`${server.url}/api/audit?action=login&since=${Date.now() + 60_000}`, { headers: tokenAuth })).json()) as AuditEntries;
    assert.deepEqual(future.entries, [], "the time filter applies");
    const beforeAll = (await (await fetch(`${server.url}/api/audit?until=${started - 1}`, { headers: tokenAuth })).json()) as AuditEntries;
    assert.ok(beforeAll.entries.every((e) => e.at < started));
  });
});
