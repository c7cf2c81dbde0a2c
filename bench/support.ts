// Shared pieces for the benchmarks: argument parsing, percentiles, process CPU/RSS from /proc.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os, { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import Redis from "ioredis";
import { freePort, localRedisRoot, startRedis, type LocalRedis } from "../lib/redis/local-server";
import type { TopologyDelta } from "../lib/realtime/events";
import { SERVER_OUT_DIR } from "../scripts/build-server";

/**
 * The bench's options, all positive numbers (`--trials 20`), read with util.parseArgs: an unknown
 * option, a missing value or one that is not a positive number stops the bench with its usage line
 * instead of silently running with the default.
 */
export function numberOptions<K extends string>(usage: string, defaults: Record<K, number>, argv = process.argv.slice(2)): Record<K, number> {
  const names = Object.entries(defaults).map(([name]) => name as K);
  try {
    const { values } = parseArgs({ args: argv, options: Object.fromEntries(names.map((n) => [n, { type: "string" as const }])), strict: true, allowPositionals: false });
    const out = { ...defaults };
    for (const name of names) {
      const raw = values[name];
      if (typeof raw !== "string") continue;
      const v = Number(raw);
      if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} wants a positive number, got "${raw}"`);
      out[name] = v;
    }
    return out;
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : String(err)}\nusage: ${usage}`);
    process.exit(2);
  }
}

