// npm run bench:cluster [-- --trials 20 --seconds 30 --warmup 10]
// A 3 masters × 2 replicas Redis Cluster on loopback, watched by the production dashboard (one seed).
//
//  1. CPU: the dashboard's CPU (% of one core, from /proc) and peak RSS over a steady-state window,
//     per node, for the 9-node cluster and then for a replication topology of the same size and
//     shape: 3 masters × 2 replicas each, one topology seeded by the 3 masters (as bench:poll runs
//     it). No write load and no browser on either, so the two windows differ only in cluster mode.
//  2. Failover → DOM: `CLUSTER FAILOVER` on a replica of one shard (the shards in turn, each shard's
//     two replicas in turn). (a) = when that replica's own ROLE first says master, polled from here
//     every ~10 ms on its own connection; (b) = Date.now() in a logged-in Chromium page on
//     /clusters/default when a MutationObserver (installed through page.evaluate: the CSP allows no
//     inline script) sees a shard row whose data-master is that replica. Browser and bench share one
//     wall clock. Prints p50/p95/max of b − a; between trials the cluster settles (cluster_state:ok
//     on every node, every replica's link up, every node naming the new master) and a random pause
//     spreads the trials over the dashboard's cluster read cycle. Never asserts on time.
import os from "node:os";
import path from "node:path";
import Redis from "ioredis";
import type { Page } from "playwright-core";
import { parseClusterNodes } from "../lib/cluster/parse";
import { stopAll } from "../lib/redis/local-server";
import { launchChromium } from "../tests/support/browser";
import { startCluster, waitClusterHealthy, type Cluster } from "../tests/support/cluster";
import { cli } from "../tests/support/topology";
import { waitFor } from "../tests/support/wait";
import { ensureBuild, machine, measureProcess, numberOptions, percentile, startDashboard, startForest, type Dashboard } from "./support";

const ROOT = path.resolve(__dirname, "..");
/** startDashboard's password; REPLSCOPE_SEEDS makes one topology named "default". */
const PASSWORD = "bench-password";
const TOPOLOGY = "default";
const NODES = 9;
const MB = 1048576;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface BenchWindow {
  __arm: (address: string) => void;
  __hit: Promise<number>;
}

/** window.__arm(address): window.__hit resolves with the page's Date.now() once a shard row names it master. */
const WATCHER = `
window.__arm = (address) => {
  window.__hit = new Promise((resolve) => {
    const obs = new MutationObserver(() => check());
    const check = () => {
      const rows = document.querySelectorAll('[data-testid="shard-row"]');
      for (const row of rows) {
        if (row.getAttribute("data-master") !== address) continue;
        obs.disconnect();
        resolve(Date.now());
        return;
      }
    };
    obs.observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-master"] });
    check();
  });
};
`;

const arm = (page: Page, address: string) => page.evaluate((a) => (window as unknown as BenchWindow).__arm(a), address);
const hit = (page: Page, timeoutMs: number): Promise<number | null> =>
  Promise.race([page.evaluate(() => (window as unknown as BenchWindow).__hit), sleep(timeoutMs).then(() => null)]);

function summary(label: string, xs: number[]): string {
  if (!xs.length) return `  ${label.padEnd(44)} no samples`;
  return `  ${label.padEnd(44)} p50 ${percentile(xs, 50).toFixed(0)} ms, p95 ${percentile(xs, 95).toFixed(0)} ms, max ${Math.max(...xs).toFixed(0)} ms over ${xs.length} trials`;
}

/** The shards as one node sees them, ordered by their first slot: master address and replica addresses. */
async function shards(port: number): Promise<{ master: string; replicas: string[] }[]> {
  const lines = parseClusterNodes(await cli(port, "CLUSTER", "NODES"));
  const masters = lines.filter((l) => l.role === "master" && l.slots.length > 0 && l.address);
  masters.sort((a, b) => a.slots[0]![0] - b.slots[0]![0]);
  return masters.map((m) => ({
    master: m.address!,
    replicas: lines.filter((l) => l.masterId === m.id && l.address).map((l) => l.address!).sort(),
  }));
}

/** Resolves with Date.now() when the node's own ROLE first says master (polled every ~10 ms), null after timeoutMs. */
async function promotedAt(r: Redis, timeoutMs: number): Promise<number | null> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    const role = (await r.call("ROLE")) as unknown[];
    if (role[0] === "master") return Date.now();
    await sleep(10);
  }
  return null;
}

/** Every node names `address` master of a shard, cluster_state:ok everywhere, every replica's link up. */
async function settled(cluster: Cluster, address: string): Promise<void> {
  for (const n of cluster.nodes) {
    await waitFor(`${n.id} sees ${address} as master`, () => shards(n.port), (s) => s.some((x) => x.master === address && x.replicas.length === 2), 30_000, 50);
  }
  await waitClusterHealthy(cluster.nodes);
}

