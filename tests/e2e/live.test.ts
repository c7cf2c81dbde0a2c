// Pages get their live data over the one socket, not by polling: the node page follows a key write
// (offset and chart points move) and a promotion (its role) with no request to /api/nodes/…, and a
// drill's progress reaches its page and the drill list with no request to /api/drills/….
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { launchChromium, loginInBrowser } from "../support/browser";
import { startServer, TEST_TOKEN, type ServerProcess } from "../support/server";
import { cli, startTopology, type Topology } from "../support/topology";
import { waitFor } from "../support/wait";

let topo: Topology;
let server: ServerProcess;
let browser: Browser;
let dir: string;

before(async () => {
  topo = await startTopology({ replicas: 2 });
  dir = mkdtempSync(path.join(tmpdir(), "replscope-e2e-live-"));
  const configFile = path.join(dir, "config.json");
  writeFileSync(configFile, JSON.stringify({ topologies: [{ name: "main", seeds: [`redis://127.0.0.1:${topo.master.port}`], drills: true, pollMs: 200 }] }));
  server = await startServer({ REPLSCOPE_CONFIG: configFile });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await topo?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Every request the page makes whose path starts with `prefix` (method and path). */
function recordRequests(page: Page, prefix: string): string[] {
  const seen: string[] = [];
  page.on("request", (r) => {
    const u = new URL(r.url());
    if (u.pathname.startsWith(prefix)) seen.push(`${r.method()} ${u.pathname}`);
  });
  return seen;
}

test("the node page follows a write and a promotion over the socket, without polling /api/nodes", { timeout: 60_000 }, async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await loginInBrowser(page, server.url);
  const nodeRequests = recordRequests(page, "/api/nodes/");
  const master = topo.master;
  await page.goto(`${server.url}/nodes/${encodeURIComponent(master.id)}`);
  await page.getByTestId("node-detail").waitFor({ timeout: 10_000 });
  await page.getByTestId("log-pane").waitFor({ timeout: 10_000 });
  await page.evaluate(() => ((window as unknown as { __marker: number }).__marker = 11));

  // A burst of writes moves the master's offset on the page.
  const before = (await page.getByTestId("fact-offset").textContent()) ?? "";
  await cli(master.port, "EVAL", "for i=1,3000 do redis.call('SET','live:'..i,'v') end return 1", "0");
  await page.waitForFunction((b) => {
    const now = document.querySelector('[data-testid="fact-offset"]')?.textContent ?? "";
    return now !== "" && now !== b;
  }, before, { timeout: 10_000 });
  await page.getByTestId("chart-ops").waitFor({ timeout: 10_000 });

  // A replica's page: promoting it turns the page's role to master.
  const replica = topo.replicas[1]!;
  await page.goto(`${server.url}/nodes/${encodeURIComponent(replica.id)}`);
  await page.waitForFunction(() => document.querySelector('[data-testid="node-detail"]')?.getAttribute("data-role") === "replica", undefined, { timeout: 10_000 });
  await page.evaluate(() => ((window as unknown as { __marker: number }).__marker = 12));
  await cli(replica.port, "REPLICAOF", "NO", "ONE");
  try {
    await page.waitForFunction(() => document.querySelector('[data-testid="node-detail"]')?.getAttribute("data-role") === "master", undefined, { timeout: 10_000 });
    await page.getByTestId("event-list").getByText(`${replica.id} promoted to master`).waitFor({ timeout: 10_000 });
    assert.equal(await page.evaluate(() => (window as unknown as { __marker?: number }).__marker), 12, "no reload");
  } finally {
    await cli(replica.port, "REPLICAOF", master.host, String(master.port));
  }
  assert.equal(await page.getByTestId("connection-status").getAttribute("data-status"), "live");
  assert.deepEqual(nodeRequests, [], "the node page and its log pane made no /api/nodes requests");
  await page.close();
});

test("a drill's progress reaches its page and the drill list without polling /api/drills", { timeout: 90_000 }, async () => {
  await waitForReplicasLinked();
  const list = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await loginInBrowser(list, server.url);
  const listRequests = recordRequests(list, "/api/drills");
  await list.goto(`${server.url}/drills`);
  await list.getByTestId("drills-page").waitFor();
  await list.getByText("No drills yet.").waitFor({ timeout: 10_000 });
  const listLoads = listRequests.filter((r) => r === "GET /api/drills").length;
  assert.equal(listLoads, 1, `the list loaded once: ${listRequests.join(", ")}`);

  const detail = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await loginInBrowser(detail, server.url);
  const detailRequests = recordRequests(detail, "/api/drills");

  // An outage drill holds the master for 3 s: long enough to watch it run.
  const res = await fetch(`${server.url}/api/drills`, {
    method: "POST",
    headers: { authorization: `Bearer ${TEST_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ topology: "main", scenario: "outage", options: { outageMs: 3000 } }),
  });
  assert.equal(res.status, 201, await res.clone().text());
  const { id } = (await res.json()) as { id: string };

  await detail.goto(`${server.url}/drills/${id}`);
  await detail.waitForFunction(() => document.querySelector('[data-testid="drill-detail"]')?.getAttribute("data-status") === "running", undefined, { timeout: 10_000 });
  const stepsAtFirst = await detail.locator('[data-testid="drill-steps"] li').count();
  await detail.waitForFunction(() => document.querySelector('[data-testid="drill-detail"]')?.getAttribute("data-status") === "done", undefined, { timeout: 60_000 });
  await detail.getByTestId("drill-report").waitFor();
  const stepsAtEnd = await detail.locator('[data-testid="drill-steps"] li').count();
  assert.ok(stepsAtEnd > stepsAtFirst, `steps arrived while it ran (${stepsAtFirst} → ${stepsAtEnd})`);
  assert.deepEqual(detailRequests.filter((r) => r.startsWith("GET ")), [], "the drill page asked /api/drills nothing");

  // The list page, open all along, shows the drill finished.
  await list.waitForFunction((drill) => document.querySelector(`[data-testid="drill-row-${drill}"] [data-testid="drill-status"]`)?.getAttribute("data-status") === "done", id, { timeout: 10_000 });
  assert.equal(listRequests.filter((r) => r === "GET /api/drills").length, listLoads, `no list reloads: ${listRequests.join(", ")}`);
  await list.close();
  await detail.close();
});

async function waitForReplicasLinked(): Promise<void> {
  for (const r of topo.replicas) await waitFor(`${r.id} linked`, () => cli(r.port, "INFO", "replication"), (o) => o.includes("master_link_status:up"), 15_000, 100);
}