/** One positive number option, or the fallback (lenient: other options are left to the caller). */
export function flag(name: string, fallback: number): number {
  const { values } = parseArgs({ args: process.argv.slice(2), options: { [name]: { type: "string" } }, strict: false, allowPositionals: true });
  const v = Number(values[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

export function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx]!;
}

const CLK_TCK = 100;

/** utime+stime of a process in seconds, from /proc (Linux). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) * 1024 : NaN;
}

export function machine(): string {
  const load = os.loadavg().map((l) => l.toFixed(2)).join(" ");
  return `${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), load avg ${load}, node ${process.version}`;
}

/** The benchmarks run the production server; built when missing or older than the sources. */
export { ensureBuild } from "../scripts/ensure-build";
export { SERVER_OUT_DIR } from "../scripts/build-server";

/** A master, up to 9 direct replicas and the rest chained under those: a tree with depth. */
export async function startTree(n: number): Promise<{ servers: LocalRedis[]; parentOf: Map<string, LocalRedis> }> {
  const args = ["--repl-diskless-sync-delay", "0", "--save", ""];
  const servers: LocalRedis[] = [];
  const parentOf = new Map<string, LocalRedis>();
  const master = await startRedis({ args });
  servers.push(master);
  // Up to 9 direct replicas; the rest chained under them, so the tree has depth.
  const direct: LocalRedis[] = [];
  const pending: Promise<void>[] = [];
  for (let i = 1; i < n; i++) {
    const parent = i <= 9 ? master : direct[(i - 10) % direct.length]!;
    if (i === 10) await Promise.all(pending.splice(0));
    const p = startRedis({ args, replicaOf: { host: parent.host, port: parent.port } }).then((s) => {
      servers.push(s);
      parentOf.set(s.id, parent);
      if (parent === master) direct.push(s);
    });
    pending.push(p);
    if (pending.length >= 8) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  return { servers, parentOf };
}

export const BENCH_TOKEN = "bench-token-0123456789abcdef";

export interface Dashboard {
  url: string;
  pid: number;
  stop(): void;
}

/** The node flags of package.json's `start` script (`NODE_ENV=production node <flags> dist/server.js`). */
export function startFlags(root: string): string[] {
  const start = String((JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { scripts?: Record<string, string> }).scripts?.start ?? "");
  const m = /^NODE_ENV=production node ((?:\S+ )*)dist\/server\.js$/.exec(start);
  if (!m) throw new Error(`package.json start is not "NODE_ENV=production node <flags> dist/server.js": ${start}`);
  return m[1]!.split(" ").filter(Boolean);
}

/**
 * `masters` masters with `replicas` direct replicas each, small servers (no persistence): the shape
 * of bench:poll's load. Started a few at a time so a 2-core box is not swamped.
 */
export async function startForest(masters: number, replicas: number): Promise<{ masters: LocalRedis[]; servers: LocalRedis[]; parentOf: Map<string, LocalRedis> }> {
  const args = ["--repl-diskless-sync-delay", "0", "--save", "", "--appendonly", "no"];
  const tops: LocalRedis[] = [];
  const servers: LocalRedis[] = [];
  const parentOf = new Map<string, LocalRedis>();
  for (let i = 0; i < masters; i += 8) {
    const started = await Promise.all(Array.from({ length: Math.min(8, masters - i) }, () => startRedis({ args })));
    tops.push(...started);
    servers.push(...started);
  }
  const jobs = tops.flatMap((m) => Array.from({ length: replicas }, () => m));
  for (let i = 0; i < jobs.length; i += 8) {
    await Promise.all(
      jobs.slice(i, i + 8).map(async (m) => {
        const s = await startRedis({ args, replicaOf: { host: m.host, port: m.port } });
        servers.push(s);
        parentOf.set(s.id, m);
      }),
    );
  }
  return { masters: tops, servers, parentOf };
}

/**
 * The production server (as `npm start` runs it) watching `seedPort` (or several seeds, one
 * topology), once it sees `nodes` nodes up. `nodeArgs`: extra node flags for the server process.
 */
export async function startDashboard(root: string, seedPort: number | number[], nodes: number, nodeArgs: string[] = []): Promise<Dashboard> {
  const seeds = (Array.isArray(seedPort) ? seedPort : [seedPort]).map((p) => `redis://127.0.0.1:${p}`).join(",");
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), "replscope-bench-"));
  // As `npm start` runs it: the compiled server (ensureBuild made it), plain node with the start script's flags.
  const child = spawn(process.execPath, [...nodeArgs, ...startFlags(root), path.join(SERVER_OUT_DIR, "server.js")], {
    cwd: root,
    env: { ...process.env, NODE_ENV: "production", PORT: String(port), REPLSCOPE_DATA_DIR: dataDir, REPLSCOPE_PASSWORD: "bench-password", REPLSCOPE_API_TOKEN: BENCH_TOKEN, REPLSCOPE_SEEDS: seeds, REPLSCOPE_CONFIG: "", REPLSCOPE_LOG_DIRS: localRedisRoot() },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = () => {
    child.kill("SIGTERM");
    rmSync(dataDir, { recursive: true, force: true });
  };
  for (let i = 0; ; i++) {
    try {
      const res = await fetch(`${url}/api/topology`, { headers: { authorization: `Bearer ${BENCH_TOKEN}` } });
      const body = (await res.json()) as { topologies: { nodes: { status: string }[] }[] };
      const ns = body.topologies[0]?.nodes ?? [];
      if (ns.length === nodes && ns.every((n) => n.status === "up")) break;
    } catch {
      /* not listening yet */
    }
    if (i > 1800) {
      stop();
      throw new Error(`the dashboard did not see all ${nodes} nodes up within 180 s`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, pid: child.pid!, stop };
}

/** CPU (% of one core) and peak RSS of a process over a steady-state window, sampled each second. */
export async function measureProcess(pid: number, seconds: number): Promise<{ elapsed: number; cpuPct: number; rssMax: number }> {
  const cpu0 = cpuSeconds(pid);
  const t0 = Date.now();
  let rssMax = 0;
  while (Date.now() - t0 < seconds * 1000) {
    rssMax = Math.max(rssMax, rssBytes(pid));
    await new Promise((r) => setTimeout(r, 1000));
  }
  const elapsed = (Date.now() - t0) / 1000;
  return { elapsed, cpuPct: ((cpuSeconds(pid) - cpu0) / elapsed) * 100, rssMax };
}

/** CPU (% of one core), mean and peak RSS of several processes over the same window, sampled each second. */
export async function measureProcesses(pids: number[], seconds: number): Promise<{ elapsed: number; stats: { cpuPct: number; rssMean: number; rssMax: number }[] }> {
  const cpu0 = pids.map(cpuSeconds);
  const rss = pids.map(() => [] as number[]);
  const t0 = Date.now();
  while (Date.now() - t0 < seconds * 1000) {
    pids.forEach((pid, i) => rss[i]!.push(rssBytes(pid)));
    await new Promise((r) => setTimeout(r, 1000));
  }
  const elapsed = (Date.now() - t0) / 1000;
  const stats = pids.map((pid, i) => ({
    cpuPct: ((cpuSeconds(pid) - cpu0[i]!) / elapsed) * 100,
    rssMean: rss[i]!.reduce((a, b) => a + b, 0) / rss[i]!.length,
    rssMax: Math.max(...rss[i]!),
  }));
  return { elapsed, stats };
}

/** Resolves (performance.now()) when a delta on this socket shows `nodeId` in `role`. */
export function deltaShows(sock: { on: (ev: "topology:delta", fn: (d: TopologyDelta) => void) => unknown; off: (ev: "topology:delta", fn: (d: TopologyDelta) => void) => unknown }, nodeId: string, role: string): Promise<number> {
  return new Promise((resolve) => {
    const on = (d: TopologyDelta) => {
      if (d.topologies.some((t) => t.upserts.some((u) => u.id === nodeId && u.role === role))) {
        sock.off("topology:delta", on);
        resolve(performance.now());
      }
    };
    sock.on("topology:delta", on);
  });
}

/**
 * Role-change trials on the tree's leaves: REPLICAOF NO ONE, then the time from its reply until
 * `seen(node, "master")` resolves; restored with REPLICAOF (waiting for `seen(node, "replica")`).
 */
export async function roleChangeTrials(
  tree: { servers: LocalRedis[]; parentOf: Map<string, LocalRedis> },
  trials: number,
  seen: (nodeId: string, role: string) => Promise<number>,
): Promise<number[]> {
  const parents = new Set(tree.parentOf.values());
  const leaves = tree.servers.filter((s) => tree.parentOf.has(s.id) && !parents.has(s));
  const latencies: number[] = [];
  for (let i = 0; i < trials; i++) {
    const node = leaves[i % leaves.length]!;
    const parent = tree.parentOf.get(node.id)!;
    const r = new Redis({ port: node.port, host: "127.0.0.1" });
    const promoted = seen(node.id, "master");
    await r.replicaof("NO", "ONE");
    const replied = performance.now();
    latencies.push((await promoted) - replied);
    const back = seen(node.id, "replica");
    await r.replicaof(parent.host, parent.port);
    await back;
    r.disconnect();
    await new Promise((res) => setTimeout(res, 300));
  }
  return latencies;
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

export function pinger(port: number): { stop: () => Promise<number[]> } {
  const child: ChildProcess = spawn(process.execPath, ["-e", PINGER, String(port)], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const result = new Promise<number[]>((resolve) => child.once("message", (m) => resolve(m as number[])));
  return { stop: async () => (child.send("stop"), await result) };
}

export interface WorkerResult {
  keys: number;
  seconds: number;
  peakRss: number;
  baselineRss: number;
  detail: string;
}

/** Runs one phase in bench/backup-worker.ts (its own process, so its peak RSS is its own). */
export function runWorker(args: string[]): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(__dirname, "backup-worker.ts"), ...args], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out) as WorkerResult) : reject(new Error(`worker ${args[0]} exited ${code}`))));
  });
}
