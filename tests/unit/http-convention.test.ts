// The request and error convention (issue 11 §3): strict queries, safe path parameters, one error
// shape, and the method table the server answers 405 from, checked against the route files.
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { z } from "zod";
import { errorResponse, fromRedis, HttpError } from "../../lib/http/errors";
import { fieldMessage } from "../../lib/http/issues";
import { allowedMethods, methodNotAllowed, ROUTE_METHODS, routeFor } from "../../lib/http/method-table";
import { NodeParams, parseParams } from "../../lib/http/params";
import { parseQuery } from "../../lib/http/query";
import { readJson } from "../../lib/http/body";

const ROOT = path.resolve(__dirname, "..", "..");
const HTTP_METHODS = ["GET", "HEAD", "OPTIONS", "POST", "PUT", "DELETE", "PATCH"];

/** Every route.ts under app/, as its URL pattern ("/api/nodes/[id]/key"). */
function routeFiles(dir = path.join(ROOT, "app")): { pattern: string; file: string }[] {
  const out: { pattern: string; file: string }[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...routeFiles(full));
    else if (entry.name === "route.ts") {
      // Route groups "(name)" are not part of the URL.
      const rel = path.relative(path.join(ROOT, "app"), dir).split(path.sep).filter((s) => !/^\(.*\)$/.test(s));
      out.push({ pattern: `/${rel.join("/")}`, file: full });
    }
  }
  return out;
}

async function thrown(p: Promise<unknown> | (() => unknown)): Promise<HttpError> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (err) {
    assert.ok(err instanceof HttpError, `not an HttpError: ${String(err)}`);
    return err;
  }
  assert.fail("nothing was thrown");
}

describe("method table", () => {
  test("matches the methods exported by every app route file, exactly", async () => {
    const files = routeFiles();
    assert.ok(files.length >= 25, `found ${files.length} route files`);
    const fromFiles: Record<string, string[]> = {};
    for (const { pattern, file } of files) {
      const mod = (await import(file)) as Record<string, unknown>;
      fromFiles[pattern] = HTTP_METHODS.filter((m) => typeof mod[m] === "function").sort();
    }
    const table = Object.fromEntries(Object.entries(ROUTE_METHODS).map(([p, m]) => [p, [...m].sort()]));
    assert.deepEqual(table, fromFiles);
  });

  test("paths resolve to the route Next picks: static before [param] before [...catch-all]", () => {
    assert.equal(routeFor("/api/drills/plan"), "/api/drills/plan");
    assert.equal(routeFor("/api/drills/0a"), "/api/drills/[id]");
    assert.equal(routeFor("/api/nodes/127.0.0.1%3A6379/key/ttl"), "/api/nodes/[id]/key/ttl");
    assert.equal(routeFor("/api/topology/extra"), "/api/[...slug]");
    assert.equal(routeFor("/api/topolog%79"), "/api/topology");
    assert.equal(routeFor("/metrics"), "/metrics");
    for (const p of ["/", "/login", "/nodes/a", "/api", "/metrics/x"]) assert.equal(routeFor(p), null, p);
  });

  test("405 with Allow for a method the route lacks; HEAD and OPTIONS come with GET", () => {
    assert.equal(methodNotAllowed("PUT", "/api/topology"), "GET, HEAD, OPTIONS");
    assert.equal(methodNotAllowed("DELETE", "/api/drills"), "GET, HEAD, OPTIONS, POST");
    assert.equal(methodNotAllowed("GET", "/api/auth/login"), "OPTIONS, POST");
    for (const [m, p] of [["GET", "/api/topology"], ["HEAD", "/api/topology"], ["OPTIONS", "/api/auth/login"], ["PUT", "/api/nope"], ["POST", "/login"]] as const) {
      assert.equal(methodNotAllowed(m, p), null, `${m} ${p}`);
    }
    assert.deepEqual(allowedMethods("/api/nodes/[id]/key"), ["DELETE", "GET", "HEAD", "OPTIONS"]);
  });
});

