// npm run bench:keys [-- --keys 200000] [--limit 20000] [--skip browse,compare,throttle,export]
// One run, one data set (mixed types, ~10 % matching user:*, 200 hashtable sets), a master and a
// writable replica with planted differences, the production dashboard. Each phase is measured
// against its naive loop in the same run, with the master's PING latency seen from a separate
// process during each phase:
//  - browse: first page, a full pattern walk (API vs plain SCAN MATCH COUNT 1000), the tree root;
//  - compare: the dashboard's whole-keyspace compare at full speed vs SCAN + pipelined DUMP on both
//    sides, with what each reports against the planted differences, and the server's peak RSS;
//  - throttle: a compare limited by maxKeysPerSec, its measured rate against the limit;
//  - export: the logical export (own process) vs SCAN + pipelined DUMP + PEXPIRETIME to a file.
// Prints figures only; never fails on time.
import { createWriteStream, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import Redis from "ioredis";
import { startRedis, stopAll, type LocalRedis } from "../lib/redis/local-server";
import { BENCH_TOKEN, cpuSeconds, ensureBuild, machine, percentile, pinger, rssBytes, runWorker, startDashboard } from "./support";
import { firstPage, patternWalk, plainScanLoop, treeWalk } from "./keys-browse";


const ROOT = path.resolve(__dirname, "..");
const PATTERN = "user:*";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Mixed types in 10,000-key pipelines; ~10 % match PATTERN; 200 sets large enough for hashtable encoding. */
export async function load(redis: Redis, n: number): Promise<void> {
  for (let base = 0; base < n; base += 10_000) {
    const p = redis.pipeline();
    for (let i = base; i < Math.min(n, base + 10_000); i++) {
      const kind = i % 20;
      if (kind < 2) p.set(`user:${i}`, `name-${i}`);
      else if (kind < 13) p.set(`str:${i}`, `value-${i}-${"x".repeat(i % 40)}`);
      else if (kind < 15) p.hset(`hash:${i}`, "a", String(i), "b", "two", "c", "three");
      else if (kind < 17) p.rpush(`list:${i}`, "a", "b", String(i));
      else if (kind < 18) p.sadd(`set:${i}`, "x", "y", String(i));
      else if (kind < 19) p.zadd(`zset:${i}`, 1, "a", 2, String(i));
      else p.set(`ttl:${i}`, "t", "EX", 86_400);
    }
    await p.exec();
  }
  for (let s = 0; s < 200; s++) {
    await redis.sadd(`bigset:${s}`, ...Array.from({ length: 300 }, (_, i) => `member-${s}-${i}`));
  }
}

/** Written on the writable replica after the load: five content differences, every key on both sides. */
async function plant(replica: Redis): Promise<string[]> {
  await replica.set("str:3", "changed on the replica");
  await replica.hset("hash:13", "b", "changed");
  await replica.pexpire("str:4", 3_600_000);
  await replica.del("list:15");
  await replica.set("list:15", "now a string");
  await replica.sadd("set:17", "extra");
  return ["value str:3", "value hash:13", "ttl str:4", "type list:15", "value set:17"];
}

async function api<T>(url: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(url, { ...init, headers: { authorization: `Bearer ${BENCH_TOKEN}`, "content-type": "application/json", ...init.headers } });
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** The naive compare: SCAN the master, DUMP each batch on both sides, compare bytes. */
async function naiveCompare(master: Redis, replica: Redis): Promise<{ keys: number; differ: number }> {
  let cursor = "0";
  let keys = 0;
  let differ = 0;
  do {
    const [next, batch] = await master.scanBuffer(cursor, "COUNT", 1000);
    cursor = next.toString();
    const pm = master.pipeline();
    const pr = replica.pipeline();
    for (const k of batch) {
      pm.dumpBuffer(k);
      pr.dumpBuffer(k);
    }
    const [a, b] = await Promise.all([pm.exec(), pr.exec()]);
    batch.forEach((_, i) => {
      const x = a?.[i]?.[1] as Buffer | null;
      const y = b?.[i]?.[1] as Buffer | null;
      if (!(x && y ? x.equals(y) : x === y)) differ++;
    });
    keys += batch.length;
  } while (cursor !== "0");
  return { keys, differ };
}

/** The naive export: SCAN, then DUMP + PEXPIRETIME per key in one pipeline per page, to a file. */
async function naiveExport(redis: Redis, file: string): Promise<number> {
  const out = createWriteStream(file);
  let cursor = "0";
  let keys = 0;
  do {
    const [next, batch] = await redis.scanBuffer(cursor, "COUNT", 1000);
    cursor = next.toString();
    const p = redis.pipeline();
    for (const k of batch) p.dumpBuffer(k).pexpiretime(k);
    const res = (await p.exec()) ?? [];
    batch.forEach((k, i) => {
      const dump = res[2 * i]?.[1] as Buffer | null;
      if (!dump) return;
      const head = Buffer.alloc(16);
      head.writeUInt32BE(k.length, 0);
      head.writeUInt32BE(dump.length, 4);
      head.writeBigInt64BE(BigInt(Number(res[2 * i + 1]?.[1] ?? -1)), 8);
      out.write(Buffer.concat([head, k, dump]));
      keys++;
    });
  } while (cursor !== "0");
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return keys;
}

interface Phase {
  name: string;
  ms: number;
  ping: number[];
}

/** Runs `fn` while a separate process PINGs the master; returns its result, wall time and PINGs. */
async function phase<T>(name: string, port: number, fn: () => Promise<T>): Promise<{ value: T } & Phase> {
  const ping = pinger(port);
  await sleep(50);
  const t = performance.now();
  const value = await fn();
  const ms = performance.now() - t;
  return { value, name, ms, ping: await ping.stop() };
}

const f = (x: number) => Math.round(x).toLocaleString("en-US");
const p99 = (p: Phase) => `PING p99 ${percentile(p.ping, 99).toFixed(2)} ms (p50 ${percentile(p.ping, 50).toFixed(2)}, max ${Math.max(...p.ping).toFixed(1)}, ${p.ping.length} pings)`;

type Report = { status: string; phase: string; scanned: number; compared: number; startedAt: number; finishedAt: number | null; maxKeysPerSec: number; counts: Record<string, number>; differences: { kind: string; display: string }[]; replicaScans?: { ran: boolean }[] };

/**
 * Runs a compare through the API. `phases`: when (ms after its start) the job was first seen in
 * each phase, polling every 200 ms (not faster: each poll is a request the dashboard serves on the
 * same 2 cores); `cpu`: the dashboard's CPU seconds meanwhile.
 */
async function runCompare(url: string, pid: number, maxKeysPerSec: number): Promise<{ report: Report; rssPeak: number; phases: Record<string, number>; cpu: number }> {
  let rssPeak = rssBytes(pid);
  const cpu0 = cpuSeconds(pid);
  const { id } = await api<{ id: string }>(`${url}/api/compare`, { method: "POST", body: JSON.stringify({ maxKeysPerSec }) });
  const phases: Record<string, number> = {};
  for (;;) {
    rssPeak = Math.max(rssPeak, rssBytes(pid));
    const report = await api<Report>(`${url}/api/compare/${id}`);
    phases[report.phase] ??= Date.now() - report.startedAt;
    if (report.status !== "running") return { report, rssPeak, phases, cpu: cpuSeconds(pid) - cpu0 };
    await sleep(200);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { keys: { type: "string", default: "200000" }, limit: { type: "string", default: "20000" }, skip: { type: "string", default: "" } }, strict: true });
  const n = Number(values.keys);
  const limit = Number(values.limit);
  if (!(n > 0) || !(limit > 0)) throw new Error("usage: npm run bench:keys -- [--keys N] [--limit keysPerSec] [--skip browse,compare,throttle,export]");
  const skip = new Set(values.skip.split(",").filter(Boolean));
  ensureBuild(ROOT);
  console.log(`bench:keys — ${f(n)} keys, master + 1 writable replica with 5 planted differences`);
  console.log(`machine: ${machine()}`);
  const args = ["--repl-diskless-sync-delay", "0", "--save", "", "--appendonly", "no"];
  const servers: LocalRedis[] = [];
  const master = await startRedis({ args });
  servers.push(master);
  const replica = await startRedis({ args: [...args, "--replica-read-only", "no"], replicaOf: { host: master.host, port: master.port } });
  servers.push(replica);
  const m = new Redis({ port: master.port, host: "127.0.0.1" });
  const r = new Redis({ port: replica.port, host: "127.0.0.1" });
  const tmp = mkdtempSync(path.join(tmpdir(), "replscope-bench-keys-"));
  let dash: Awaited<ReturnType<typeof startDashboard>> | null = null;
  try {
    for (let i = 0; !(await r.info("replication")).includes("master_link_status:up"); i++) {
      if (i > 300) throw new Error("replica never linked");
      await sleep(50);
    }
    const t = performance.now();
    await load(m, n);
    await m.call("WAIT", "1", "60000");
    const planted = await plant(r);
    console.log(`loaded ${f(await m.dbsize())} keys in ${((performance.now() - t) / 1000).toFixed(1)} s; planted on the replica: ${planted.join(", ")}`);
    dash = await startDashboard(ROOT, master.port, 2);
    const lines: string[] = [];

    if (!skip.has("browse")) {
      const first = await phase("first page", master.port, () => firstPage(dash!.url, BENCH_TOKEN, master.id));
      lines.push(`browse  first page (200 keys): p50 ${percentile(first.value, 50).toFixed(1)} ms, p95 ${percentile(first.value, 95).toFixed(1)} ms, max ${Math.max(...first.value).toFixed(1)} ms over ${first.value.length} requests (target ≤ 50 ms); ${p99(first)}`);
      // Three pairs, alternating, so neither side always runs on a warmer cache or a quieter moment.
      for (let pair = 1; pair <= 3; pair++) {
        const walk = await phase("pattern walk", master.port, () => patternWalk(dash!.url, BENCH_TOKEN, master.id, PATTERN));
        const plain = await phase("plain SCAN loop", master.port, () => plainScanLoop(m, PATTERN));
        lines.push(`browse  pattern ${PATTERN} #${pair}: API ${f(walk.ms)} ms (${f(walk.value.keys)} keys, ${walk.value.requests} requests) vs plain SCAN MATCH COUNT 1000 loop ${f(plain.ms)} ms (${f(plain.value.keys)} keys): ${(walk.ms / plain.ms).toFixed(2)}× (target ≤ 1.5×); API ${p99(walk)}; plain ${p99(plain)}`);
      }
      const tree = await phase("tree root", master.port, () => treeWalk(dash!.url, BENCH_TOKEN, master.id));
      lines.push(`browse  tree root over ${f(n)} keys: complete in ${f(tree.value.totalMs)} ms, ${tree.value.requests} requests, slowest ${tree.value.maxRequestMs.toFixed(1)} ms (target: none over 100 ms), ${tree.value.folders} folders; ${p99(tree)}`);
    }

    if (!skip.has("compare")) {
      const ours = await phase("compare", master.port, () => runCompare(dash!.url, dash!.pid, 1_000_000));
      const naive = await phase("naive compare", master.port, () => naiveCompare(m, r));
      const rep = ours.value.report;
      const found = rep.differences.map((d) => `${d.kind} ${d.display}`).sort();
      const missed = planted.filter((p) => !found.includes(p));
      const extra = found.filter((p) => !planted.includes(p));
      const secs = ((rep.finishedAt ?? Date.now()) - rep.startedAt) / 1000;
      const ourRate = rep.compared / secs;
      const naiveRate = naive.value.keys / (naive.ms / 1000);
      lines.push(`compare ${rep.status}: ${f(rep.compared)} master keys against the replica in ${secs.toFixed(2)} s = ${f(ourRate)} keys/s (replica's own SCAN ${rep.replicaScans?.[0]?.ran ? "ran" : "provably not needed, skipped"}); found ${found.length - extra.length} of ${planted.length} planted, ${extra.length} false positives${missed.length ? `, MISSED ${missed.join(", ")}` : ""}; dashboard CPU ${ours.value.cpu.toFixed(2)} s, RSS peak ${(ours.value.rssPeak / 1048576).toFixed(0)} MB; phases (ms from start) ${JSON.stringify(ours.value.phases)}; ${p99(ours)}`);
      lines.push(`compare naive SCAN + pipelined DUMP both sides: ${f(naive.value.keys)} keys in ${(naive.ms / 1000).toFixed(2)} s = ${f(naiveRate)} keys/s, reports ${f(naive.value.differ)} differing keys (5 planted; hashtable sets DUMP in per-process order); ${p99(naive)}`);
      lines.push(`compare ratio ${(ourRate / naiveRate).toFixed(2)}× the naive loop's keys/s (target ≥ 1.5×)`);
      // An existence difference: the replica's own SCAN must run (keys only it has are possible).
      await r.set("only-on-replica", "1");
      const full = await phase("compare with replica SCAN", master.port, () => runCompare(dash!.url, dash!.pid, 1_000_000));
      await r.del("only-on-replica");
      const fr = full.value.report;
      const fsecs = ((fr.finishedAt ?? Date.now()) - fr.startedAt) / 1000;
      lines.push(`compare + a replica-only key: ${fr.status}, ${fr.differences.length} differences reported (6 planted), replica SCAN ${fr.replicaScans?.[0]?.ran ? "ran" : "skipped"}; ${f(fr.compared)} master keys in ${fsecs.toFixed(2)} s = ${f(fr.compared / fsecs)} keys/s (${(fr.compared / fsecs / naiveRate).toFixed(2)}× naive); ${p99(full)}`);
    }

    if (!skip.has("throttle")) {
      const th = await phase("throttled compare", master.port, () => runCompare(dash!.url, dash!.pid, limit));
      const rep = th.value.report;
      const secs = ((rep.finishedAt ?? Date.now()) - rep.startedAt) / 1000;
      const rate = rep.scanned / secs;
      lines.push(`throttle maxKeysPerSec ${f(limit)}: ${f(rep.scanned)} keys read per node in ${secs.toFixed(2)} s = ${f(rate)} keys/s (${(((rate - limit) / limit) * 100).toFixed(1)} % from the limit; re-checks count twice); ${p99(th)}`);
    }

    if (!skip.has("export")) {
      const file = path.join(tmp, "export.rsd");
      const ours = await phase("export", master.port, () => runWorker(["export", String(master.port), file, "100", "500"]));
      const naiveFile = path.join(tmp, "naive.bin");
      const naive = await phase("naive export", master.port, () => naiveExport(m, naiveFile));
      const ourRate = ours.value.keys / ours.value.seconds;
      const naiveRate = naive.value / (naive.ms / 1000);
      lines.push(`export  ${f(ours.value.keys)} keys in ${ours.value.seconds.toFixed(2)} s = ${f(ourRate)} keys/s (own process, peak RSS ${(ours.value.peakRss / 1048576).toFixed(0)} MB); ${p99(ours)}`);
      lines.push(`export  naive SCAN + pipelined DUMP + PEXPIRETIME to a file: ${f(naive.value)} keys in ${(naive.ms / 1000).toFixed(2)} s = ${f(naiveRate)} keys/s; ${p99(naive)}`);
      lines.push(`export  ratio ${(ourRate / naiveRate).toFixed(2)}× the naive loop's keys/s`);
    }

    console.log("\nresults");
    for (const line of lines) console.log(`  ${line}`);
  } finally {
    dash?.stop();
    m.disconnect();
    r.disconnect();
    await stopAll(servers);
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (require.main === module) main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
