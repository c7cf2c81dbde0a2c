// npm run bench:backup [-- --keys 1000000 --batch 500 --scan 1000 --import-batch 1000]
// Logical export and import of N small keys (DEBUG POPULATE strings plus a share of hashes, lists,
// sets and zsets, 10 % with a TTL), run IN THIS PROCESS through lib/backup/logical (exportNode to
// a file, importDump from it into an empty server): keys/s each way, the peak RSS of this process
// (which runs nothing else: the export/import code path, ioredis and the file streams), and the
// source's PING p99 measured on a separate connection during the export. Prints figures only.
import { spawn, type ChildProcess } from "node:child_process";
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Redis from "ioredis";
import { startRedis, stopAll } from "../lib/redis/local-server";
import { exportNode } from "../lib/backup/logical/export";
import { importDump } from "../lib/backup/logical/import";
import { machine, numberOptions, percentile } from "./support";

const opts = numberOptions("npm run bench:backup -- [--keys N] [--batch N] [--scan N] [--import-batch N]", { keys: 1_000_000, batch: 100, scan: 1000, "import-batch": 1000 });
const ARGS = ["--save", "", "--appendonly", "no", "--enable-debug-command", "yes"];

async function load(redis: Redis, n: number): Promise<void> {
  const strings = Math.floor(n * 0.8);
  await redis.call("DEBUG", "POPULATE", String(strings), "str", "20");
  for (let base = strings; base < n; base += 10_000) {
    const p = redis.pipeline();
    for (let i = base; i < Math.min(n, base + 10_000); i++) {
      const kind = i % 4;
      if (kind === 0) p.hset(`hash:${i}`, "a", String(i), "b", "two");
      else if (kind === 1) p.rpush(`list:${i}`, "a", String(i));
      else if (kind === 2) p.sadd(`set:${i}`, "x", String(i));
      else p.zadd(`zset:${i}`, 1, "a", 2, String(i));
    }
    await p.exec();
  }
  // 10 % of the keys get a TTL far in the future.
  await redis.call("EVAL", "local c='0' repeat local r=redis.call('SCAN', c, 'COUNT', 1000) c=r[1] for i,k in ipairs(r[2]) do if i % 10 == 0 then redis.call('PEXPIRE', k, 86400000) end end until c=='0' return 1", "0");
}

/** Self-scheduling sampler of this process's RSS (no setInterval). */
function rssSampler(): { stop: () => number } {
  let peak = process.memoryUsage().rss;
  let on = true;
  const tick = () => {
    peak = Math.max(peak, process.memoryUsage().rss);
    if (on) setTimeout(tick, 20);
  };
  tick();
  return { stop: () => ((on = false), Math.max(peak, process.memoryUsage().rss)) };
}

// A separate process PINGs the source one after another on its own raw connection, so the
// latencies it sees are the server's (plus loopback), not this process's busy event loop.
const PINGER = `
const net = require("node:net");
const sock = net.connect(Number(process.argv[1]), "127.0.0.1");
const lat = [];
let t = 0n;
let on = true;
process.on("message", () => { on = false; });
sock.on("connect", () => { t = process.hrtime.bigint(); sock.write("PING\\r\\n"); });
sock.on("data", () => {
  lat.push(Number(process.hrtime.bigint() - t) / 1e6);
  if (!on) { process.send(lat, () => process.exit(0)); return; }
  setTimeout(() => { t = process.hrtime.bigint(); sock.write("PING\\r\\n"); }, 1);
});
`;

function pinger(port: number): { stop: () => Promise<number[]> } {
  const child: ChildProcess = spawn(process.execPath, ["-e", PINGER, String(port)], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const result = new Promise<number[]>((resolve) => child.once("message", (m) => resolve(m as number[])));
  return { stop: async () => (child.send("stop"), await result) };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), "replscope-bench-backup-"));
  const [src, dst] = await Promise.all([startRedis({ args: ARGS }), startRedis({ args: ARGS })]);
  const a = new Redis({ port: src.port, host: "127.0.0.1" });
  const b = new Redis({ port: dst.port, host: "127.0.0.1" });
  try {
    console.log(`machine: ${machine()}`);
    let t = Date.now();
    await load(a, opts.keys);
    console.log(`loaded ${await a.dbsize()} keys in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    const file = path.join(dir, "bench.rsd");

    const rssBefore = process.memoryUsage().rss;
    let rss = rssSampler();
    const ping = pinger(src.port);
    t = Date.now();
    const exporter = a.duplicate();
    const exp = await exportNode(exporter, createWriteStream(file), { node: "bench", scanCount: opts.scan, batchKeys: opts.batch });
    exporter.disconnect();
    const exportS = (Date.now() - t) / 1000;
    const lat = await ping.stop();
    const exportRss = rss.stop();
    console.log(`export: ${exp.trailer.keys} keys, ${(statSync(file).size / 1e6).toFixed(1)} MB in ${exportS.toFixed(2)} s = ${Math.round(exp.trailer.keys / exportS)} keys/s; vanished ${exp.trailer.vanished}`);
    console.log(`  source PING during export: ${lat.length} pings, p50 ${percentile(lat, 50).toFixed(2)} ms, p99 ${percentile(lat, 99).toFixed(2)} ms, max ${Math.max(...lat).toFixed(2)} ms`);
    console.log(`  peak RSS of this process: ${(exportRss / 1e6).toFixed(0)} MB (${(rssBefore / 1e6).toFixed(0)} MB before)`);
    const stats = (await a.info("commandstats")).split("\n").filter((l) => /cmdstat_(eval_ro|scan):/.test(l));
    console.log(`  source commandstats: ${stats.map((l) => l.trim()).join(" | ")}`);

    rss = rssSampler();
    const conn = b.duplicate();
    t = Date.now();
    const imp = await importDump(conn, createReadStream(file), { policy: "stop", batchKeys: opts["import-batch"] });
    const importS = (Date.now() - t) / 1000;
    const importRss = rss.stop();
    conn.disconnect();
    console.log(`import: ${imp.status}, ${imp.restored} restored, ${imp.expired} expired, ${imp.failed} failed in ${importS.toFixed(2)} s = ${Math.round(imp.restored / importS)} keys/s${imp.error ? ` (${imp.error})` : ""}`);
    console.log(`  peak RSS of this process: ${(importRss / 1e6).toFixed(0)} MB`);
    const same = String(await a.call("DEBUG", "DIGEST")) === String(await b.call("DEBUG", "DIGEST"));
    console.log(`DEBUG DIGEST equal on both: ${same}`);
  } finally {
    a.disconnect();
    b.disconnect();
    await stopAll([src, dst]);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
