// One request and error convention on every API route (issue 11 §3), through the real server: a
// malformed % in an id, an unknown query parameter, a bad body, a wrong method and a missing login
// each get the same kind of JSON answer everywhere.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { allowedMethods, ROUTE_METHODS } from "../../lib/http/method-table";
import { rawRequest, type RawResponse } from "../support/raw-http";
import { startServer, TEST_TOKEN, type ServerProcess } from "../support/server";
import { cli, startTopology, type Topology } from "../support/topology";

interface RouteCase {
  /** A path that reaches the route's handler (ids well formed). */
  path: string;
  /** The id segment, replaced by a malformed escape for the % check. */
  id?: string;
  /** A body that fails validation, and the field the answer must name. */
  badBody?: { method: string; body: unknown; field: string };
  /** Reachable without login. */
  public?: boolean;
  /** A POST whose input is its query (POST /api/import: the body is a file). */
  postQuery?: boolean;
}

const COMPARE_ID = "0123456789abcdef";
const DRILL_ID = "00000000-0000-0000-0000-000000000000";
const BACKUP_ID = "20261130T000000Z-00000000";
const SCHEDULE_ID = "0123456789abcdef";
const RESTORE_DRILL_ID = "rd-0123456789abcdef";

function cases(node: string): Record<string, RouteCase> {
  const n = encodeURIComponent(node);
  return {
    "/api/[...slug]": { path: "/api/no-such-route" },
    "/api/audit": { path: "/api/audit" },
    "/api/auth/login": { path: "/api/auth/login", public: true, badBody: { method: "POST", body: { password: 5 }, field: "password" } },
    "/api/auth/logout": { path: "/api/auth/logout" },
    "/api/auth/logout-all": { path: "/api/auth/logout-all" },
    "/api/auth/me": { path: "/api/auth/me" },
    "/api/backup-schedules": { path: "/api/backup-schedules", badBody: { method: "POST", body: { topology: "main", everyHours: 0 }, field: "everyHours" } },
    "/api/backup-schedules/[id]": { path: `/api/backup-schedules/${SCHEDULE_ID}`, id: SCHEDULE_ID, badBody: { method: "PATCH", body: { keepLast: 0 }, field: "keepLast" } },
    "/api/backups": { path: "/api/backups", badBody: { method: "POST", body: { node: 5 }, field: "node" } },
    "/api/backups/[id]": { path: `/api/backups/${BACKUP_ID}`, id: BACKUP_ID },
    "/api/backups/[id]/file": { path: `/api/backups/${BACKUP_ID}/file`, id: BACKUP_ID },
    "/api/backups/[id]/verify": { path: `/api/backups/${BACKUP_ID}/verify`, id: BACKUP_ID, badBody: { method: "POST", body: { compareWithLive: "yes" }, field: "compareWithLive" } },
    "/api/clusters/[topology]": { path: "/api/clusters/main", id: "main" },
    "/api/clusters/[topology]/keys": { path: "/api/clusters/main/keys", id: "main" },
    "/api/clusters/[topology]/keys/describe": { path: "/api/clusters/main/keys/describe", id: "main", badBody: { method: "POST", body: { keys: [] }, field: "keys" } },
    "/api/compare": { path: "/api/compare", badBody: { method: "POST", body: { match: "*", bogus: 1 }, field: "bogus" } },
    "/api/compare/[id]": { path: `/api/compare/${COMPARE_ID}`, id: COMPARE_ID },
    "/api/compare/[id]/report.csv": { path: `/api/compare/${COMPARE_ID}/report.csv`, id: COMPARE_ID },
    "/api/compare/[id]/report.json": { path: `/api/compare/${COMPARE_ID}/report.json`, id: COMPARE_ID },
    "/api/drills": { path: "/api/drills", badBody: { method: "POST", body: { topology: "main", scenario: "promote", options: { outageMs: -1 } }, field: "options.outageMs" } },
    "/api/drills/[id]": { path: `/api/drills/${DRILL_ID}`, id: DRILL_ID },
    "/api/drills/[id]/abort": { path: `/api/drills/${DRILL_ID}/abort`, id: DRILL_ID },
    "/api/drills/[id]/report.md": { path: `/api/drills/${DRILL_ID}/report.md`, id: DRILL_ID },
    "/api/drills/plan": { path: "/api/drills/plan?topology=main&scenario=promote" },
    "/api/events": { path: "/api/events" },
    "/api/export": { path: "/api/export", badBody: { method: "POST", body: { node, bogus: 1 }, field: "bogus" } },
    "/api/export/[id]": { path: `/api/export/${COMPARE_ID}`, id: COMPARE_ID },
    "/api/export/[id]/file": { path: `/api/export/${COMPARE_ID}/file`, id: COMPARE_ID },
    "/api/fluentd": { path: `/api/fluentd?node=${n}` },
    "/api/health": { path: "/api/health", public: true },
    "/api/import": { path: `/api/import?node=${n}&policy=skip`, postQuery: true },
    "/api/import/[id]": { path: `/api/import/${COMPARE_ID}`, id: COMPARE_ID },
    "/api/instances": { path: "/api/instances" },
    "/api/keys/compare": { path: "/api/keys/compare?key=a", badBody: { method: "POST", body: { key: "a", db: "x" }, field: "db" } },
    "/api/nodes/[id]": { path: `/api/nodes/${n}`, id: n },
    "/api/nodes/[id]/key": { path: `/api/nodes/${n}/key?key=a`, id: n },
    "/api/nodes/[id]/key/delete": { path: `/api/nodes/${n}/key/delete`, id: n, badBody: { method: "POST", body: { key: "" }, field: "key" } },
    "/api/nodes/[id]/key/read": { path: `/api/nodes/${n}/key/read`, id: n, badBody: { method: "POST", body: { key: "a", pageSize: 0 }, field: "pageSize" } },
    "/api/nodes/[id]/key/ttl": { path: `/api/nodes/${n}/key/ttl`, id: n, badBody: { method: "POST", body: { key: "a", ttl: 0 }, field: "ttl" } },
    "/api/nodes/[id]/keys": { path: `/api/nodes/${n}/keys`, id: n },
    "/api/nodes/[id]/keys/describe": { path: `/api/nodes/${n}/keys/describe`, id: n, badBody: { method: "POST", body: { keys: [] }, field: "keys" } },
    "/api/nodes/[id]/keys/tree": { path: `/api/nodes/${n}/keys/tree`, id: n },
    "/api/nodes/[id]/logs": { path: `/api/nodes/${n}/logs`, id: n },
    "/api/nodes/[id]/persistence": { path: `/api/nodes/${n}/persistence`, id: n },
    "/api/export/[id]/verify": { path: "/api/export/0123456789abcdef/verify", id: "0123456789abcdef" },
    "/api/restore-drills": { path: "/api/restore-drills" },
    "/api/restore-drills/[id]": { path: `/api/restore-drills/${RESTORE_DRILL_ID}`, id: RESTORE_DRILL_ID },
    "/api/topology": { path: "/api/topology" },
    "/api/topology/restore-plan": { path: "/api/topology/restore-plan?topology=main" },
    "/metrics": { path: "/metrics" },
  };
}

