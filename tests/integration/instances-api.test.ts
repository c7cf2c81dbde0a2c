// GET /api/instances on the built server running alone (no REPLSCOPE_COORDINATION_URL): the
// single-instance answer, readable by a viewer, under the request convention; and /metrics then
// has no fleet samples. Fleet mode is covered by the multi-instance test.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { hashPassword } from "../../lib/auth/password";
import type { InstancesAnswer } from "../../lib/fleet/instances";
import { parseExposition } from "../../lib/metrics/exposition";
import { startRedis, type LocalRedis } from "../../lib/redis/local-server";
import { startServer, TEST_TOKEN, type ServerProcess } from "../support/server";

const auth = { authorization: `Bearer ${TEST_TOKEN}` };

describe("/api/instances alone", () => {
  const redis: LocalRedis[] = [];
  let server: ServerProcess;
  let dir: string;
  let startedBefore: number;
  before(async () => {
    redis.push(await startRedis(), await startRedis());
    dir = mkdtempSync(path.join(tmpdir(), "replscope-instances-"));
    const file = path.join(dir, "config.json");
    writeFileSync(
      file,
      JSON.stringify({
        topologies: [
          { name: "sessions", seeds: [`redis://127.0.0.1:${redis[0]!.port}`], drills: false },
          { name: "cache", seeds: [`redis://127.0.0.1:${redis[1]!.port}`], drills: false },
        ],
        users: [{ name: "vera", role: "viewer", passwordHash: hashPassword("viewer-pass-123") }],
      }),
    );
    startedBefore = Date.now();
    server = await startServer({ REPLSCOPE_CONFIG: file, REPLSCOPE_INSTANCE_ID: "solo-1" });
  });
  after(async () => {
    await server?.stop();
    for (const r of redis) await r.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("says single, with this instance's id, start and every configured topology", async () => {
    const res = await fetch(`${server.url}/api/instances`, { headers: auth });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("cache-control"), "no-store");
    const body = (await res.json()) as InstancesAnswer;
    assert.equal(body.mode, "single");
    assert.ok(body.mode === "single");
    assert.equal(body.instance.id, "solo-1");
    assert.deepEqual(body.instance.topologies, ["cache", "sessions"]);
    assert.ok(body.instance.startedAt >= startedBefore && body.instance.startedAt <= body.at, JSON.stringify(body));
    assert.ok(Math.abs(body.at - Date.now()) < 5000);
    assert.deepEqual(Object.keys(body).sort(), ["at", "instance", "mode"]);
  });

  test("a viewer may read it; without a login it is 401 JSON; an unknown parameter is a 400 naming it; POST is 405", async () => {
    const login = await fetch(`${server.url}/api/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "vera", password: "viewer-pass-123" }) });
    assert.equal(login.status, 200);
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0]!;
    const viewer = await fetch(`${server.url}/api/instances`, { headers: { cookie } });
    assert.equal(viewer.status, 200);
    assert.equal(((await viewer.json()) as InstancesAnswer).mode, "single");

    const anonymous = await fetch(`${server.url}/api/instances`);
    assert.equal(anonymous.status, 401);
    assert.match(((await anonymous.json()) as { error: string }).error, /login required/);

    const bogus = await fetch(`${server.url}/api/instances?verbose=1`, { headers: auth });
    assert.equal(bogus.status, 400);
    assert.deepEqual(await bogus.json(), { error: "verbose: unknown query parameter", field: "verbose" });

    const post = await fetch(`${server.url}/api/instances`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: "{}" });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get("allow"), "GET, HEAD, OPTIONS");
  });

  test("the page is served behind the login, and /metrics has no fleet samples alone", async () => {
    const page = await fetch(`${server.url}/instances`, { redirect: "manual" });
    assert.equal(page.status, 302);
    assert.match(page.headers.get("location") ?? "", /^\/login\?next=%2Finstances/);
    const withToken = await fetch(`${server.url}/instances`, { headers: auth });
    assert.equal(withToken.status, 200);
    const metrics = parseExposition(await (await fetch(`${server.url}/metrics`, { headers: auth })).text());
    assert.deepEqual(metrics.samples.filter((s) => s.name.startsWith("replscope_fleet_")), []);
    assert.ok(metrics.samples.some((s) => s.name === "replscope_monitored_nodes"), "the existing series are still there");
  });
});
