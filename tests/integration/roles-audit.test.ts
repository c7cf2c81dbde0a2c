// Roles, audit, login throttling and "log out everywhere" through the real server.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { io } from "socket.io-client";
import { hashPassword } from "../../lib/auth/password";
import { login, startServer, TEST_PASSWORD, type ServerProcess } from "../support/server";
import { startTopology, type Topology } from "../support/topology";

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
