// npm run bench:poll [-- --nodes 50 --seconds 60 --trials 20]
// Starts N redis-servers in a replication tree, runs the production dashboard against them and
// prints: dashboard CPU (% of one core) and RSS over a steady-state window, INFO commands/s per
// node, and the latency from a role change (REPLICAOF NO ONE reply) to the delta at a socket client.
import path from "node:path";
import Redis from "ioredis";
import { io } from "socket.io-client";
import { startWriteLoad } from "../lib/demo/sample-data";
import { stopAll } from "../lib/redis/local-server";
import type { TopologySnapshot } from "../lib/realtime/events";
import { coverageAgreement } from "./coverage";
import { BENCH_TOKEN, deltaShows, ensureBuild, flag, machine, measureProcess, percentile, roleChangeTrials, startDashboard, startTree, type Dashboard } from "./support";

const ROOT = path.resolve(__dirname, "..");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const nodes = flag("nodes", 50);
  const seconds = flag("seconds", 60);
  const trials = flag("trials", 20);
  ensureBuild(ROOT);
  console.log(`bench:poll — ${nodes} nodes, ${seconds} s steady state, ${trials} role-change trials`);
  console.log(`machine: ${machine()}`);

  const { servers, parentOf } = await startTree(nodes);
  const master = servers[0]!;
  const stopLoad = startWriteLoad(master.port, 50);
  let dash: Dashboard | undefined;
  const cleanup = async () => {
    dash?.stop();
    await stopLoad();
    await stopAll(servers);
  };
  try {
    dash = await startDashboard(ROOT, master.port, nodes);
    const { url, pid } = dash;
    const token = BENCH_TOKEN;
    await sleep(5000);

    const probe = new Redis({ port: servers[1]!.port, host: "127.0.0.1" });
    const infoCalls = async () => Number(/cmdstat_info:calls=(\d+)/.exec(await probe.info("commandstats"))?.[1] ?? 0);
    const calls0 = await infoCalls();
    const { elapsed, cpuPct, rssMax } = await measureProcess(pid, seconds);
    const infoPerSec = ((await infoCalls()) - calls0) / elapsed;
    probe.disconnect();

    // Role-change latency: REPLICAOF NO ONE reply → delta with role master at a socket client.
    const sock = io(url, { transports: ["websocket"], auth: { token } });
    await new Promise<TopologySnapshot>((resolve) => sock.once("topology:snapshot", resolve));
    const latencies = await roleChangeTrials({ servers, parentOf }, trials, (id, role) => deltaShows(sock, id, role));
    sock.close();

    console.log("\nresults");
    console.log(`  nodes monitored          ${nodes}`);
    console.log(`  dashboard CPU            ${cpuPct.toFixed(1)} % of one core (target ≤ 10 %) over ${elapsed.toFixed(0)} s`);
    console.log(`  dashboard RSS            ${(rssMax / 1048576).toFixed(0)} MB peak (target ≤ 300 MB)`);
    console.log(`  INFO commands per node   ${infoPerSec.toFixed(2)} /s (measured on ${servers[1]!.id})`);
    console.log(`  role change → socket     p50 ${percentile(latencies, 50).toFixed(0)} ms, p95 ${percentile(latencies, 95).toFixed(0)} ms, max ${Math.max(...latencies).toFixed(0)} ms over ${latencies.length} trials (target p95 ≤ 500 ms)`);
  } finally {
    await cleanup();
  }
  const cov = await coverageAgreement(ROOT, flag("coverage-samples", 200));
  console.log(`  coverage vs Redis        ${cov.matched} of ${cov.samples} samples matched Redis's own PSYNC decision (${((100 * cov.matched) / cov.samples).toFixed(1)} %, target ≥ 99 %), ${cov.flips} flips, at ${cov.writesPerSec.toFixed(0)} SET/s`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
