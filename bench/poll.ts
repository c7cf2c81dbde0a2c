// npm run bench:poll [-- --nodes 100,500 --replicas 9 --seconds 60 --trials 20 --coverage-samples 200 --cpu-prof DIR]
// For each size: N/(replicas+1) masters with `replicas` replicas each (small servers, no
// persistence, a light write load on every master), the production dashboard watching them (one
// topology, the masters as seeds) and, beside it in the same run, a bare ioredis loop
// (bench/bare-poller.ts) sending the same commands per node at the same cadence to the same ports.
// Prints, over the same window: CPU (% of one core, from /proc) and RSS of each, the ratio, and the
// commands each sent per node (checked on one replica's commandstats). Then, on the first size:
// role change → socket latency; and the backlog-coverage agreement (bench/coverage.ts).
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { parseArgs } from "node:util";
import Redis from "ioredis";
import { io } from "socket.io-client";
import { startWriteLoad } from "../lib/demo/sample-data";
import { stopAll } from "../lib/redis/local-server";
import type { TopologySnapshot } from "../lib/realtime/events";
import { coverageAgreement } from "./coverage";
import { BENCH_TOKEN, deltaShows, ensureBuild, machine, measureProcesses, percentile, roleChangeTrials, startDashboard, startForest, type Dashboard } from "./support";

const ROOT = path.resolve(__dirname, "..");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MB = 1048576;
/** What the server polls with by default (REPLSCOPE_POLL_MS, the topology's infoMs). */
const POLL_MS = 250;
const INFO_MS = 2000;

const { values: opts } = parseArgs({
  options: {
    nodes: { type: "string", default: "100" },
    replicas: { type: "string", default: "9" },
    seconds: { type: "string", default: "60" },
    warmup: { type: "string", default: "10" },
    trials: { type: "string", default: "20" },
    "coverage-samples": { type: "string", default: "200" },
    /** Use the existing production build even when sources are newer (only server-side code changed). */
    "no-build": { type: "boolean", default: false },
    /** Write a V8 CPU profile of the server (node --cpu-prof) into this folder. */
    "cpu-prof": { type: "string" },
    /** Extra node flags for the server process, space-separated (e.g. "--heapsnapshot-signal=SIGUSR2"). */
    "node-flags": { type: "string", default: "" },
  },
});

function count(name: keyof typeof opts, min = 0): number {
  const v = Number(opts[name]);
  if (!Number.isInteger(v) || v < min) throw new Error(`--${name} must be an integer ≥ ${min}`);
  return v;
}

interface SizeResult {
  nodes: number;
  masters: number;
  elapsed: number;
  server: { cpuPct: number; rssMean: number; rssMax: number };
  bare: { cpuPct: number; rssMean: number; rssMax: number };
  perNode: { server: Record<string, number>; bare: Record<string, number> };
  load: string;
  /** The server's own account of its memory at the end of the window (its /metrics). */
  heap: string;
}

type BareCounts = Record<string, { info: number; client: number; role: number; config: number }>;

function startBare(ports: number[]): { child: ChildProcess; report: () => Promise<BareCounts>; stop: () => Promise<void> } {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(__dirname, "bare-poller.ts"), String(POLL_MS), String(INFO_MS), ...ports.map(String)], {
    cwd: ROOT,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const report = () =>
    new Promise<BareCounts>((resolve) => {
      child.once("message", (m) => resolve(m as BareCounts));
      child.send("report");
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.send("stop");
      setTimeout(() => child.kill("SIGKILL"), 3000).unref();
    });
  return { child, report, stop };
}

async function commandStats(r: Redis): Promise<Record<string, number>> {
  const text = await r.info("commandstats");
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^cmdstat_([a-z|]+):calls=(\d+)/gm)) out[m[1]!] = Number(m[2]);
  return out;
}

