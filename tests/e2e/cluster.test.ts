// The cluster overview in Chromium: a 3×1 cluster configured by one seed; from the overview's cluster
// card to /clusters/<topology>, three shards with their replica, then slots made unserved and served
// again by redis-cli, shown live (no reload).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser } from "playwright-core";
import { startCluster, type Cluster } from "../support/cluster";
import { launchChromium, loginInBrowser } from "../support/browser";
import { closeClusterSuite, serveCluster, type ClusterServer } from "../support/cluster-server";
import type { ServerProcess } from "../support/server";
import { cli } from "../support/topology";

let cluster: Cluster;
let server: ServerProcess;
let browser: Browser;
let served: ClusterServer;

before(async () => {
  cluster = await startCluster({ masters: 3, replicasPerMaster: 1 });
  served = await serveCluster(cluster, "e2e-cluster", {}, 1);
  server = served.server;
  browser = await launchChromium();
});

after(() => closeClusterSuite(browser, served, cluster));

test("cluster overview: shards with their replicas, unserved slots shown live", { timeout: 90_000 }, async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const pageErrors: string[] = [];
  page.on("pageerror", (e) => pageErrors.push(e.message));
  await loginInBrowser(page, server.url);

  const card = page.getByTestId("cluster-card");
  await card.filter({ hasText: "3 shards" }).waitFor({ timeout: 20_000 });
  assert.equal(await page.getByTestId("stat-masters").textContent(), "3");
  await card.click();
  await page.waitForURL(`${server.url}/clusters/shop`);

  await page.getByTestId("cluster-state-value").filter({ hasText: "cluster_state ok" }).waitFor({ timeout: 15_000 });
  const rows = page.getByTestId("shard-row");
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="shard-replica"]').length === 3, undefined, { timeout: 20_000 });
  assert.equal(await rows.count(), 3);
  // Each replica line names a node that is a replica of that shard's master, with its link up.
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="shard-replica"]')].every((el) => /link up, .* behind/.test(el.textContent ?? "")), undefined, { timeout: 20_000 });
  for (let i = 0; i < 3; i++) {
    const text = (await rows.nth(i).textContent()) ?? "";
    const addresses = [...text.matchAll(/127\.0\.0\.1:\d+/g)].map((m) => m[0]);
    assert.equal(addresses.length, 2, text);
    const port = Number(addresses[1]!.split(":")[1]);
    assert.match(await cli(port, "INFO", "replication"), new RegExp(`master_port:${addresses[0]!.split(":")[1]}\\b`));
  }
  assert.equal(await page.getByTestId("stat-covered").textContent(), "16,384");
  assert.equal(await page.getByTestId("slot-band").count(), 3);
  await page.evaluate(() => ((window as unknown as { __marker: number }).__marker = 7));

  for (const n of cluster.nodes) await cli(n.port, "CLUSTER", "DELSLOTSRANGE", "16000", "16383");
  await page.getByTestId("uncovered-ranges").filter({ hasText: "16000-16383" }).waitFor({ timeout: 15_000 });
  await page.getByTestId("cluster-state-value").filter({ hasText: "cluster_state fail" }).waitFor({ timeout: 15_000 });
  assert.equal(await page.getByTestId("stat-uncovered").textContent(), "384");

  const owner = cluster.nodes[2]!;
  await cli(owner.port, "CLUSTER", "ADDSLOTSRANGE", "16000", "16383");
  await page.getByTestId("cluster-state-value").filter({ hasText: "cluster_state ok" }).waitFor({ timeout: 15_000 });
  assert.equal(await page.getByTestId("uncovered-ranges").count(), 0);
  assert.equal(await page.evaluate(() => (window as unknown as { __marker?: number }).__marker), 7, "no reload");
  assert.deepEqual(pageErrors, []);
  await page.close();
});
