// npm run bench:fleet [-- --topologies 100 --replicas 2 --instances 3 --seconds 30 --warmup 10 --trials 30 --takeover-changes 5 --poll-ms 250 --no-single]
// Several replscope instances (the production build) sharing one PostgreSQL store (a database
// created here and dropped after) and one coordination redis-server (started here), all with the
// same config: `topologies` topologies of one master and `replicas` replicas each (small servers,
// no persistence, no write load), each topology a config entry seeded by its master.
//
//  0. Baseline: ONE instance alone (SQLite in its data dir, no coordination) polling everything,
//     same config: CPU (% of one core, /proc) and RSS over the window, then role change → socket.
//  1. Fleet steady state, once every topology is leased and every node is up: each instance's CPU
//     and RSS over the same window, with the topologies and nodes it polls; nodes per core. No
//     socket is connected during either window (the view feed between instances runs regardless).
//  2. Role change → socket: one socket.io client (websocket, API token) on EACH instance;
//     `trials` REPLICAOF NO ONE on a replica (then back), the topologies taken in turn from each
//     owner; the time from the command's reply to the delta showing the new role on each client,
//     split by whether the client is on the instance that polls the topology or on another one.
//  3. Takeover: kill -9 of the instance owning the most topologies; right after the kill
//     `takeover-changes` of its topologies get a REPLICAOF NO ONE. Timed from the kill: when each
//     of its topologies is leased by a survivor (readLeases every ~20 ms), and when each client on
//     a survivor sees those promotions (the first live deltas from the new owners).
//  4. The coordination redis-server's own CPU (INFO cpu used_cpu_sys+user), commands/s and bytes
//     over the fleet's steady-state window (1), with its busiest commands.
//  Each window also says how busy the whole machine was (/proc/stat): other work on the box shows.
// Reports, never asserts. Everything started here is stopped by PID (also on failure or Ctrl-C),
// temp folders removed and the database dropped.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os, { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import Redis from "ioredis";
import { io, type Socket } from "socket.io-client";
import { freePort, localRedisRoot, startRedis, stopAll, type LocalRedis } from "../lib/redis/local-server";
import { readLeases } from "../lib/fleet/coordination";
import type { ClientToServerEvents, ServerToClientEvents, TopologyDelta, TopologySnapshot } from "../lib/realtime/events";
import { waitFor } from "../tests/support/wait";
import { BENCH_TOKEN, cpuSeconds, ensureBuild, rssBytes, machine, measureProcesses, percentile, SERVER_OUT_DIR, startFlags } from "./support";
import { pgQuery } from "../tests/support/pg";

const ROOT = path.resolve(__dirname, "..");
const MB = 1048576;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const USAGE = "npm run bench:fleet [-- --topologies 100 --replicas 2 --instances 3 --seconds 30 --warmup 10 --trials 30 --takeover-changes 5 --poll-ms 250 --no-single --no-build]";

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

// ---------------------------------------------------------------------------------------------
// Options

interface Options {
  topologies: number;
  replicas: number;
  instances: number;
  seconds: number;
  warmup: number;
  trials: number;
  takeoverChanges: number;
  pollMs: number;
  single: boolean;
  build: boolean;
}

