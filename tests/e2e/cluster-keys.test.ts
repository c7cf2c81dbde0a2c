// The key browser and the compare page on a 3×1 Redis Cluster, in Chromium: /keys opens the cluster in
// whole-cluster mode, lists every key of every shard with its slot and its shard's master, describes
// the rows (each asked of its own master), opens a key on its shard's master with that shard's two
// nodes side by side; a compare of the cluster shows one row per shard above the differences.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser } from "playwright-core";
import { discoverCluster } from "@/lib/cluster/discover";
import type { ClusterView } from "@/lib/cluster/model";
import { shardOfKey } from "@/lib/keys/cluster-scan";
import { keySlot, startCluster, type Cluster } from "../support/cluster";
import { launchChromium, loginInBrowser } from "../support/browser";
import { closeClusterSuite, serveCluster, type ClusterServer } from "../support/cluster-server";
import { TEST_TOKEN, type ServerProcess } from "../support/server";
import { cli } from "../support/topology";
import { waitFor } from "../support/wait";

const N = 60;
let cluster: Cluster;
let server: ServerProcess;
let browser: Browser;
let served: ClusterServer;
let view: ClusterView;

before(async () => {
  cluster = await startCluster({ masters: 3, replicasPerMaster: 1 });
  view = await waitFor(
    "3 shards of 1 master and 1 replica each",
    () => discoverCluster({ host: "127.0.0.1", port: cluster.nodes[0]!.port, timeoutMs: 3000 }),
    (v) => v.shards.length === 3 && v.shards.every((s) => s.replicaIds.length === 1 && s.slotCount > 0),
    15_000,
    100,
  );
  for (let i = 0; i < N; i++) {
    const name = `e2e:${i}`;
    const port = Number(shardOfKey(view, name).master!.address!.split(":")[1]);
    await cli(port, "SET", name, `v${i}`);
  }
  for (const s of view.shards) await cli(Number(s.masterAddress!.split(":")[1]), "WAIT", "1", "5000");
  served = await serveCluster(cluster, "e2e-cluster-keys", {}, 0);
  server = served.server;
  await waitFor(
    "6 nodes up and the cluster read",
    async () => {
      const h = { authorization: `Bearer ${TEST_TOKEN}` };
      const t = (await (await fetch(`${server.url}/api/topology`, { headers: h })).json()) as { topologies: { nodes: { status: string }[] }[] };
      const c = await fetch(`${server.url}/api/clusters/shop`, { headers: h });
      return c.status === 200 && t.topologies[0]!.nodes.filter((n) => n.status === "up").length === 6;
    },
    (ok) => ok,
    30_000,
    200,
  );
  browser = await launchChromium();
});

after(() => closeClusterSuite(browser, served, cluster));

test("whole-cluster key browse: every key with its slot and shard; a key opens on its shard's master, side by side with its replica", { timeout: 120_000 }, async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 2400 } });
  const pageErrors: string[] = [];
  page.on("pageerror", (e) => pageErrors.push(e.message));
  await loginInBrowser(page, server.url);
  await page.goto(`${server.url}/keys?topology=shop`);
  await page.getByTestId("scan-progress").filter({ hasText: `${N} keys` }).filter({ hasText: "3 shards" }).filter({ hasText: "complete" }).waitFor({ timeout: 20_000 });
  assert.equal(await page.getByTestId("node-picker").inputValue(), "cluster");
  assert.equal(await page.getByTestId("cluster-not-read").count(), 0);

  // Every row in the DOM: its slot is CLUSTER KEYSLOT's, its shard column names that slot's master.
  await page.locator('[data-testid="key-row"][data-state="described"]').first().waitFor({ timeout: 10_000 });
  const rows = await page.getByTestId("key-row").evaluateAll((els) =>
    els.map((el) => ({ key: el.getAttribute("data-key") ?? "", type: el.getAttribute("data-type"), slot: el.querySelector('[data-testid="key-slot"]')?.textContent ?? "", shard: el.querySelector('[data-testid="key-shard"]')?.textContent ?? "" })),
  );
  assert.equal(rows.length, N, "every key is a row (the viewport holds them all)");
  for (const r of rows) {
    assert.equal(Number(r.slot), keySlot(r.key), r.key);
    assert.equal(r.shard, shardOfKey(view, r.key).master!.address, r.key);
  }
  assert.equal(new Set(rows.map((r) => r.shard)).size, 3, "rows from all three shards");
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="key-row"]')].slice(0, 15).every((el) => el.getAttribute("data-type") === "string"), undefined, { timeout: 10_000 });

  const pick = rows[0]!.key;
  const sh = shardOfKey(view, pick);
  await page.locator(`[data-testid="key-row"][data-key="${pick}"]`).click();
  await page.getByTestId("key-name").filter({ hasText: pick }).waitFor({ timeout: 10_000 });
  await page.getByTestId("side-by-side").waitFor({ timeout: 10_000 });
  await page.getByTestId(`column-${sh.master!.address}`).waitFor({ timeout: 10_000 });
  assert.equal(await page.getByTestId(`column-${sh.replicas[0]!.address}`).getAttribute("data-verdict"), "same");
  assert.equal(await page.locator('[data-testid^="column-127."]').count(), 2, "only the key's shard");
  assert.equal(await page.getByTestId("side-by-side").getAttribute("data-equal"), "true");
  assert.deepEqual(pageErrors, []);
  await page.close();
});

test("a cluster compare on the compare page: one row per shard, done, no differences", { timeout: 120_000 }, async () => {
  const res = await fetch(`${server.url}/api/compare`, { method: "POST", headers: { authorization: `Bearer ${TEST_TOKEN}`, "content-type": "application/json" }, body: JSON.stringify({ topology: "shop" }) });
  assert.equal(res.status, 202, await res.text());
  const page = await browser.newPage({ viewport: { width: 1400, height: 1200 } });
  await loginInBrowser(page, server.url);
  await page.goto(`${server.url}/compare`);
  await page.locator('[data-testid="compare-report"][data-status="done"]').waitFor({ timeout: 60_000 });
  const shards = page.getByTestId("compare-shard-row");
  assert.equal(await shards.count(), 3);
  for (let i = 0; i < 3; i++) assert.equal(await shards.nth(i).getAttribute("data-status"), "done");
  assert.deepEqual((await page.getByTestId("compare-shard-differences").allTextContents()).map(Number), [0, 0, 0]);
  assert.equal(await page.getByTestId("compare-differences").textContent(), "0");
  await page.getByTestId("no-differences").waitFor();
  await page.close();
});
