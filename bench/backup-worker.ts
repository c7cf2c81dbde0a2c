// One phase of bench:backup in its own process, so the peak RSS it reports (VmHWM) is that of the
// export or import code path alone (ioredis, the file stream, lib/backup/logical), not of the
// loader. Usage: tsx bench/backup-worker.ts export|import <port> <file> <batch> <scan|policy>
import { createReadStream, createWriteStream, readFileSync } from "node:fs";
import Redis from "ioredis";
import { exportNode } from "../lib/backup/logical/export";
import { importDump, type ConflictPolicy } from "../lib/backup/logical/import";

function peakRss(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
  return Number(m?.[1] ?? 0) * 1024;
}

async function main(): Promise<void> {
  const [phase, port, file, batch, extra] = process.argv.slice(2);
  const redis = new Redis({ port: Number(port), host: "127.0.0.1" });
  const baseline = peakRss();
  const t = process.hrtime.bigint();
  let keys = 0;
  let detail = "";
  if (phase === "export") {
    const { trailer } = await exportNode(redis, createWriteStream(String(file)), { node: "bench", batchKeys: Number(batch), scanCount: Number(extra) });
    keys = trailer.keys;
    detail = `vanished ${trailer.vanished}`;
  } else {
    const r = await importDump(redis, createReadStream(String(file)), { policy: extra as ConflictPolicy, batchKeys: Number(batch) });
    keys = r.restored;
    detail = `${r.status}, expired ${r.expired}, failed ${r.failed}${r.error ? `, ${r.error}` : ""}`;
  }
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  redis.disconnect();
  process.stdout.write(JSON.stringify({ keys, seconds, peakRss: peakRss(), baselineRss: baseline, detail }) + "\n");
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