function options(): Options {
  try {
    const { values } = parseArgs({
      options: {
        topologies: { type: "string", default: "100" },
        replicas: { type: "string", default: "2" },
        instances: { type: "string", default: "3" },
        seconds: { type: "string", default: "30" },
        warmup: { type: "string", default: "10" },
        trials: { type: "string", default: "30" },
        "takeover-changes": { type: "string", default: "5" },
        "poll-ms": { type: "string", default: "250" },
        /** Skip the one-instance baseline. */
        "no-single": { type: "boolean", default: false },
        /** Use the existing production build even when sources are newer. */
        "no-build": { type: "boolean", default: false },
      },
      strict: true,
      allowPositionals: false,
    });
    const int = (name: keyof typeof values, min: number): number => {
      const v = Number(values[name]);
      if (!Number.isInteger(v) || v < min) throw new Error(`--${name} wants an integer ≥ ${min}, got "${String(values[name])}"`);
      return v;
    };
    return {
      topologies: int("topologies", 1),
      replicas: int("replicas", 1),
      instances: int("instances", 2),
      seconds: int("seconds", 1),
      warmup: int("warmup", 0),
      trials: int("trials", 0),
      takeoverChanges: int("takeover-changes", 1),
      pollMs: int("poll-ms", 50),
      single: !values["no-single"],
      build: !values["no-build"],
    };
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : String(err)}\nusage: ${USAGE}`);
    process.exit(2);
  }
}

// ---------------------------------------------------------------------------------------------
// Cleanup: everything started registers its undo here; run last-in first-out, once, on success,
// failure or a signal.

const undo: { what: string; run: () => void | Promise<void> }[] = [];
let cleaning: Promise<void> | null = null;

function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const step of undo.splice(0).reverse()) {
      try {
        await step.run();
      } catch (err) {
        console.error(`cleanup (${step.what}) failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  })();
  return cleaning;
}

for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.once(sig, () => {
    console.error(`\n${sig}: cleaning up…`);
    void cleanup().finally(() => process.exit(130));
  });
}

// ---------------------------------------------------------------------------------------------
// Redis servers

interface Topo {
  name: string;
  master: LocalRedis;
  replicas: LocalRedis[];
}

/**
 * The topologies' servers, `batch` at a time (masters first, then their replicas). Each server is
 * pushed to `into` as soon as it answers, so a failure half-way still stops every one started.
 */
async function startTopologies(count: number, replicas: number, into: LocalRedis[], batch: number): Promise<Topo[]> {
  const args = ["--repl-diskless-sync-delay", "0", "--save", "", "--appendonly", "no"];
  const width = String(count).length;
  const topos: Topo[] = [];
  for (let i = 0; i < count; i += batch) {
    const started = await Promise.all(
      Array.from({ length: Math.min(batch, count - i) }, async () => {
        const s = await startRedis({ args });
        into.push(s);
        return s;
      }),
    );
    started.forEach((master, j) => topos.push({ name: `t${String(i + j + 1).padStart(width, "0")}`, master, replicas: [] }));
  }
  const jobs = topos.flatMap((t) => Array.from({ length: replicas }, () => t));
  for (let i = 0; i < jobs.length; i += batch) {
    await Promise.all(
      jobs.slice(i, i + batch).map(async (t) => {
        const s = await startRedis({ args, replicaOf: { host: t.master.host, port: t.master.port } });
        into.push(s);
        t.replicas.push(s);
      }),
    );
  }
  return topos;
}

function infoNumber(text: string, field: string): number {
  const m = new RegExp(`^${field}:([0-9.]+)`, "m").exec(text);
  return m ? Number(m[1]) : NaN;
}

function commandCalls(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^cmdstat_([a-z|_-]+):calls=(\d+)/gm)) out.set(m[1]!, Number(m[2]));
  return out;
}

// ---------------------------------------------------------------------------------------------
// replscope instances (as `npm start` runs them)

interface Instance {
  id: string;
  url: string;
  pid: number;
  child: ChildProcess;
  output(): string;
  /** SIGTERM, SIGKILL after 10 s; waits for the exit; removes the data dir. */
  stop(): Promise<void>;
}

async function startInstance(id: string, env: Record<string, string>): Promise<Instance> {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), `replscope-fleet-${id}-`));
  const child = spawn(process.execPath, [...startFlags(ROOT), path.join(SERVER_OUT_DIR, "server.js")], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: "production",
      PORT: String(port),
      HOST: "127.0.0.1",
      REPLSCOPE_DATA_DIR: dataDir,
      REPLSCOPE_PASSWORD: "bench-password",
      REPLSCOPE_API_TOKEN: BENCH_TOKEN,
      REPLSCOPE_SEEDS: "",
      REPLSCOPE_LOG_DIRS: localRedisRoot(),
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const keep = (d: Buffer) => (out = (out + d.toString()).slice(-20_000));
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const t = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(t);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  const inst: Instance = { id, url: `http://127.0.0.1:${port}`, pid: child.pid!, child, output: () => out, stop };
  undo.push({ what: `instance ${id}`, run: stop });
  await waitFor(
    `instance ${id} /api/health`,
    async () => {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`instance ${id} exited (${child.exitCode ?? child.signalCode}):\n${out}`);
      return (await fetch(`${inst.url}/api/health`)).status;
    },
    (s) => s === 200,
    120_000,
    200,
  );
  return inst;
}

