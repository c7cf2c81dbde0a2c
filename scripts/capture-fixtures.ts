// Captures real INFO output from a live redis-server topology into tests/fixtures/redis-7.0.15/info.
// Run: npx tsx scripts/capture-fixtures.ts   (needs redis-server and redis-cli on PATH)
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { startRedis, stopAll } from "../lib/redis/local-server";

const out = path.join(__dirname, "..", "tests", "fixtures", "redis-7.0.15", "info");
const cli = (port: number, ...args: string[]) => execFileSync("redis-cli", ["-p", String(port), ...args], { encoding: "utf8" });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main() {
  mkdirSync(out, { recursive: true });
  const fast = ["--repl-diskless-sync-delay", "0"];
  const master = await startRedis({ args: fast });
  for (let i = 0; i < 200; i++) cli(master.port, "SET", `k:${i}`, "v".repeat(50));
  cli(master.port, "SELECT", "0");
  const r1 = await startRedis({ replicaOf: { host: "127.0.0.1", port: master.port }, args: fast });
  const r2 = await startRedis({ replicaOf: { host: "127.0.0.1", port: master.port }, args: fast });
  const chained = await startRedis({ replicaOf: { host: "127.0.0.1", port: r1.port }, args: fast });
  await sleep(1500);
  for (let i = 0; i < 50; i++) cli(master.port, "HSET", `h:${i}`, "f", "v");
  cli(master.port, "-n", "3", "SET", "db3key", "x");
  await sleep(1200);
  writeFileSync(path.join(out, "master.txt"), cli(master.port, "INFO", "everything"));
  writeFileSync(path.join(out, "replica.txt"), cli(r1.port, "INFO", "everything"));
  writeFileSync(path.join(out, "replica-2.txt"), cli(r2.port, "INFO", "everything"));
  writeFileSync(path.join(out, "chained-replica.txt"), cli(chained.port, "INFO", "everything"));
  // A replica whose master went away: link down, master_link_down_since_seconds set.
  await r1.stop();
  await sleep(2200);
  writeFileSync(path.join(out, "chained-replica-link-down.txt"), cli(chained.port, "INFO", "replication"));
  writeFileSync(path.join(out, "master-one-replica-gone.txt"), cli(master.port, "INFO", "replication"));
  // A replica pointed at a port where nothing listens: state connect / connecting.
  cli(r2.port, "REPLICAOF", "127.0.0.1", "1");
  await sleep(300);
  writeFileSync(path.join(out, "replica-connecting.txt"), cli(r2.port, "INFO", "replication"));
  // Promotion: replid2 set on the promoted node.
  cli(chained.port, "REPLICAOF", "NO", "ONE");
  await sleep(200);
  writeFileSync(path.join(out, "promoted.txt"), cli(chained.port, "INFO", "replication"));
  await stopAll([master, r2, chained, r1]);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
