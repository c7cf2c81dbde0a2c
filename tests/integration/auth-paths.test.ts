// Issue 9, finding 1: the login check used to read the raw path while Next routed the resolved one,
// so "/_next/static/../../api/nodes/…/key?key=k" returned a value without a cookie. Every private
// page and API route (listed from app/) is probed with 50 spellings of its path, sent as written:
// each answer is a 400, a 401 or a redirect to /login, and none carries the secret value.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import path from "node:path";
import { ROOT, startServer, TEST_TOKEN, type ServerProcess } from "../support/server";
import { rawRequest } from "../support/raw-http";
import { cli, startTopology, type Topology } from "../support/topology";
import { waitFor } from "../support/wait";

const SECRET = "s3cret-value-that-must-not-leak";
const PUBLIC = new Set(["/login", "/api/health", "/api/auth/login"]);

/** Every page and route handler under app/, as a URL path with sample values for dynamic segments. */
function appRoutes(nodeId: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, segments: string[]) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(path.join(dir, entry.name), [...segments, entry.name]);
      else if (entry.name === "page.tsx" || entry.name === "route.ts") {
        const parts = segments
          .filter((s) => !/^\(.*\)$/.test(s))
          .map((s, i, all) => {
            if (!s.startsWith("[")) return s;
            if (s.startsWith("[...")) return "anything";
            const parent = all[i - 1];
            if (parent === "nodes") return encodeURIComponent(nodeId);
            if (parent === "drills") return "00000000-0000-4000-8000-000000000000";
            if (parent === "compare") return "0123456789abcdef";
            return "x";
          });
        out.push(`/${parts.join("/")}`);
      }
    }
  };
  walk(path.join(ROOT, "app"), []);
  return [...new Set(out)].filter((p) => !PUBLIC.has(p)).sort();
}

/** 50 ways to write the path `/${t}` that a router might resolve to it, behind a public-looking prefix or not. */
function spellings(t: string): string[] {
  return [
    `/${t}`,
    `/_next/static/../../${t}`,
    `/_next/static/..%2f..%2f${t}`,
    `/_next/static/%2e%2e/%2e%2e/${t}`,
    `/_next/static/%2E%2E/%2E%2E/${t}`,
    `/_next/static/%2e%2E/%2E%2e/${t}`,
    `/_next/static/.%2e/.%2e/${t}`,
    `/_next/static/%2e./%2e./${t}`,
    `/_next/static/%252e%252e/%252e%252e/${t}`,
    `/_next/static/%252E%252E/%252E%252E/${t}`,
    `/_next/static/..\\..\\${t}`,
    `/_next/static/..%5c..%5c${t}`,
    `/_next/static/..%5C..%5C${t}`,
    `/_next/static/%2e%2e%2f%2e%2e%2f${t}`,
    `/__nextjs/../${t}`,
    `/__nextjs%2f..%2f${t}`,
    `/_next/webpack-hmr/../../${t}`,
    `/_next/webpack-hmr/%2e%2e/%2e%2e/${t}`,
    `/login/../${t}`,
    `/login/%2e%2e/${t}`,
    `/login/..;/${t}`,
    `/login;/../${t}`,
    `/api/health/../../${t}`,
    `/api/auth/login/../../../${t}`,
    `/api/auth/login/%2e%2e/%2e%2e/%2e%2e/${t}`,
    `/favicon.ico/../${t}`,
    `/icon.svg/..%2f${t}`,
    `/robots.txt/%2e%2e/${t}`,
    `//${t}`,
    `///${t}`,
    `/./${t}`,
    `/${t}/.`,
    `/${t}/./`,
    `/${t}/x/..`,
    `/${t};`,
    `/${t};.js`,
    `/${t};jsessionid=x`,
    `/${t}%00`,
    `/${t}%2500`,
    `/_next/static/..%00/../${t}`,
    `/_next/static/%u002e%u002e/${t}`,
    `/_next/static/%c0%ae%c0%ae/${t}`,
    `/_next//static/../../${t}`,
    `/_next/static/chunks/../../../${t}`,
    `/\\${t}`,
    `/%2f${t}`,
    `/%2F%2F${t}`,
    `/${t}%2f.`,
    `/${t}/%2e`,
    `/login/.%2E/${t}`,
  ];
}

describe("no path spelling skips the login check", () => {
  let topo: Topology;
  let server: ServerProcess;
  before(async () => {
    topo = await startTopology({ replicas: 0 });
    await cli(topo.master.port, "SET", "k", SECRET);
    server = await startServer({ REPLSCOPE_SEEDS: `redis://127.0.0.1:${topo.master.port}` });
  });
  after(async () => {
    await server?.stop();
    await topo?.stop();
  });

  test("every private page and API route × 50 spellings: 400, 401 or a redirect to /login; never the content", async () => {
    const routes = [...appRoutes(topo.master.id), "/metrics"];
    for (const must of ["/", "/audit", "/keys", "/api/topology", "/api/audit", "/api/events", "/api/fluentd", `/api/nodes/${encodeURIComponent(topo.master.id)}/key`]) {
      assert.ok(routes.includes(must), `route list from app/ includes ${must}: ${routes.join(" ")}`);
    }
    const corpus = spellings("x");
    assert.ok(corpus.length >= 40 && new Set(corpus).size === corpus.length, `${corpus.length} distinct spellings`);

    const counts = new Map<number, number>();
    const failures: string[] = [];
    for (const route of routes) {
      const query = route.endsWith("/key") ? "?key=k" : "";
      for (const p of spellings(route.slice(1))) {
        const target = `${p}${query}`;
        const res = await rawRequest({ port: server.port, path: target });
        counts.set(res.status, (counts.get(res.status) ?? 0) + 1);
        const location = String(res.headers.location ?? "");
        const okStatus = res.status === 400 || res.status === 401 || (res.status >= 301 && res.status <= 308 && location.startsWith("/login"));
        const json = res.status === 400 || res.status === 401 ? /"error"/.test(res.body) : true;
        if (!okStatus || !json || res.body.includes(SECRET)) failures.push(`${target} → ${res.status} ${location} ${res.body.slice(0, 80)}`);
      }
    }
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    assert.deepEqual(failures, [], `${failures.length} of ${total} answers let something through`);
    assert.ok(total >= routes.length * 40, `${total} requests`);
    console.log(`auth-paths: ${routes.length} routes × ${corpus.length} spellings = ${total} requests; statuses ${JSON.stringify(Object.fromEntries(counts))}`);
  });

  test("control: the same key route does answer with the API token (the probe targets are real)", async () => {
    const res = await waitFor(
      "the key route to answer",
      () => rawRequest({ port: server.port, path: `/api/nodes/${encodeURIComponent(topo.master.id)}/key?key=k`, headers: { authorization: `Bearer ${TEST_TOKEN}` } }),
      (r) => r.status === 200,
      15_000,
      100,
    );
    assert.ok(res.body.includes(SECRET));
    const dotted = await rawRequest({ port: server.port, path: `/api/x/../nodes/${encodeURIComponent(topo.master.id)}/key?key=k`, headers: { authorization: `Bearer ${TEST_TOKEN}` } });
    assert.equal(dotted.status, 400, "refused even with credentials: such a path is never routed");
  });
});