/** The case's query string is for the query forms (GET, DELETE); POST sends its input in the body. */
function pathFor(c: RouteCase, method: string): string {
  return method === "GET" || method === "DELETE" || c.postQuery ? c.path : c.path.split("?")[0]!;
}

const auth = { authorization: `Bearer ${TEST_TOKEN}` };

function send(server: ServerProcess, method: string, p: string, opts: { body?: unknown; anonymous?: boolean } = {}): Promise<RawResponse> {
  const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  const headers: Record<string, string> = { host: `127.0.0.1:${server.port}`, ...(opts.anonymous ? {} : auth) };
  if (body !== undefined) Object.assign(headers, { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) });
  return rawRequest({ port: server.port, path: p, method, headers, body });
}

/** The JSON error of an answer; fails the test when the body is not `{ error: string, field?: string }`. */
function errorOf(res: RawResponse, what: string): { error: string; field?: string } {
  assert.match(String(res.headers["content-type"]), /^application\/json/, `${what}: content-type`);
  const parsed = JSON.parse(res.body) as { error?: unknown; field?: unknown };
  assert.equal(typeof parsed.error, "string", `${what}: ${res.body}`);
  assert.ok((parsed.error as string).length > 0, what);
  for (const k of Object.keys(parsed)) assert.ok(k === "error" || k === "field", `${what}: unexpected key ${k}`);
  return parsed as { error: string; field?: string };
}

