// The key browser's figures, for bench/keys.ts: first page, a full pattern walk and a full tree
// walk through the API. Each function prints nothing; it returns timings for the caller to set
// next to its naive loop. Run alone (`npx tsx bench/keys-browse.ts [--keys 1000000]`) it loads a
// master with bench/keys.ts load(), starts the built server and prints them against a plain
// SCAN MATCH COUNT 1000 loop measured in the same run.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Redis from "ioredis";
import { freePort, startRedis, stopAll } from "../lib/redis/local-server";
import { cpuSeconds, ensureBuild, machine, numberOptions, percentile, SERVER_OUT_DIR } from "./support";

async function get<T>(url: string, token: string): Promise<T> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

const nodePath = (url: string, nodeId: string) => `${url}/api/nodes/${encodeURIComponent(nodeId)}`;

/** 20 timings (ms) of the browser's first page, count=200. */
export async function firstPage(url: string, token: string, nodeId: string): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    await get(`${nodePath(url, nodeId)}/keys?count=200`, token);
    out.push(performance.now() - t);
  }
  return out;
}

/** A full pattern walk: pages of count=1000 until cursor 0. */
export async function patternWalk(url: string, token: string, nodeId: string, pattern: string): Promise<{ ms: number; keys: number; requests: number }> {
  const t = performance.now();
  let cursor = "0";
  let keys = 0;
  let requests = 0;
  do {
    const page = await get<{ cursor: string; keys: unknown[] }>(`${nodePath(url, nodeId)}/keys?match=${encodeURIComponent(pattern)}&count=1000&cursor=${cursor}`, token);
    keys += page.keys.length;
    cursor = page.cursor;
    requests++;
  } while (cursor !== "0");
  return { ms: performance.now() - t, keys, requests };
}

/**
 * A full walk of the tree's root: every step until cursor 0, the slowest request, the folders.
 * firstMs is the first step alone: on a fresh server it includes loading the route's code.
 */
export async function treeWalk(url: string, token: string, nodeId: string): Promise<{ totalMs: number; maxRequestMs: number; requests: number; folders: number; firstMs: number }> {
  const started = performance.now();
  const folders = new Map<string, number>();
  let cursor = "0";
  let requests = 0;
  let maxRequestMs = 0;
  let firstMs = 0;
  do {
    const t = performance.now();
    const step = await get<{ cursor: string; folders: { prefix: string; count: number }[] }>(`${nodePath(url, nodeId)}/keys/tree?cursor=${cursor}`, token);
    const ms = performance.now() - t;
    if (requests === 0) firstMs = ms;
    maxRequestMs = Math.max(maxRequestMs, ms);
    for (const f of step.folders) folders.set(f.prefix, (folders.get(f.prefix) ?? 0) + f.count);
    cursor = step.cursor;
    requests++;
  } while (cursor !== "0");
  return { totalMs: performance.now() - started, maxRequestMs, requests, folders: folders.size, firstMs };
}

/** The naive loop the pattern walk is measured against. */
export async function plainScanLoop(redis: Redis, pattern: string): Promise<{ ms: number; keys: number }> {
  const t = performance.now();
  let cursor = "0";
  let keys = 0;
  do {
    const [next, batch] = await redis.scanBuffer(cursor, "MATCH", pattern, "COUNT", 1000);
    cursor = next.toString();
    keys += batch.length;
  } while (cursor !== "0");
  return { ms: performance.now() - t, keys };
}

async function main(): Promise<void> {
  const { keys: n } = numberOptions("npx tsx bench/keys-browse.ts [--keys 1000000]", { keys: 1_000_000 });
  const root = path.resolve(__dirname, "..");
  ensureBuild(root);
  const { load } = await import("./keys");
  const token = "bench-token-0123456789abcdef";
  const master = await startRedis({ args: ["--save", "", "--appendonly", "no"] });
  const m = new Redis({ port: master.port, host: "127.0.0.1" });
  const dataDir = mkdtempSync(path.join(tmpdir(), "replscope-bench-browse-"));
  const port = await freePort();
  let t = performance.now();
  await load(m, n);
  console.log(`bench keys-browse — ${(await m.dbsize()).toLocaleString("en-US")} keys loaded in ${((performance.now() - t) / 1000).toFixed(1)} s; ${machine()}`);
  const child = spawn(process.execPath, [path.join(SERVER_OUT_DIR, "server.js")], {
    cwd: root,
    env: { ...process.env, NODE_ENV: "production", PORT: String(port), REPLSCOPE_DATA_DIR: dataDir, REPLSCOPE_PASSWORD: "bench-password", REPLSCOPE_API_TOKEN: token, REPLSCOPE_SEEDS: `redis://127.0.0.1:${master.port}`, REPLSCOPE_CONFIG: "" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; ; i++) {
      try {
        const body = await get<{ topologies: { nodes: { status: string }[] }[] }>(`${url}/api/topology`, token);
        if (body.topologies[0]?.nodes.some((x) => x.status === "up")) break;
      } catch {
        /* not listening yet */
      }
      if (i > 600) throw new Error("dashboard did not come up within 60 s");
      await new Promise((r) => setTimeout(r, 100));
    }
    const first = await firstPage(url, token, master.id);
    // CPU seconds of the dashboard, redis-server and this process: on 2 cores the walk is CPU-bound.
    const cpu = () => [cpuSeconds(child.pid!), cpuSeconds(master.pid() ?? 0), (process.cpuUsage().user + process.cpuUsage().system) / 1e6];
    const c0 = cpu();
    const walk = await patternWalk(url, token, master.id, "user:*");
    const c1 = cpu();
    const plain = await plainScanLoop(m, "user:*");
    const c2 = cpu();
    const spent = (a: number[], b: number[]) => b.map((x, i) => (x - (a[i] ?? 0)).toFixed(2)).join(" / ");
    const rounds: [Awaited<ReturnType<typeof patternWalk>>, Awaited<ReturnType<typeof plainScanLoop>>][] = [[walk, plain]];
    for (let i = 0; i < 2; i++) rounds.push([await patternWalk(url, token, master.id, "user:*"), await plainScanLoop(m, "user:*")]);
    t = performance.now();
    const tree = await treeWalk(url, token, master.id);
    const tree2 = await treeWalk(url, token, master.id);
    const f = (x: number) => Math.round(x).toLocaleString("en-US");
    console.log(`  first page (count=200)   first ${first[0]!.toFixed(1)} ms, p50 ${percentile(first, 50).toFixed(1)} ms, p95 ${percentile(first, 95).toFixed(1)} ms, max ${Math.max(...first).toFixed(1)} ms (target ≤ 50 ms)`);
    console.log(`  CPU s dashboard / redis / client: first API walk ${spent(c0, c1)}, plain loop ${spent(c1, c2)}`);
    for (const [a, b] of rounds) {
      console.log(`  pattern walk user:*      API ${f(a.ms)} ms (${f(a.keys)} keys, ${a.requests} requests) vs plain SCAN MATCH COUNT 1000 ${f(b.ms)} ms (${f(b.keys)} keys): ${(a.ms / b.ms).toFixed(2)}× (target ≤ 1.5×)`);
    }
    for (const w of [tree, tree2]) {
      console.log(`  tree root walk           ${f(w.totalMs)} ms, ${w.requests} requests, slowest ${w.maxRequestMs.toFixed(1)} ms (first ${w.firstMs.toFixed(1)} ms) (target ≤ 100 ms), ${w.folders} folders`);
    }
  } finally {
    child.kill("SIGTERM");
    m.disconnect();
    await stopAll([master]);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (require.main === module) main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