async function cpuWindow(label: string, dash: Dashboard, warmup: number, seconds: number): Promise<string> {
  await sleep(warmup * 1000);
  const { elapsed, cpuPct, rssMax } = await measureProcess(dash.pid, seconds);
  return `  ${label.padEnd(44)} ${cpuPct.toFixed(1)}% of a core = ${(cpuPct / NODES).toFixed(2)}% per node, peak RSS ${(rssMax / MB).toFixed(0)} MB (${elapsed.toFixed(0)} s, load avg ${os.loadavg().map((l) => l.toFixed(2)).join(" ")})`;
}

async function main(): Promise<void> {
  const { trials, seconds, warmup } = numberOptions("npm run bench:cluster [-- --trials 20 --seconds 30 --warmup 10]", { trials: 20, seconds: 30, warmup: 10 });
  ensureBuild(ROOT);
  console.log(`bench:cluster — 3 masters × 2 replicas: dashboard CPU per node (cluster vs replication), then ${trials} CLUSTER FAILOVERs timed to the browser's DOM`);
  console.log(`machine before: ${machine()}`);

  const cpu: string[] = [];
  const cluster = await startCluster({ masters: 3, replicasPerMaster: 2 });
  let dash: Dashboard | undefined;
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
  const gaps: number[] = [];
  const fromCommand: number[] = [];
  const clusterPromote: number[] = [];
  let misses = 0;
  try {
    dash = await startDashboard(ROOT, cluster.nodes[0]!.port, NODES);
    console.log(`  cluster up (${cluster.nodes.map((n) => n.port).join(", ")}), dashboard pid ${dash.pid}; ${warmup} s warm-up, ${seconds} s window`);
    cpu.push(await cpuWindow("cluster, 9 nodes (3 × 2)", dash, warmup, seconds));
    console.log(cpu[0]);

    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(`${dash.url}/login`);
    await page.getByTestId("password").fill(PASSWORD);
    await page.getByTestId("login-submit").click();
    await page.waitForURL(`${dash.url}/`);
    await page.goto(`${dash.url}/clusters/${TOPOLOGY}`);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="shard-row"]').length === 3 && document.querySelectorAll('[data-testid="shard-replica"]').length === 6, undefined, { timeout: 30_000 });
    await page.evaluate(WATCHER);

    const seed = cluster.nodes[0]!.port;
    for (let i = 0; i < trials; i++) {
      const shard = (await shards(seed))[i % 3];
      if (!shard) throw new Error(`shard ${i % 3} not found`);
      const target = shard.replicas[Math.floor(i / 3) % shard.replicas.length]!;
      const port = Number(target.slice(target.lastIndexOf(":") + 1));
      await arm(page, target);
      const r = new Redis({ host: "127.0.0.1", port, lazyConnect: true });
      await r.connect();
      try {
        const sent = Date.now();
        await r.call("CLUSTER", "FAILOVER");
        const promoted = promotedAt(r, 30_000);
        const domAt = hit(page, 30_000);
        const [a, b] = await Promise.all([promoted, domAt]);
        if (a === null || b === null) {
          misses++;
          console.log(`  trial ${String(i + 1).padStart(2)}: ${target} ${a === null ? "never said master" : "not shown master in the DOM"} within 30 s`);
        } else {
          gaps.push(b - a);
          fromCommand.push(b - sent);
          clusterPromote.push(a - sent);
          console.log(`  trial ${String(i + 1).padStart(2)}: ${target} master by ROLE ${a - sent} ms after CLUSTER FAILOVER, in the DOM ${b - a} ms later`);
        }
      } finally {
        r.disconnect();
      }
      await settled(cluster, target);
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="shard-replica"]').length === 6, undefined, { timeout: 30_000 });
      // A random pause spreads the failovers over the dashboard's cluster read cycle.
      await sleep(200 + Math.random() * 2000);
    }
  } finally {
    await browser?.close().catch(() => undefined);
    dash?.stop();
    await cluster.stop();
  }

  // The same shape as replication: 3 masters × 2 replicas, one topology, the masters as seeds.
  const forest = await startForest(3, 2);
  let rdash: Dashboard | undefined;
  try {
    rdash = await startDashboard(ROOT, forest.masters.map((m) => m.port), NODES);
    cpu.push(await cpuWindow("replication, 9 nodes (3 masters × 2 replicas)", rdash, warmup, seconds));
    console.log(cpu[1]);
  } finally {
    rdash?.stop();
    await stopAll(forest.servers);
  }

  console.log("\nresults");
  console.log("dashboard CPU (no write load, no browser; default poll 250 ms, INFO 2 s, cluster read 2 s):");
  for (const line of cpu) console.log(line);
  console.log("CLUSTER FAILOVER (a = the replica's ROLE says master, b = its shard row names it master in Chromium):");
  console.log(summary("b − a (DOM after the cluster promoted)", gaps));
  console.log(summary("a − CLUSTER FAILOVER reply (the cluster)", clusterPromote));
  console.log(summary("b − CLUSTER FAILOVER reply", fromCommand));
  if (misses) console.log(`  ${"trials with no reading within 30 s".padEnd(44)} ${misses}`);
  console.log(`  ${"target".padEnd(44)} b − a p95 ≤ 500 ms (reported, not asserted)`);
  console.log(`machine after: ${machine()}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