describe("request convention", () => {
  let topo: Topology;
  let server: ServerProcess;
  let dir: string;
  let table: Record<string, RouteCase>;
  before(async () => {
    topo = await startTopology({ replicas: 1 });
    dir = mkdtempSync(path.join(tmpdir(), "replscope-convention-"));
    const file = path.join(dir, "config.json");
    writeFileSync(file, JSON.stringify({ topologies: [{ name: "main", seeds: [`redis://127.0.0.1:${topo.master.port}`], drills: false }] }));
    server = await startServer({ REPLSCOPE_CONFIG: file });
    table = cases(topo.master.id);
  });
  after(async () => {
    await server?.stop();
    await topo?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("the table covers every route the server has", () => {
    assert.deepEqual(Object.keys(table).sort(), Object.keys(ROUTE_METHODS).sort());
  });

  test("a malformed % in an id is a 400 JSON error, never a 500", async () => {
    for (const [pattern, c] of Object.entries(table)) {
      if (!c.id) continue;
      for (const bad of ["%ZZ", `${c.id.slice(0, 4)}%E0%A4%A`, `${c.id}%`]) {
        const p: string = c.path.replace(c.id, bad);
        for (const method of ROUTE_METHODS[pattern]!) {
          const res = await send(server, method, p, { body: method === "GET" || method === "DELETE" ? undefined : {} });
          assert.equal(res.status, 400, `${method} ${p} → ${res.status} ${res.body}`);
          errorOf(res, `${method} ${p}`);
        }
      }
    }
  });

  test("an unknown query parameter is a 400 naming it, on every route and method", async () => {
    for (const [pattern, c] of Object.entries(table)) {
      if (pattern === "/api/[...slug]") continue; // no route: 404 whatever the query
      for (const method of ROUTE_METHODS[pattern]!) {
        const p: string = `${pathFor(c, method)}${pathFor(c, method).includes("?") ? "&" : "?"}bogus=1`;
        const res = await send(server, method, p, { body: method === "GET" || method === "DELETE" ? undefined : {} });
        assert.equal(res.status, 400, `${method} ${p} → ${res.status} ${res.body}`);
        const e = errorOf(res, `${method} ${p}`);
        assert.equal(e.field, "bogus", `${method} ${p}: ${res.body}`);
        assert.equal(e.error, "bogus: unknown query parameter");
      }
    }
  });

  test("a bad body is a 400 naming the field; nothing is written", async () => {
    await cli(topo.master.port, "SET", "a", "kept");
    let checked = 0;
    for (const c of Object.values(table)) {
      if (!c.badBody) continue;
      const p = c.path.split("?")[0]!;
      const res = await send(server, c.badBody.method, p, { body: c.badBody.body });
      assert.equal(res.status, 400, `${c.badBody.method} ${p} → ${res.status} ${res.body}`);
      const e = errorOf(res, p);
      assert.equal(e.field, c.badBody.field, `${p}: ${res.body}`);
      assert.ok(e.error.startsWith(`${c.badBody.field}: `), `${p}: message names the field first: ${e.error}`);
      checked++;
    }
    assert.equal(checked, 14, "every route with a body");
    assert.equal(await cli(topo.master.port, "GET", "a"), "kept");
    assert.equal(await cli(topo.master.port, "TTL", "a"), "-1");
  });

  test("a method the route lacks is a 405 JSON error with the Allow header", async () => {
    for (const pattern of Object.keys(ROUTE_METHODS)) {
      const c = table[pattern]!;
      const allowed = allowedMethods(pattern);
      const wrong = ["PUT", "PATCH", "DELETE", "POST", "GET"].find((m) => !allowed.includes(m));
      if (!wrong) continue; // the catch-all answers every method (with a 404)
      const res = await send(server, wrong, c.path, { body: wrong === "GET" || wrong === "DELETE" ? undefined : {} });
      assert.equal(res.status, 405, `${wrong} ${c.path} → ${res.status} ${res.body}`);
      assert.equal(res.headers.allow, allowed.join(", "), `${wrong} ${c.path}`);
      assert.match(errorOf(res, `${wrong} ${c.path}`).error, new RegExp(`^method ${wrong} is not allowed`));
    }
    const catchAll = await send(server, "PUT", "/api/no-such-route", { body: {} });
    assert.equal(catchAll.status, 404);
    errorOf(catchAll, "PUT /api/no-such-route");
  });

  test("without a login every route but the public two is a 401 JSON error", async () => {
    for (const [pattern, c] of Object.entries(table)) {
      for (const method of ROUTE_METHODS[pattern]!) {
        const res = await send(server, method, c.path, { anonymous: true, body: method === "GET" || method === "DELETE" ? undefined : {} });
        if (c.public) {
          assert.notEqual(res.status, 401, `${pattern} is public: ${res.body}`);
          continue;
        }
        assert.equal(res.status, 401, `${method} ${c.path} → ${res.status} ${res.body}`);
        errorOf(res, `${method} ${c.path}`);
      }
    }
    const health = await send(server, "GET", "/api/health", { anonymous: true });
    assert.equal(health.status, 200);
  });
});
