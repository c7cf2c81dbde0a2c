// npm run bench:keys [-- --keys 1000000]
// Loads N mixed keys into a master with one replica, runs the production dashboard and prints:
//  - time to the first page of a browse through the API;
//  - a full pattern scan through the API vs a plain SCAN MATCH COUNT 1000 loop (same data, same run);
//  - a full compare (keys/s, peak server RSS) vs a plain SCAN + pipelined DUMP byte-compare loop,
//    and how many differences each reports on a replica that is in fact identical.
// Prints figures only; never fails on time.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Redis from "ioredis";
import { freePort, startRedis, stopAll, type LocalRedis } from "../lib/redis/local-server";
import { ensureBuild, numberOptions, machine, percentile, rssBytes, SERVER_OUT_DIR } from "./support";

const ROOT = path.resolve(__dirname, "..");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TOKEN = "bench-token-0123456789abcdef";
const PATTERN = "user:*";

/** Mixed types in 10,000-key pipelines; ~10 % match PATTERN; 200 sets large enough for hashtable encoding. */
export async function load(redis: Redis, n: number): Promise<void> {
  for (let base = 0; base < n; base += 10_000) {
    const p = redis.pipeline();
    for (let i = base; i < Math.min(n, base + 10_000); i++) {
      const kind = i % 20;
      if (kind < 2) p.set(`user:${i}`, `name-${i}`);
      else if (kind < 13) p.set(`str:${i}`, `value-${i}-${"x".repeat(i % 40)}`);
      else if (kind < 15) p.hset(`hash:${i}`, "a", String(i), "b", "two", "c", "three");
      else if (kind < 17) p.rpush(`list:${i}`, "a", "b", String(i));
      else if (kind < 18) p.sadd(`set:${i}`, "x", "y", String(i));
      else if (kind < 19) p.zadd(`zset:${i}`, 1, "a", 2, String(i));
      else p.set(`ttl:${i}`, "t", "EX", 86_400);
    }
    await p.exec();
  }
  for (let s = 0; s < 200; s++) {
    await redis.sadd(`bigset:${s}`, ...Array.from({ length: 300 }, (_, i) => `member-${s}-${i}`));
  }
}

