// npm run bench:drill [-- --trials 20]
// Promotions back and forth on a real topology served by the production dashboard, timed to the
// moment the change reaches the DOM of a logged-in overview page in Chromium (playwright-core).
//
//  1. drill: a promote drill through the API (POST /api/drills), A→B then B→A, each re-pointing the
//     old master under the new one. Start = the drill's "promote" step, stamped by the server right
//     after REPLICAOF NO ONE replied.
//  2. direct: REPLICAOF NO ONE sent here with ioredis on a leaf replica (start = its reply), then
//     restored with REPLICAOF.
// End = Date.now() in the page when a MutationObserver (installed through page.evaluate: the CSP
// allows no inline script) sees the node card's data-role become "master". Browser and bench run on
// one machine, so both clocks are the same wall clock. Prints p50/p95/max; never asserts on time.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Redis from "ioredis";
import { chromium, type Page } from "playwright-core";
import type { Drill } from "../lib/drills/types";
import { freePort, startRedis, stopAll, type LocalRedis } from "../lib/redis/local-server";
import { ensureBuild, numberOptions, machine, percentile, SERVER_OUT_DIR } from "./support";

const ROOT = path.resolve(__dirname, "..");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const PASSWORD = "bench-password-123";
const TOKEN = "bench-token-0123456789abcdef";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface BenchWindow {
  __arm: (id: string, role: string) => void;
  __hit: Promise<number>;
}

/**
 * Installs window.__arm(id, role): window.__hit then resolves with the page's Date.now() once
 * node-<id>'s card shows `role` (cards re-created by a re-layout included). Plain JS in a string:
 * tsx would wrap named functions of a serialised callback in a helper the page does not have.
 */
const WATCHER = `
window.__arm = (id, role) => {
  window.__hit = new Promise((resolve) => {
    const obs = new MutationObserver(() => check());
    const check = () => {
      const card = document.querySelector('[data-testid="node-' + id + '"]');
      if (!card || card.getAttribute("data-role") !== role) return;
      obs.disconnect();
      resolve(Date.now());
    };
    obs.observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-role"] });
    check();
  });
};
`;

async function installWatcher(page: Page): Promise<void> {
  await page.evaluate(WATCHER);
}

const arm = (page: Page, id: string, role: string) => page.evaluate(([i, r]) => (window as unknown as BenchWindow).__arm(i!, r!), [id, role]);
const hit = (page: Page, timeoutMs = 15_000) =>
  Promise.race([page.evaluate(() => (window as unknown as BenchWindow).__hit), sleep(timeoutMs).then(() => { throw new Error(`the DOM did not change within ${timeoutMs} ms`); })]);

function summary(label: string, xs: number[]): string {
  if (!xs.length) return `  ${label.padEnd(36)} no samples`;
  return `  ${label.padEnd(36)} p50 ${percentile(xs, 50).toFixed(0)} ms, p95 ${percentile(xs, 95).toFixed(0)} ms, max ${Math.max(...xs).toFixed(0)} ms over ${xs.length} trials`;
}