async function measureSize(nodes: number, replicas: number, seconds: number, warmup: number, firstSize: boolean): Promise<SizeResult> {
  const masters = nodes / (replicas + 1);
  console.log(`\n— ${nodes} nodes: ${masters} masters × ${replicas} replicas; starting redis-servers…`);
  const { masters: tops, servers, parentOf } = await startForest(masters, replicas);
  const stopLoads = tops.map((m) => startWriteLoad(m.port, 100));
  let dash: Dashboard | undefined;
  let bare: ReturnType<typeof startBare> | undefined;
  try {
    const profile = opts["cpu-prof"] ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(opts["cpu-prof"])}`] : [];
    const flags = String(opts["node-flags"]).split(" ").filter(Boolean);
    dash = await startDashboard(ROOT, tops.map((m) => m.port), nodes, [...flags, ...profile]);
    bare = startBare(servers.map((s) => s.port));
    console.log(`  server pid ${dash.pid}, bare loop pid ${bare.child.pid}`);
    await sleep(warmup * 1000);
    // One replica's commandstats, minus what the bare loop says it sent there: the server's share.
    const probeNode = servers[tops.length] ?? servers[0]!;
    const probe = new Redis({ port: probeNode.port, host: "127.0.0.1" });
    const [stats0, bare0] = [await commandStats(probe), await bare.report()];
    const { elapsed, stats } = await measureProcesses([dash.pid, bare.child.pid!], seconds);
    const [stats1, bare1] = [await commandStats(probe), await bare.report()];
    probe.disconnect();
    const load = machine();
    const heap = await heapOf(dash.url);
    const perNode = { server: {} as Record<string, number>, bare: {} as Record<string, number> };
    const key = String(probeNode.port);
    for (const [cmd, field] of [["info", "info"], ["client|list", "client"], ["role", "role"], ["config|get", "config"]] as const) {
      const total = (stats1[cmd] ?? 0) - (stats0[cmd] ?? 0);
      const b = (bare1[key]?.[field] ?? 0) - (bare0[key]?.[field] ?? 0);
      perNode.bare[cmd] = b / elapsed;
      // commandstats also counts the probe's own INFO commandstats calls (2).
      perNode.server[cmd] = (total - b - (cmd === "info" ? 1 : 0)) / elapsed;
    }
    const result: SizeResult = { nodes, masters, elapsed, server: stats[0]!, bare: stats[1]!, perNode, load, heap };
    printSize(result);

    if (firstSize && count("trials") > 0) {
      const sock = io(dash.url, { transports: ["websocket"], auth: { token: BENCH_TOKEN } });
      await new Promise<TopologySnapshot>((resolve) => sock.once("topology:snapshot", resolve));
      const latencies = await roleChangeTrials({ servers, parentOf }, count("trials"), (id, role) => deltaShows(sock, id, role));
      sock.close();
      console.log(`  role change → socket     p50 ${percentile(latencies, 50).toFixed(0)} ms, p95 ${percentile(latencies, 95).toFixed(0)} ms, max ${Math.max(...latencies).toFixed(0)} ms over ${latencies.length} trials (target p95 ≤ 500 ms)`);
    }
    return result;
  } finally {
    await bare?.stop();
    dash?.stop();
    await Promise.all(stopLoads.map((s) => s()));
    await stopAll(servers);
  }
}

/** V8 heap used/total, external and the large spaces, from the server's process metrics. */
async function heapOf(url: string): Promise<string> {
  const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${BENCH_TOKEN}` } });
  const text = await res.text();
  const v = (re: RegExp) => Number(re.exec(text)?.[1] ?? NaN) / MB;
  const spaces = ["old", "new", "code", "large_object"].map((sp) => `${sp} ${v(new RegExp(`^replscope_nodejs_heap_space_size_used_bytes\\{space="${sp}"\\} (\\S+)`, "m")).toFixed(0)}`).join(", ");
  return `heap used ${v(/^replscope_nodejs_heap_size_used_bytes (\S+)/m).toFixed(0)} of ${v(/^replscope_nodejs_heap_size_total_bytes (\S+)/m).toFixed(0)} MB (${spaces}), external ${v(/^replscope_nodejs_external_memory_bytes (\S+)/m).toFixed(0)} MB`;
}

const pct = (v: number) => `${v.toFixed(1)} %`;
const mb = (v: number) => `${(v / MB).toFixed(0)} MB`;
const rate = (v: number | undefined) => (v ?? 0).toFixed(2);

