// npm run bench:backup [-- --keys 1000000 --batch 500 --scan 1000 --import-batch 1000]
// Logical export and import of N small keys (DEBUG POPULATE strings plus a share of hashes, lists,
// sets and zsets, 10 % with a TTL) through lib/backup/logical (exportNode to a file, importDump from
// it into an empty server), each phase in its own process (bench/backup-worker.ts): keys/s each way,
// the peak RSS (VmHWM) of that process — the export/import code path, not the whole dashboard —
// and the source's PING latency from a third process during the export. Prints figures only.
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Redis from "ioredis";
import { startRedis, stopAll } from "../lib/redis/local-server";
import { machine, numberOptions, percentile, pinger, runWorker } from "./support";

const opts = numberOptions("npm run bench:backup -- [--keys N] [--batch N] [--scan N] [--import-batch N]", { keys: 1_000_000, batch: 100, scan: 500, "import-batch": 1000 });
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


async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), "replscope-bench-backup-"));
  const [src, dst] = await Promise.all([startRedis({ args: ARGS }), startRedis({ args: ARGS })]);
  const a = new Redis({ port: src.port, host: "127.0.0.1" });
  const b = new Redis({ port: dst.port, host: "127.0.0.1" });
  try {
    console.log(`machine: ${machine()}`);
    const t = Date.now();
    await load(a, opts.keys);
    console.log(`loaded ${await a.dbsize()} keys in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    const file = path.join(dir, "bench.rsd");

    const ping = pinger(src.port);
    const exp = await runWorker(["export", String(src.port), file, String(opts.batch), String(opts.scan)]);
    const lat = await ping.stop();
    console.log(`export: ${exp.keys} keys, ${(statSync(file).size / 1e6).toFixed(1)} MB in ${exp.seconds.toFixed(2)} s = ${Math.round(exp.keys / exp.seconds)} keys/s (${exp.detail})`);
    console.log(`  peak RSS of the export process: ${(exp.peakRss / 1e6).toFixed(0)} MB (${(exp.baselineRss / 1e6).toFixed(0)} MB after loading its modules)`);
    console.log(`  source PING during export (separate process, sequential): ${lat.length} pings, p50 ${percentile(lat, 50).toFixed(2)} ms, p99 ${percentile(lat, 99).toFixed(2)} ms, max ${Math.max(...lat).toFixed(2)} ms`);
    const stats = (await a.info("commandstats")).split("\n").filter((l) => /cmdstat_(eval_ro|scan):/.test(l));
    console.log(`  source commandstats: ${stats.map((l) => l.trim().replace(/,rejected_calls.*$/, "")).join(" | ")}`);
    for (const policy of ["skip", "stop"] as const) {
      await b.flushall();
      const imp = await runWorker(["import", String(dst.port), file, String(opts["import-batch"]), policy]);
      console.log(`import (policy ${policy}): ${imp.keys} restored in ${imp.seconds.toFixed(2)} s = ${Math.round(imp.keys / imp.seconds)} keys/s (${imp.detail}); peak RSS of the import process ${(imp.peakRss / 1e6).toFixed(0)} MB`);
    }
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
