// Restore drill figures (prints, never asserts): N small keys (DEBUG POPULATE) saved by BGSAVE and
// exported as .rsd, then an RDB drill and a logical drill of them. Run: npx tsx bench/restore-drill.ts [keys]
import { createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import Redis from "ioredis";
import { exportNode } from "../lib/backup/logical/export";
import { runRdbDrill } from "../lib/backup/restore-drill";
import { runLogicalDrill } from "../lib/backup/restore-logical";
import { SandboxPool } from "../lib/backup/sandbox";
import { startRedis, stopAll } from "../lib/redis/local-server";

async function main(): Promise<void> {
  const keys = Number(process.argv[2] ?? 100_000);
  const work = mkdtempSync(path.join(tmpdir(), "replscope-bench-drill-"));
  const src = await startRedis({ args: ["--enable-debug-command", "yes"] });
  const redis = new Redis({ port: src.port, host: "127.0.0.1" });
  try {
    await redis.call("DEBUG", "POPULATE", String(keys), "bench", "16");
    await redis.bgsave();
    while (!(await redis.info("persistence")).includes("rdb_bgsave_in_progress:0")) await new Promise((r) => setTimeout(r, 50));
    const rdb = path.join(src.dir, "dump.rdb");
    const rsd = path.join(work, "export.rsd");
    const conn = redis.duplicate();
    await exportNode(conn, createWriteStream(rsd), { node: src.id });
    conn.disconnect();
    const pool = new SandboxPool({ parentDir: path.join(work, "sandboxes") });
    const mb = (f: string) => (statSync(f).size / 1e6).toFixed(1);
    let rss = 0;
    const sampler = setInterval(() => (rss = Math.max(rss, process.memoryUsage().rss)), 100);
    const a = await runRdbDrill(pool, { file: rdb, backup: {} });
    console.log(`RDB drill (${mb(rdb)} MB): ${a.line}; whole drill ${a.seconds.toFixed(2)} s, ${(a.keys / a.seconds).toFixed(0)} keys/s verified`);
    const b = await runLogicalDrill(pool, { file: rsd });
    console.log(`logical drill (${mb(rsd)} MB): ${b.line}; whole drill ${b.seconds.toFixed(2)} s (import ${b.restoreSeconds.toFixed(2)} s), ${(b.keys / b.seconds).toFixed(0)} keys/s`);
    clearInterval(sampler);
    console.log(`peak RSS of this process ${(rss / 1e6).toFixed(0)} MB; load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
  } finally {
    redis.disconnect();
    await stopAll([src]);
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