/** The topologies an instance's hub polls right now, with their nodes (GET /api/topology). */
async function polledBy(inst: Instance): Promise<{ name: string; nodes: { status: string }[] }[]> {
  const res = await fetch(`${inst.url}/api/topology`, { headers: { authorization: `Bearer ${BENCH_TOKEN}` } });
  if (res.status !== 200) throw new Error(`${inst.id} /api/topology: ${res.status}`);
  return ((await res.json()) as { topologies: { name: string; nodes: { status: string }[] }[] }).topologies;
}

// ---------------------------------------------------------------------------------------------
// Sockets

interface Watch {
  topology: string;
  port: number;
  role: string;
  resolve: (t: number) => void;
}

/** A socket.io client that resolves watches (topology, node port, role) when a delta shows them. */
class Watcher {
  readonly socket: Client;
  private readonly watches = new Set<Watch>();
  readonly snapshot: Promise<TopologySnapshot>;

  constructor(
    readonly instance: Instance,
  ) {
    this.socket = io(instance.url, { transports: ["websocket"], reconnection: false, auth: { token: BENCH_TOKEN } });
    this.socket.on("topology:delta", (d) => this.onDelta(d));
    this.snapshot = new Promise((resolve, reject) => {
      this.socket.once("topology:snapshot", resolve);
      this.socket.once("connect_error", reject);
    });
  }

  /** performance.now() of the first delta showing the node in `role`, or null after timeoutMs. */
  shows(topology: string, port: number, role: string, timeoutMs: number): Promise<number | null> {
    return new Promise((resolve) => {
      const w: Watch = {
        topology,
        port,
        role,
        resolve: (t) => {
          clearTimeout(timer);
          this.watches.delete(w);
          resolve(t);
        },
      };
      const timer = setTimeout(() => {
        this.watches.delete(w);
        resolve(null);
      }, timeoutMs);
      this.watches.add(w);
    });
  }

  private onDelta(d: TopologyDelta): void {
    const now = performance.now();
    for (const w of [...this.watches]) {
      const t = d.topologies.find((x) => x.name === w.topology);
      if (t?.upserts.some((u) => u.id.endsWith(`:${w.port}`) && u.role === w.role)) w.resolve(now);
    }
  }

  close(): void {
    this.socket.disconnect();
  }
}

async function connectWatcher(inst: Instance): Promise<Watcher> {
  const w = new Watcher(inst);
  undo.push({ what: `socket on ${inst.id}`, run: () => w.close() });
  await w.snapshot;
  return w;
}

async function replicaof(port: number, ...args: string[]): Promise<void> {
  const r = new Redis({ host: "127.0.0.1", port, lazyConnect: true, maxRetriesPerRequest: 1 });
  await r.connect();
  try {
    await r.call("REPLICAOF", ...args);
  } finally {
    r.disconnect();
  }
}

// ---------------------------------------------------------------------------------------------
// Figures

const ms = (x: number) => `${x.toFixed(0)} ms`;

function dist(label: string, xs: number[], extra = ""): string {
  if (!xs.length) return `  ${label.padEnd(46)} no samples${extra}`;
  return `  ${label.padEnd(46)} p50 ${ms(percentile(xs, 50))}, p95 ${ms(percentile(xs, 95))}, max ${ms(Math.max(...xs))} over ${xs.length}${extra}`;
}

function load(): string {
  return os.loadavg().map((l) => l.toFixed(2)).join(" ");
}

