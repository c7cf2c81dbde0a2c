// npm run bench:load [-- --clients 200 --nodes 50 --seconds 60 --trials 10]
// 200 socket.io clients on a dashboard watching 50 nodes under a write load: server CPU and RSS,
// bytes per client per second at steady state, and the delay of a role change to the slowest client.
import path from "node:path";
import { io, type Socket } from "socket.io-client";
import { startWriteLoad } from "../lib/demo/sample-data";
import { stopAll } from "../lib/redis/local-server";
import type { ClientToServerEvents, ServerToClientEvents } from "../lib/realtime/events";
import { BENCH_TOKEN, deltaShows, ensureBuild, numberOptions, machine, measureProcess, percentile, roleChangeTrials, startDashboard, startTree, type Dashboard } from "./support";

const ROOT = path.resolve(__dirname, "..");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
type Client = Socket<ServerToClientEvents, ClientToServerEvents> & { bytes: number };

async function main(): Promise<void> {
  const { clients, nodes, seconds, trials } = numberOptions("npm run bench:load [-- --clients 200 --nodes 50 --seconds 60 --trials 10]", { clients: 200, nodes: 50, seconds: 60, trials: 10 });
  ensureBuild(ROOT);
  console.log(`bench:load — ${clients} socket.io clients, ${nodes} nodes, ${seconds} s steady state, ${trials} role changes`);
  console.log(`machine: ${machine()}`);
  const { servers, parentOf } = await startTree(nodes);
  const master = servers[0]!;
  const stopLoad = startWriteLoad(master.port, 50);
  const socks: Client[] = [];
  let dash: Dashboard | undefined;
  try {
    dash = await startDashboard(ROOT, master.port, nodes);
    const { url, pid } = dash;
    const token = BENCH_TOKEN;
    for (let i = 0; i < clients; i++) {
      const s = io(url, { transports: ["websocket"], auth: { token }, forceNew: true }) as Client;
      s.bytes = 0;
      // Count what arrives on the wire: every engine.io packet's payload.
      s.io.on("open", () => s.io.engine.on("packet", (p: { data?: unknown }) => (s.bytes += typeof p.data === "string" ? p.data.length + 1 : 1)));
      socks.push(s);
    }
    await Promise.all(socks.map((s) => new Promise((r) => s.once("topology:snapshot", r))));
    await sleep(5000);
    const bytes0 = socks.map((s) => s.bytes);
    const { elapsed, cpuPct, rssMax } = await measureProcess(pid, seconds);
    const perClient = socks.map((s, i) => (s.bytes - bytes0[i]!) / elapsed);
    // The slowest of all clients decides each trial.
    const slowest = await roleChangeTrials({ servers, parentOf }, trials, async (id, role) => Math.max(...(await Promise.all(socks.map((s) => deltaShows(s, id, role))))));
    const kbPer10 = (percentile(perClient, 50) / 1024) * (10 / nodes);
    console.log("\nresults");
    console.log(`  server CPU               ${cpuPct.toFixed(1)} % of one core over ${elapsed.toFixed(0)} s`);
    console.log(`  server RSS               ${(rssMax / 1048576).toFixed(0)} MB peak`);
    console.log(`  bytes per client         p50 ${percentile(perClient, 50).toFixed(0)} B/s, max ${Math.max(...perClient).toFixed(0)} B/s → ${kbPer10.toFixed(2)} KB/s per 10 nodes (target ≤ 1)`);
    console.log(`  role change → slowest    p50 ${percentile(slowest, 50).toFixed(0)} ms, p95 ${percentile(slowest, 95).toFixed(0)} ms over ${slowest.length} trials × ${clients} clients (target p95 ≤ 500 ms)`);
  } finally {
    for (const s of socks) s.close();
    dash?.stop();
    await stopLoad();
    await stopAll(servers);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
