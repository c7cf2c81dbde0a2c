// npx tsx bench/backup-snapshot.ts [keys=1000000]
// One snapshot backup of a replica through the production server's API, both ways: copied from a
// trusted dir (BGSAVE + streamed copy + sha256 + redis-check-rdb) and fetched over replication
// (redis-cli --rdb). Prints durations, size, the server's peak RSS and the machine's load; never
// asserts on time.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, loadavg } from "node:os";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { localRedisRoot } from "../lib/redis/local-server";
import { startServer, TEST_TOKEN } from "../tests/support/server";
import { startTopology, cli } from "../tests/support/topology";
const N = Number(process.argv[2] ?? 1_000_000);
(async () => {
  const topo = await startTopology({ replicas: 1 });
  const t0 = Date.now();
  // Loaded with a Lua loop in chunks of 100,000 (DEBUG POPULATE is off on the test servers).
  for (let i = 0; i < N; i += 100_000) await cli(topo.master.port, "EVAL", `for i=${i},${Math.min(N, i + 100_000) - 1} do redis.call('SET','key:'..i,'value-value-value-value-value-'..i) end`, "0");
  await cli(topo.master.port, "WAIT", "1", "60000");
  console.log(`loaded ${N} keys in ${Date.now() - t0} ms`);
  const dir = mkdtempSync(path.join(tmpdir(), "snapmeasure-"));
  const file = path.join(dir, "c.json");
  writeFileSync(file, JSON.stringify({ topologies: [
    { name: "trusted", seeds: [`redis://127.0.0.1:${topo.master.port}`], backupSourceDirs: [localRedisRoot()] },
    { name: "fetch", seeds: [`redis://127.0.0.1:${topo.master.port}`] },
  ] }));
  const server = await startServer({ REPLSCOPE_CONFIG: file });
  const h = { authorization: `Bearer ${TEST_TOKEN}`, "content-type": "application/json" };
  await new Promise((r) => setTimeout(r, 3000));
  for (const topology of ["trusted", "fetch"]) {
    const r = (await (await fetch(`${server.url}/api/backups`, { method: "POST", headers: h, body: JSON.stringify({ node: topo.replicas[0]!.id, topology }) })).json()) as { id: string };
    let b: { status: string; durationMs: number; bytes: number; source: string; checkStatus: string; keys: number; meta: { bgsaveStartedAt?: number; bgsaveFinishedAt?: number } };
    for (;;) {
      b = (await (await fetch(`${server.url}/api/backups/${r.id}`, { headers: h })).json()) as typeof b;
      if (b.status !== "running") break;
      await new Promise((res) => setTimeout(res, 200));
    }
    const bg = b.meta.bgsaveFinishedAt && b.meta.bgsaveStartedAt ? ` (BGSAVE ${b.meta.bgsaveFinishedAt - b.meta.bgsaveStartedAt} ms)` : "";
    console.log(`${topology}: ${b.status} source=${b.source} total ${b.durationMs} ms${bg}, ${(b.bytes / 1e6).toFixed(1)} MB, check ${b.checkStatus}, keys ${b.keys}`);
  }
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${server.child.pid}/status`, "utf8"))?.[1];
  console.log(`server peak RSS (VmHWM) ${Math.round(Number(hwm) / 1024)} MB; load ${loadavg().map((x) => x.toFixed(2)).join(" ")}; ${execFileSync("nproc").toString().trim()} cores`);
  await server.stop();
  await topo.stop();
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
})();