async function main(): Promise<void> {
  const { trials } = numberOptions("npm run bench:drill [-- --trials 20]", { trials: 20 });
  ensureBuild(ROOT);
  console.log(`bench:drill — ${trials} promote drills A→B→A… and ${trials} direct REPLICAOF NO ONE, timed to the browser's DOM`);
  console.log(`machine before: ${machine()}`);

  const args = ["--repl-diskless-sync-delay", "0", "--save", ""];
  const servers: LocalRedis[] = [];
  const a = await startRedis({ args });
  servers.push(a);
  const b = await startRedis({ args, replicaOf: { host: a.host, port: a.port } });
  const c = await startRedis({ args, replicaOf: { host: a.host, port: a.port } });
  servers.push(b, c);

  const dataDir = mkdtempSync(path.join(tmpdir(), "replscope-bench-drill-"));
  const configFile = path.join(dataDir, "config.json");
  // Default poll interval (250 ms): the figures are what an operator gets out of the box.
  writeFileSync(configFile, JSON.stringify({ topologies: [{ name: "bench", seeds: [`redis://127.0.0.1:${a.port}`], drills: true }] }));
  const port = await freePort();
  // As `npm start` runs it: the compiled server (ensureBuild made it), plain node.
  const child = spawn(process.execPath, [path.join(SERVER_OUT_DIR, "server.js")], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: "production", PORT: String(port), HOST: "127.0.0.1", REPLSCOPE_DATA_DIR: dataDir, REPLSCOPE_PASSWORD: PASSWORD, REPLSCOPE_API_TOKEN: TOKEN, REPLSCOPE_SEEDS: "", REPLSCOPE_CONFIG: configFile },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const url = `http://127.0.0.1:${port}`;
  const api = async <T>(p: string, init?: RequestInit): Promise<T> => {
    const res = await fetch(`${url}${p}`, { ...init, headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" } });
    const body = (await res.json()) as T & { error?: string };
    if (!res.ok) throw new Error(`${p}: HTTP ${res.status} ${body.error ?? ""}`);
    return body;
  };
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"] });
  const cleanup = async () => {
    await browser.close().catch(() => undefined);
    if (child.exitCode === null) {
      const gone = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await Promise.race([gone, sleep(5000)]);
    }
    await stopAll(servers);
    rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    type Topo = { topologies: { nodes: { id: string; status: string; role: string; linkStatus: string | null }[] }[] };
    const settled = async () => {
      for (let i = 0; i < 300; i++) {
        try {
          const ns = (await api<Topo>("/api/topology")).topologies[0]?.nodes ?? [];
          if (ns.length === 3 && ns.every((n) => n.status === "up" && (n.role === "master" || n.linkStatus === "up"))) return;
        } catch {
          /* not listening yet */
        }
        await sleep(100);
      }
      throw new Error("the topology did not settle within 30 s");
    };
    await settled();

    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(`${url}/login`);
    await page.getByTestId("password").fill(PASSWORD);
    await page.getByTestId("login-submit").click();
    await page.waitForURL(`${url}/`);
    for (const s of servers) await page.getByTestId(`node-${s.id}`).waitFor({ timeout: 15_000 });
    await installWatcher(page);

    // 1. Promote drills through the API, back and forth between a and b.
    const drillDom: number[] = [];
    const drillPromote: number[] = [];
    const drillOutage: number[] = [];
    const drillTotal: number[] = [];
    let lost = 0;
    for (let i = 0; i < trials; i++) {
      const target = i % 2 === 0 ? b : a;
      await arm(page, target.id, "master");
      const { id } = await api<{ id: string }>("/api/drills", { method: "POST", body: JSON.stringify({ topology: "bench", scenario: "promote", target: target.id, options: { includeOldMaster: true } }) });
      const domAt = await hit(page);
      let d: Drill;
      for (;;) {
        d = await api<Drill>(`/api/drills/${id}`);
        if (d.status !== "running") break;
        await sleep(100);
      }
      if (d.status !== "done") throw new Error(`drill ${i + 1} ${d.status}: ${d.error}`);
      const promoted = d.steps.find((s) => s.name === "promote");
      if (!promoted) throw new Error(`drill ${i + 1} has no promote step`);
      drillDom.push(domAt - promoted.at);
      if (d.report?.promoteMs !== null && d.report?.promoteMs !== undefined) drillPromote.push(d.report.promoteMs);
      drillOutage.push(d.report?.writeOutageMs ?? 0);
      drillTotal.push((d.endedAt ?? Date.now()) - d.startedAt);
      lost += d.report?.lostWrites ?? 0;
      process.stdout.write(`  drill ${String(i + 1).padStart(2)}: ${target.id} master in the DOM ${(domAt - promoted.at).toFixed(0)} ms after REPLICAOF NO ONE replied\n`);
      await settled();
    }

    // 2. Direct REPLICAOF NO ONE on the leaf replica c, restored each time.
    const direct: number[] = [];
    const master = (await api<Topo>("/api/topology")).topologies[0]!.nodes.find((n) => n.role === "master")!;
    const [mHost, mPort] = [master.id.slice(0, master.id.lastIndexOf(":")), Number(master.id.slice(master.id.lastIndexOf(":") + 1))];
    const r = new Redis({ host: c.host, port: c.port });
    try {
      for (let i = 0; i < trials; i++) {
        await arm(page, c.id, "master");
        await r.replicaof("NO", "ONE");
        const replied = Date.now();
        direct.push((await hit(page)) - replied);
        await arm(page, c.id, "replica");
        await r.replicaof(mHost, mPort);
        await hit(page);
        await settled();
        // A random pause spreads the promotions over the poll cycle instead of locking onto one phase.
        await sleep(200 + Math.random() * 250);
      }
    } finally {
      r.disconnect();
    }

    console.log("\nresults (promotion command reply → card shows master in the browser's DOM; poll interval 250 ms)");
    console.log(summary(`promote drill via API (a↔b)`, drillDom));
    console.log(summary("direct REPLICAOF NO ONE (ioredis)", direct));
    console.log(summary("drill report: time to promote", drillPromote));
    console.log(summary("drill report: write outage", drillOutage));
    console.log(summary("drill: start → done", drillTotal));
    console.log(`  ${"lost writes over all drills".padEnd(36)} ${lost} (acked by the old master after the promotion)`);
    console.log(`  ${"target".padEnd(36)} p95 ≤ 500 ms (reported, not asserted)`);
    console.log(`machine after: ${machine()}`);
  } finally {
    await cleanup();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