function cpuLine(label: string, s: { cpuPct: number; rssMean: number; rssMax: number }, nodes: number, topologies: number): string {
  const perNode = nodes > 0 && s.cpuPct > 0 ? `${(s.cpuPct / nodes).toFixed(3)}%/node, ≈${Math.round((nodes / s.cpuPct) * 100)} nodes per core` : "polls nothing";
  return `  ${label.padEnd(22)} ${String(topologies).padStart(4)} topologies, ${String(nodes).padStart(4)} nodes: CPU ${s.cpuPct.toFixed(1).padStart(5)}% of a core (${perNode}), RSS mean ${(s.rssMean / MB).toFixed(0)} MB, peak ${(s.rssMax / MB).toFixed(0)} MB`;
}

/** Busy and total jiffies of the whole machine (/proc/stat), to say how loaded it was over a window. */
function machineTicks(): { busy: number; total: number } {
  const cpu = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = cpu.reduce((a, b) => a + b, 0);
  // idle + iowait are not busy.
  return { busy: total - (cpu[3] ?? 0) - (cpu[4] ?? 0), total };
}

/** "machine 73% busy (of 2 cores)" since `from`: everything on the box, other users included. */
function machineBusy(from: { busy: number; total: number }): string {
  const now = machineTicks();
  const pct = ((now.busy - from.busy) / Math.max(1, now.total - from.total)) * 100;
  return `machine ${pct.toFixed(0)}% busy over ${os.cpus().length} cores, load avg ${load()}`;
}

/** RSS of a process that may be gone (0 then). */
function rssOf(pid: number | undefined): number {
  try {
    return pid === undefined ? 0 : rssBytes(pid);
  } catch {
    return 0;
  }
}

/** CPU seconds of every monitored redis-server (context: how busy the machine's other side is). */
function serversCpu(servers: LocalRedis[]): number {
  let sum = 0;
  for (const s of servers) {
    const pid = s.pid();
    if (pid === undefined) continue;
    try {
      sum += cpuSeconds(pid);
    } catch {
      /* gone */
    }
  }
  return sum;
}

// ---------------------------------------------------------------------------------------------
// Role-change trials

interface TrialResult {
  same: number[];
  other: number[];
  misses: number;
}

/**
 * `trials` role changes, the topologies taken in turn from each owner in `owned` (owner → names):
 * REPLICAOF NO ONE on a replica, timed from the reply to each client's delta showing it master; then
 * REPLICAOF back, waiting for every client to show it replica again; a short random pause between.
 */