describe("request parsing", () => {
  const Q = z.object({ limit: z.coerce.number().int().min(1, "limit must be 1..10").max(10, "limit must be 1..10").default(5), topology: z.string().optional() });

  test("a query parses with defaults; an unknown parameter is a 400 naming it", async () => {
    assert.deepEqual(parseQuery("http://x/api/a?limit=3", Q), { limit: 3 });
    assert.deepEqual(parseQuery("http://x/api/a", Q), { limit: 5 });
    const e = await thrown(() => parseQuery("http://x/api/a?limit=3&limt=4", Q));
    assert.deepEqual([e.status, e.field, e.message], [400, "limt", "limt: unknown query parameter"]);
  });

  test("one message format: `field: problem`, the field also given alone", async () => {
    const e = await thrown(() => parseQuery("http://x/api/a?limit=99", Q));
    assert.deepEqual([e.status, e.field, e.message], [400, "limit", "limit: must be 1..10"]);
    const nan = await thrown(() => parseQuery("http://x/api/a?limit=abc", Q));
    assert.equal(nan.field, "limit");
    assert.match(nan.message, /^limit: /);
    const twice = await thrown(() => parseQuery("http://x/api/a?limit=1&limit=2", Q));
    assert.deepEqual([twice.field, twice.message], ["limit", "limit: given more than once"]);
    assert.equal(fieldMessage("db", "db must be a number"), "db: must be a number");
    assert.equal(fieldMessage("db", "Invalid input"), "db: Invalid input");
  });

  test("a node id segment: decoded, malformed % is a 400 on `id` (not a 500), shape checked", async () => {
    assert.deepEqual(parseParams({ id: "127.0.0.1%3A6379" }, NodeParams), { id: "127.0.0.1:6379" });
    assert.deepEqual(parseParams({ id: "%5B%3A%3A1%5D%3A6379" }, NodeParams), { id: "[::1]:6379" });
    for (const raw of ["%ZZ", "127.0.0.1%3A63%", "%E0%A4%A"]) {
      const e = await thrown(() => parseParams({ id: raw }, NodeParams));
      assert.deepEqual([e.status, e.field, e.message], [400, "id", "id: is not valid URL encoding"], raw);
    }
    const shape = await thrown(() => parseParams({ id: "nohost" }, NodeParams));
    assert.deepEqual([shape.status, shape.field], [400, "id"]);
  });

  test("a JSON body: unknown field named, wrong type named, not-JSON and wrong type refused", async () => {
    const B = z.object({ ttl: z.number() });
    const req = (body: string, type = "application/json") => new Request("http://x/", { method: "POST", body, headers: { "content-type": type } });
    assert.deepEqual(await readJson(req('{"ttl":5}'), B), { ttl: 5 });
    const extra = await thrown(readJson(req('{"ttl":5,"bogus":1}'), B));
    assert.deepEqual([extra.status, extra.field, extra.message], [400, "bogus", "bogus: unknown field"]);
    const nested = await thrown(readJson(req('{"o":{"x":1}}'), z.object({ o: z.object({}).strict() })));
    assert.equal(nested.field, "o.x");
    const wrong = await thrown(readJson(req('{"ttl":"5"}'), B));
    assert.deepEqual([wrong.status, wrong.field], [400, "ttl"]);
    assert.equal((await thrown(readJson(req("{"), B))).status, 400);
    assert.equal((await thrown(readJson(req('{"ttl":5}', "text/plain"), B))).status, 415);
  });
});

describe("error mapper", () => {
  const body = async (res: Response) => [res.status, await res.json()] as const;

  test("HttpError → { error, field? }; a domain error by shape (DrillError from another bundle)", async () => {
    assert.deepEqual(await body(errorResponse(new HttpError(400, "db: must be a number", "db"))), [400, { error: "db: must be a number", field: "db" }]);
    assert.deepEqual(await body(errorResponse(new HttpError(404, "no drill x"))), [404, { error: "no drill x" }]);
    const drill = Object.assign(new Error("drills are off"), { name: "DrillError", status: 403 });
    assert.deepEqual(await body(errorResponse(drill)), [403, { error: "drills are off" }]);
  });

  test("anything else is a 500 'internal error' with no details", async () => {
    const logged: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void logged.push(args);
    try {
      const res = errorResponse(new Error("secret /etc/path at line 3"));
      assert.deepEqual(await body(res), [500, { error: "internal error" }]);
      assert.deepEqual(await body(errorResponse(Object.assign(new Error("x"), { name: "DrillError", status: "nope" }))), [500, { error: "internal error" }]);
    } finally {
      console.error = original;
    }
    assert.equal(logged.length, 2, "each unexpected error is logged");
  });

  test("a Redis call's failure is the node's answer; a bug in our code stays a 500", async () => {
    const reply = Object.assign(new Error("READONLY You can't write against a read only replica."), { name: "ReplyError" });
    const ro = await thrown(fromRedis(Promise.reject(reply)));
    assert.equal(ro.status, 409);
    const refused = await thrown(fromRedis(Promise.reject(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }))));
    assert.deepEqual([refused.status, refused.message], [502, "connection refused"]);
    await assert.rejects(fromRedis(Promise.reject(new TypeError("x is undefined"))), TypeError);
  });
});