async function api<T>(url: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(url, { ...init, headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json", ...init.headers } });
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function plainScan(redis: Redis, match: string): Promise<number> {
  let cursor = "0";
  let n = 0;
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", match, "COUNT", 1000);
    cursor = next;
    n += keys.length;
  } while (cursor !== "0");
  return n;
}

/** The naive compare: SCAN the master, DUMP each batch on both sides, compare bytes. */
async function plainDumpCompare(master: Redis, replica: Redis): Promise<{ keys: number; differ: number }> {
  let cursor = "0";
  let keys = 0;
  let differ = 0;
  do {
    const [next, batch] = await master.scanBuffer(cursor, "COUNT", 1000);
    cursor = next.toString();
    const pm = master.pipeline();
    const pr = replica.pipeline();
    for (const k of batch) {
      pm.dumpBuffer(k);
      pr.dumpBuffer(k);
    }
    const [a, b] = await Promise.all([pm.exec(), pr.exec()]);
    batch.forEach((_, i) => {
      const x = a?.[i]?.[1] as Buffer | null;
      const y = b?.[i]?.[1] as Buffer | null;
      if (!(x && y ? x.equals(y) : x === y)) differ++;
    });
    keys += batch.length;
  } while (cursor !== "0");
  return { keys, differ };
}

async function main(): Promise<void> {
  const { keys: n } = numberOptions("npm run bench:keys [-- --keys 1000000]", { keys: 1_000_000 });
  ensureBuild(ROOT);
  console.log(`bench:keys — ${n.toLocaleString("en-US")} keys, master + 1 replica`);
  console.log(`machine: ${machine()}`);
  const args = ["--repl-diskless-sync-delay", "0", "--save", "", "--appendonly", "no"];
  const servers: LocalRedis[] = [];
  const master = await startRedis({ args });
  servers.push(master);
  const replica = await startRedis({ args, replicaOf: { host: master.host, port: master.port } });
  servers.push(replica);
  const m = new Redis({ port: master.port, host: "127.0.0.1" });
  const r = new Redis({ port: replica.port, host: "127.0.0.1" });
  for (let i = 0; !(await r.info("replication")).includes("master_link_status:up"); i++) {
    if (i > 300) throw new Error("replica never linked");
    await sleep(50);
  }
  let t = performance.now();
  await load(m, n);
  await m.call("WAIT", "1", "60000");
  console.log(`loaded ${(await m.dbsize()).toLocaleString("en-US")} keys in ${((performance.now() - t) / 1000).toFixed(1)} s (pipelines of 10,000)`);

  const port = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), "replscope-bench-"));
  // As `npm start` runs it: the compiled server (ensureBuild made it), plain node.
  const child = spawn(process.execPath, [path.join(SERVER_OUT_DIR, "server.js")], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: "production", PORT: String(port), REPLSCOPE_DATA_DIR: dataDir, REPLSCOPE_PASSWORD: "bench-password", REPLSCOPE_API_TOKEN: TOKEN, REPLSCOPE_SEEDS: `redis://127.0.0.1:${master.port}`, REPLSCOPE_CONFIG: "" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; ; i++) {
      try {
        const body = await api<{ topologies: { nodes: { status: string }[] }[] }>(`${url}/api/topology`);
        if (body.topologies[0]?.nodes.filter((x) => x.status === "up").length === 2) break;
      } catch {
        /* not listening yet */
      }
      if (i > 600) throw new Error("dashboard did not see both nodes within 60 s");
      await sleep(100);
    }
    const node = `${url}/api/nodes/${encodeURIComponent(master.id)}`;

    // 1. First page of a browse.
    const firstPage: number[] = [];
    for (let i = 0; i < 20; i++) {
      t = performance.now();
      await api(`${node}/keys?count=200`);
      firstPage.push(performance.now() - t);
    }

    // 2. Full pattern scan: API (pages of 1000 matches, with TYPE and TTL) vs plain SCAN.
    t = performance.now();
    let cursor = "0";
    let apiKeys = 0;
    let requests = 0;
    do {
      const page = await api<{ cursor: string; keys: unknown[] }>(`${node}/keys?match=${encodeURIComponent(PATTERN)}&count=1000&cursor=${cursor}`);
      apiKeys += page.keys.length;
      cursor = page.cursor;
      requests++;
    } while (cursor !== "0");
    const apiScanMs = performance.now() - t;
    t = performance.now();
    const plainKeys = await plainScan(m, PATTERN);
    const plainScanMs = performance.now() - t;

    // 3. Full compare through the API (rate limit lifted) vs the plain DUMP loop.
    let rssPeak = rssBytes(child.pid!);
    t = performance.now();
    const { id } = await api<{ id: string }>(`${url}/api/compare`, { method: "POST", body: JSON.stringify({ maxKeysPerSec: 1_000_000 }) });
    type Report = { status: string; scanned: number; compared: number; counts: Record<string, number>; differences: unknown[] };
    let report: Report;
    for (;;) {
      rssPeak = Math.max(rssPeak, rssBytes(child.pid!));
      report = await api<Report>(`${url}/api/compare/${id}`);
      if (process.env.BENCH_TRACE) console.log(JSON.stringify({ ...report, differences: undefined }));
      if (report.status !== "running") break;
      await sleep(100);
    }
    const compareMs = performance.now() - t;
    t = performance.now();
    const dump = await plainDumpCompare(m, r);
    const dumpMs = performance.now() - t;
    const real = ["missing-on-replica", "only-on-replica", "type", "value", "ttl"].reduce((s, k) => s + (report.counts[k] ?? 0), 0);

    const f = (x: number) => Math.round(x).toLocaleString("en-US");
    console.log("\nresults");
    console.log(`  first page (200 keys)    first ${firstPage[0]!.toFixed(1)} ms, p50 ${percentile(firstPage, 50).toFixed(1)} ms, p95 ${percentile(firstPage, 95).toFixed(1)} ms over 20 requests (target ≤ 100 ms)`);
    console.log(`  pattern scan ${PATTERN}     API ${f(apiScanMs)} ms (${f(apiKeys)} keys, ${requests} requests, with TYPE+TTL) vs plain SCAN loop ${f(plainScanMs)} ms (${f(plainKeys)} keys): ${(apiScanMs / plainScanMs).toFixed(2)}× (target ≤ 1.5×)`);
    console.log(`  compare master+replica   ${report.status}: ${f(report.compared)} master keys fingerprinted on both sides + replica scan in ${(compareMs / 1000).toFixed(1)} s = ${f(report.compared / (compareMs / 1000))} keys/s; server RSS peak ${(rssPeak / 1048576).toFixed(0)} MB (target ≥ plain loop, ≤ 500 MB)`);
    console.log(`  plain SCAN+DUMP loop     ${f(dump.keys)} keys in ${(dumpMs / 1000).toFixed(1)} s = ${f(dump.keys / (dumpMs / 1000))} keys/s`);
    console.log(`  correctness              identical replica: compare reports ${real} differences; DUMP byte-compare reports ${f(dump.differ)} (hashtable sets dump in per-process dict order)`);
  } finally {
    child.kill("SIGTERM");
    m.disconnect();
    r.disconnect();
    await stopAll(servers);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (require.main === module) main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