async function roleTrials(topos: Map<string, Topo>, owned: Map<string, string[]>, watchers: Watcher[], trials: number, log: boolean): Promise<TrialResult> {
  const result: TrialResult = { same: [], other: [], misses: 0 };
  const owners = [...owned.keys()].sort();
  for (let i = 0; i < trials; i++) {
    const owner = owners[i % owners.length]!;
    const names = owned.get(owner)!;
    const name = names[Math.floor(i / owners.length) % names.length]!;
    const topo = topos.get(name)!;
    const replica = topo.replicas[Math.floor(i / owners.length / names.length) % topo.replicas.length]!;
    const promoted = watchers.map((w) => w.shows(name, replica.port, "master", 15_000));
    await replicaof(replica.port, "NO", "ONE");
    const replied = performance.now();
    const seen = await Promise.all(promoted);
    const parts: string[] = [];
    seen.forEach((t, k) => {
      const w = watchers[k]!;
      const same = w.instance.id === owner;
      if (t === null) {
        result.misses++;
        parts.push(`${w.instance.id}: miss`);
        return;
      }
      (same ? result.same : result.other).push(t - replied);
      parts.push(`${w.instance.id}${same ? "*" : ""} ${ms(t - replied)}`);
    });
    if (log) console.log(`  trial ${String(i + 1).padStart(2)}: ${name} (polled by ${owner}) ${replica.id} → master: ${parts.join(", ")}`);
    const back = watchers.map((w) => w.shows(name, replica.port, "replica", 15_000));
    await replicaof(replica.port, topo.master.host, String(topo.master.port));
    await Promise.all(back);
    // Spreads the changes over the poll cycle.
    await sleep(100 + Math.random() * 500);
  }
  return result;
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const o = options();
  if (o.build) ensureBuild(ROOT);
  const totalNodes = o.topologies * (o.replicas + 1);
  console.log(`bench:fleet — ${o.topologies} topologies × (1 master + ${o.replicas} replicas) = ${totalNodes} redis-servers; ${o.instances} instances on PostgreSQL + a coordination Redis${o.single ? ", and one instance alone for comparison" : ""}; poll ${o.pollMs} ms`);
  console.log(`machine before: ${machine()}; ${(os.freemem() / MB).toFixed(0)} MB free`);

  const servers: LocalRedis[] = [];
  undo.push({ what: "redis-servers", run: () => stopAll(servers) });
  const configDir = mkdtempSync(path.join(tmpdir(), "replscope-fleet-config-"));
  undo.push({ what: "config dir", run: () => rmSync(configDir, { recursive: true, force: true }) });

  const t0 = performance.now();
  let topoList: Topo[];
  try {
    topoList = await startTopologies(o.topologies, o.replicas, servers, 16);
  } catch (err) {
    throw new Error(`starting ${totalNodes} redis-servers failed after ${servers.length} (${err instanceof Error ? err.message : String(err)})`);
  }
  const topos = new Map(topoList.map((t) => [t.name, t]));
  const names = topoList.map((t) => t.name);
  const redisRss = servers.reduce((a, s) => a + rssOf(s.pid()), 0);
  console.log(`  ${servers.length} redis-servers up in ${((performance.now() - t0) / 1000).toFixed(1)} s (sum of their RSS ${(redisRss / MB).toFixed(0)} MB); ${(os.freemem() / MB).toFixed(0)} MB free`);
  const configFile = path.join(configDir, "fleet.json");
  writeFileSync(configFile, JSON.stringify({ topologies: topoList.map((t) => ({ name: t.name, seeds: [`redis://127.0.0.1:${t.master.port}`] })) }));
  const common = { REPLSCOPE_CONFIG: configFile, REPLSCOPE_POLL_MS: String(o.pollMs) };
  const results: string[] = [];
  /** Printed now, and again together at the end. */
  const report = (...lines: string[]) => {
    results.push(...lines);
    console.log(lines.join("\n"));
  };

  // ---- 0. one instance alone
  let single: { cpuPct: number; rssMean: number; rssMax: number } | null = null;
  if (o.single) {
    console.log(`\n— one instance alone (SQLite, no coordination), same config`);
    const solo = await startInstance("solo", common);
    const ready0 = performance.now();
    await waitFor(
      "the lone instance sees every node up",
      async () => (await polledBy(solo)).reduce((n, t) => n + t.nodes.filter((x) => x.status === "up").length, 0),
      (up) => up === totalNodes,
      300_000,
      500,
    );
    console.log(`  all ${totalNodes} nodes up after ${((performance.now() - ready0) / 1000).toFixed(1)} s; ${o.warmup} s warm-up, ${o.seconds} s window`);
    await sleep(o.warmup * 1000);
    const cpu0 = serversCpu(servers);
    const ticks0 = machineTicks();
    const { elapsed, stats } = await measureProcesses([solo.pid], o.seconds);
    const busy = machineBusy(ticks0);
    const redisPct = ((serversCpu(servers) - cpu0) / elapsed) * 100;
    single = stats[0]!;
    const line = cpuLine("alone", single, totalNodes, o.topologies);
    report(`steady state, one instance alone (${elapsed.toFixed(0)} s, ${busy}; the ${servers.length} redis-servers used ${redisPct.toFixed(0)}% of a core in all):`, line);
    if (o.trials > 0) {
      const w = await connectWatcher(solo);
      const r = await roleTrials(topos, new Map([["solo", names]]), [w], o.trials, false);
      w.close();
      const l = dist("role change → socket (alone)", r.same, r.misses ? `, ${r.misses} misses` : "");
      report(l);
    }
    await solo.stop();
  }

  // ---- the fleet
  const dbName = `replscope_bench_fleet_${process.pid}_${Date.now().toString(36)}`;
  const admin = (text: string) => pgQuery(text).then(() => undefined);
  await admin(`create database ${dbName}`);
  undo.push({ what: `database ${dbName}`, run: () => admin(`drop database if exists ${dbName} with (force)`) });
  const coord = await startRedis();
  undo.push({ what: "coordination redis-server", run: () => stopAll([coord]) });
  const coordRedis = new Redis({ host: "127.0.0.1", port: coord.port, maxRetriesPerRequest: 1 });
  coordRedis.on("error", () => undefined);
  undo.push({ what: "coordination connection", run: () => coordRedis.disconnect() });

  const ids = Array.from({ length: o.instances }, (_, i) => String.fromCharCode(97 + i));
  console.log(`\n— ${o.instances} instances (${ids.join(", ")}), PostgreSQL ${dbName}, coordination redis-server :${coord.port}`);
  const fleetEnv = (id: string) => ({ ...common, REPLSCOPE_DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${dbName}`, REPLSCOPE_COORDINATION_URL: `redis://127.0.0.1:${coord.port}`, REPLSCOPE_INSTANCE_ID: id });
  const instances = new Map<string, Instance>();
  // One at a time: the first creates the schema and the session secret, the others read them.
  for (const id of ids) instances.set(id, await startInstance(id, fleetEnv(id)));

  const ownersNow = async (): Promise<Map<string, string[]>> => {
    const out = new Map<string, string[]>();
    for (const l of await readLeases(coordRedis, names)) out.set(l.owner, [...(out.get(l.owner) ?? []), l.topology]);
    return out;
  };
  const ready0 = performance.now();
  let lastShown = ready0;
  await waitFor(
    "every topology leased by a live instance, every node up",
    async () => {
      const owned = await ownersNow();
      const leased = [...owned.values()].reduce((n, l) => n + l.length, 0);
      let up = 0;
      for (const inst of instances.values()) {
        const mine = new Set(owned.get(inst.id) ?? []);
        for (const t of await polledBy(inst)) if (mine.has(t.name)) up += t.nodes.filter((x) => x.status === "up").length;
      }
      const state = { leased, up, owners: Object.fromEntries([...owned].map(([id, l]) => [id, l.length])) };
      if (performance.now() - lastShown > 10_000) {
        lastShown = performance.now();
        console.log(`  … ${JSON.stringify(state)}`);
      }
      return state;
    },
    // Every owner must be an instance here (not one left over), and every node up where it is polled.
    (v) => v.leased === names.length && Object.keys(v.owners).every((id) => instances.has(id)) && v.up === totalNodes,
    300_000,
    500,
  );
  console.log(`  every topology leased and all ${totalNodes} nodes up ${((performance.now() - ready0) / 1000).toFixed(1)} s after the last instance answered; ${o.warmup} s warm-up, ${o.seconds} s window`);

  // ---- 1 + 4. steady state
  await sleep(o.warmup * 1000);
  const owned0 = await ownersNow();
  const nodesOf = async (inst: Instance, mine: string[]) => {
    const set = new Set(mine);
    return (await polledBy(inst)).filter((t) => set.has(t.name)).reduce((n, t) => n + t.nodes.length, 0);
  };
  const info0 = await coordRedis.info("all");
  const cpuRedis0 = serversCpu(servers);
  const fleetPids = ids.map((id) => instances.get(id)!.pid);
  const ticks0 = machineTicks();
  const { elapsed, stats } = await measureProcesses([...fleetPids, coord.pid()!], o.seconds);
  const busy = machineBusy(ticks0);
  const info1 = await coordRedis.info("all");
  const redisPct = ((serversCpu(servers) - cpuRedis0) / elapsed) * 100;
  const owned1 = await ownersNow();
  const stable = ids.every((id) => (owned0.get(id) ?? []).join() === (owned1.get(id) ?? []).join());
  const steady = [`steady state, ${o.instances} instances (${elapsed.toFixed(0)} s, leases ${stable ? "unchanged" : "CHANGED"} over the window, ${busy}):`];
  let fleetCpu = 0;
  for (const [k, id] of ids.entries()) {
    const mine = owned1.get(id) ?? [];
    const nodes = await nodesOf(instances.get(id)!, mine);
    fleetCpu += stats[k]!.cpuPct;
    steady.push(cpuLine(`instance ${id}`, stats[k]!, nodes, mine.length));
  }
  report(
    ...steady,
    `  ${"all instances".padEnd(22)} CPU ${fleetCpu.toFixed(1)}% of a core in all for ${totalNodes} nodes${single ? ` (alone: ${single.cpuPct.toFixed(1)}%, ×${(fleetCpu / single.cpuPct).toFixed(2)})` : ""}; the ${servers.length} redis-servers ${redisPct.toFixed(0)}% of a core`,
  );
  const coordStats = stats[ids.length]!;
  const cpuOf = (info: string) => infoNumber(info, "used_cpu_sys") + infoNumber(info, "used_cpu_user");
  const cmds = infoNumber(info1, "total_commands_processed") - infoNumber(info0, "total_commands_processed");
  const netIn = infoNumber(info1, "total_net_input_bytes") - infoNumber(info0, "total_net_input_bytes");
  const netOut = infoNumber(info1, "total_net_output_bytes") - infoNumber(info0, "total_net_output_bytes");
  const calls0 = commandCalls(info0);
  const calls1 = commandCalls(info1);
  const top = [...calls1.entries()]
    .map(([c, n]) => [c, (n - (calls0.get(c) ?? 0)) / elapsed] as const)
    .filter(([, r]) => r > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([c, r]) => `${c} ${r.toFixed(0)}/s`)
    .join(", ");
  report(
    "coordination redis-server over the same window:",
    `  CPU ${(((cpuOf(info1) - cpuOf(info0)) / elapsed) * 100).toFixed(1)}% of a core (INFO used_cpu_sys+user; /proc says ${coordStats.cpuPct.toFixed(1)}%), ${(cmds / elapsed).toFixed(0)} commands/s, in ${(netIn / elapsed / 1024).toFixed(0)} KB/s, out ${(netOut / elapsed / 1024).toFixed(0)} KB/s, used_memory ${(infoNumber(info1, "used_memory") / MB).toFixed(1)} MB, RSS ${(coordStats.rssMax / MB).toFixed(0)} MB`,
    `  busiest: ${top}`,
  );

  // ---- 2. role change → browser, one socket per instance
  const watchers: Watcher[] = [];
  for (const id of ids) watchers.push(await connectWatcher(instances.get(id)!));
  if (o.trials > 0) {
    console.log(`\n— ${o.trials} role changes, a socket on each instance (* = the instance polling the topology)`);
    const r = await roleTrials(topos, await ownersNow(), watchers, o.trials, true);
    report(
      `role change → socket (REPLICAOF NO ONE reply → delta showing master), ${o.trials} changes, a client on each of the ${o.instances} instances:`,
      dist("client on the polling instance", r.same),
      dist("client on another instance", r.other),
      dist("all clients", [...r.same, ...r.other], r.misses ? `, ${r.misses} misses (none within 15 s)` : ""),
      `  ${"target".padEnd(46)} p95 ≤ 500 ms (reported, not asserted)`,
    );
  }

  // ---- 3. takeover after kill -9
  const before = await ownersNow();
  const victim = [...before.entries()].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]))[0]!;
  const [victimId, victimTopos] = victim;
  const changed = victimTopos.slice(0, o.takeoverChanges);
  const survivors = watchers.filter((w) => w.instance.id !== victimId);
  console.log(`\n— kill -9 of instance ${victimId} (it polls ${victimTopos.length} topologies); REPLICAOF NO ONE right after on a replica of ${changed.join(", ")}`);
  const seen = changed.flatMap((name) => survivors.map((w) => ({ name, w, at: w.shows(name, topos.get(name)!.replicas[0]!.port, "master", 60_000) })));
  const killedAt = performance.now();
  instances.get(victimId)!.child.kill("SIGKILL");
  await Promise.all(changed.map((name) => replicaof(topos.get(name)!.replicas[0]!.port, "NO", "ONE")));
  const commandsDone = performance.now() - killedAt;
  const leasedAt = new Map<string, { at: number; owner: string }>();
  const deadline = killedAt + 60_000;
  while (leasedAt.size < victimTopos.length && performance.now() < deadline) {
    const now = performance.now();
    for (const l of await readLeases(coordRedis, victimTopos)) {
      if (l.owner !== victimId && !leasedAt.has(l.topology)) leasedAt.set(l.topology, { at: now - killedAt, owner: l.owner });
    }
    await sleep(20);
  }
  const firstSeen = await Promise.all(seen.map(async (s) => ({ ...s, t: await s.at })));
  const takeovers = [...leasedAt.values()].map((x) => x.at);
  const newOwners = new Map<string, number>();
  for (const x of leasedAt.values()) newOwners.set(x.owner, (newOwners.get(x.owner) ?? 0) + 1);
  const sameLive: number[] = [];
  const otherLive: number[] = [];
  let liveMisses = 0;
  for (const s of firstSeen) {
    if (s.t === null) {
      liveMisses++;
      continue;
    }
    (leasedAt.get(s.name)?.owner === s.w.instance.id ? sameLive : otherLive).push(s.t - killedAt);
  }
  const connected = survivors.filter((w) => w.socket.connected).length;
  report(
    `takeover after kill -9 of instance ${victimId} (${victimTopos.length} topologies; taken by ${[...newOwners].map(([id, n]) => `${id} ${n}`).join(", ")}):`,
    `  ${"every topology of it leased by a survivor".padEnd(46)} ${leasedAt.size === victimTopos.length ? ms(Math.max(...takeovers)) : `only ${leasedAt.size} of ${victimTopos.length} within 60 s`} after the kill (first ${ms(Math.min(...takeovers))}, p50 ${ms(percentile(takeovers, 50))})`,
    dist("promotion right after the kill → socket", [...sameLive, ...otherLive], ` (${changed.length} topologies × ${survivors.length} surviving clients, from the kill; commands done ${ms(commandsDone)} after it)${liveMisses ? `, ${liveMisses} misses within 60 s` : ""}`),
    dist("  client on the new owner", sameLive),
    dist("  client on the other survivor(s)", otherLive),
    `  ${"surviving sockets still connected".padEnd(46)} ${connected} of ${survivors.length}`,
  );

  // ---- after the takeover: the survivors' share
  await sleep(o.warmup * 1000);
  const after = await ownersNow();
  const alive = ids.filter((id) => id !== victimId);
  const short = Math.max(5, Math.round(o.seconds / 2));
  const postTicks = machineTicks();
  const post = await measureProcesses(alive.map((id) => instances.get(id)!.pid), short);
  const postLines = [`after the takeover, ${alive.length} instances (${post.elapsed.toFixed(0)} s, ${machineBusy(postTicks)}):`];
  for (const [k, id] of alive.entries()) {
    const mine = after.get(id) ?? [];
    postLines.push(cpuLine(`instance ${id}`, post.stats[k]!, await nodesOf(instances.get(id)!, mine), mine.length));
  }
  report(...postLines);

  console.log(`\nresults (${o.topologies} topologies × ${o.replicas + 1} = ${totalNodes} nodes, poll ${o.pollMs} ms, no write load)`);
  for (const line of results) console.log(line);
  console.log(`machine after: ${machine()}`);
}

main()
  .then(
    () => 0,
    (err: unknown) => {
      console.error(err);
      return 1;
    },
  )
  .then(async (code) => {
    await cleanup();
    process.exit(code);
  });