function printSize(r: SizeResult): void {
  console.log(`  window                   ${r.elapsed.toFixed(0)} s, both processes measured together; ${r.load}`);
  console.log(`  server CPU               ${pct(r.server.cpuPct)} of one core`);
  console.log(`  bare ioredis loop CPU    ${pct(r.bare.cpuPct)} of one core`);
  console.log(`  ratio server / bare      ${(r.server.cpuPct / r.bare.cpuPct).toFixed(2)}× (target ≤ 3×)`);
  // Per poll, so a server that falls behind its cadence does not look cheaper than it is.
  const sInfo = r.perNode.server.info ?? 0;
  const bInfo = r.perNode.bare.info ?? 0;
  const perPoll = (cpuPct: number, perNodeRate: number) => (cpuPct * 10) / (perNodeRate * r.nodes);
  console.log(`  CPU per poll             server ${(1000 * perPoll(r.server.cpuPct, sInfo)).toFixed(0)} µs, bare ${(1000 * perPoll(r.bare.cpuPct, bInfo)).toFixed(0)} µs: ${(perPoll(r.server.cpuPct, sInfo) / perPoll(r.bare.cpuPct, bInfo)).toFixed(2)}×`);
  if (sInfo < 0.95 * bInfo) console.log(`  NOTE                     the server kept only ${((100 * sInfo) / bInfo).toFixed(0)} % of the bare loop's poll rate (behind its cadence)`);
  console.log(`  server RSS               mean ${mb(r.server.rssMean)}, peak ${mb(r.server.rssMax)} (target ≤ 200 MB at 100 nodes)`);
  console.log(`  server memory            ${r.heap}`);
  console.log(`  bare loop RSS            mean ${mb(r.bare.rssMean)}, peak ${mb(r.bare.rssMax)}`);
  for (const cmd of ["info", "client|list", "role", "config|get"]) {
    console.log(`  ${`${cmd.toUpperCase()} per node /s`.padEnd(25)}server ${rate(r.perNode.server[cmd])}, bare ${rate(r.perNode.bare[cmd])}`);
  }
}

async function main(): Promise<void> {
  const replicas = count("replicas");
  const sizes = String(opts.nodes).split(",").map((s) => Number(s.trim()));
  for (const n of sizes) {
    if (!Number.isInteger(n) || n <= 0 || n % (replicas + 1) !== 0) throw new Error(`--nodes: ${n} is not a multiple of ${replicas + 1} (a master and ${replicas} replicas)`);
    if (n > 500) throw new Error("--nodes: at most 500 (a topology's node limit)");
  }
  const seconds = count("seconds", 1);
  const warmup = count("warmup");
  if (!opts["no-build"]) ensureBuild(ROOT);
  console.log(`bench:poll — sizes ${sizes.join(", ")} nodes, ${replicas} replicas per master, poll every ${POLL_MS} ms (full INFO every ${INFO_MS} ms), ${warmup} s warm-up, ${seconds} s window`);
  console.log(`machine: ${machine()}`);
  const results: SizeResult[] = [];
  for (const [i, n] of sizes.entries()) results.push(await measureSize(n, replicas, seconds, warmup, i === 0));

  const samples = count("coverage-samples");
  if (samples > 0) {
    const cov = await coverageAgreement(ROOT, samples);
    console.log(`\n  coverage vs Redis        ${cov.matched} of ${cov.samples} samples matched Redis's own PSYNC decision (${((100 * cov.matched) / cov.samples).toFixed(1)} %, target ≥ 99 %), ${cov.flips} flips, at ${cov.writesPerSec.toFixed(0)} SET/s`);
  }
  console.log("\nsummary (server vs bare ioredis loop, same run, same window)");
  console.log("  nodes  server CPU  bare CPU  ratio   server RSS mean/peak  bare RSS");
  for (const r of results) {
    console.log(`  ${String(r.nodes).padStart(5)}  ${pct(r.server.cpuPct).padStart(10)}  ${pct(r.bare.cpuPct).padStart(8)}  ${`${(r.server.cpuPct / r.bare.cpuPct).toFixed(2)}×`.padStart(6)}  ${`${mb(r.server.rssMean)} / ${mb(r.server.rssMax)}`.padStart(20)}  ${mb(r.bare.rssMean).padStart(8)}`);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
