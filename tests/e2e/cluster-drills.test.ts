// A cluster drill from the drills page in Chromium: a 3×1 cluster, the form lists each shard's
// replicas under the shard's slots, the confirmation names the nodes dialled and the slots, the
// live page shows the steps and the report (promoted, lost writes, epochs, old master's role) —
// checked against the cluster itself.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser } from "playwright-core";
import { launchChromium, loginInBrowser } from "../support/browser";
import { closeClusterSuite, serveCluster, type ClusterServer } from "../support/cluster-server";
import { startCluster, type Cluster } from "../support/cluster";
import type { ServerProcess } from "../support/server";
import { cli } from "../support/topology";

let cluster: Cluster;
let server: ServerProcess;
let browser: Browser;
let served: ClusterServer;

before(async () => {
  cluster = await startCluster({ masters: 3, replicasPerMaster: 1 });
  served = await serveCluster(cluster, "e2e-cluster-drills", { drills: true }, 0);
  server = served.server;
  browser = await launchChromium();
});

after(() => closeClusterSuite(browser, served, cluster));

test("a CLUSTER FAILOVER drill started from the drills page: confirmation, live steps, report", { timeout: 120_000 }, async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1200 } });
  const pageErrors: string[] = [];
  page.on("pageerror", (e) => pageErrors.push(e.message));
  await loginInBrowser(page, server.url);
  await page.goto(`${server.url}/drills`);
  await page.getByTestId("cluster-drill-form").waitFor({ timeout: 20_000 });
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="cluster-drill-replica"] optgroup option').length === 3, undefined, { timeout: 20_000 });
  const groups = await page.locator('[data-testid="cluster-drill-replica"] optgroup').evaluateAll((els) => els.map((e) => ({ label: e.getAttribute("label") ?? "", replicas: [...e.querySelectorAll("option")].map((o) => o.value) })));
  assert.equal(groups.length, 3);
  // Each group names its master and slots; each replica listed follows that master (per Redis).
  for (const g of groups) {
    const [, master, slots] = /^shard of (\S+) · slots (.+)$/.exec(g.label) ?? [];
    assert.ok(master && slots, g.label);
    assert.equal(g.replicas.length, 1);
    assert.match(await cli(Number(g.replicas[0]!.split(":")[1]), "INFO", "replication"), new RegExp(`master_port:${master.split(":")[1]}\\b`));
  }
  const group = groups[0]!;
  const target = group.replicas[0]!;
  const master = /^shard of (\S+)/.exec(group.label)![1]!;
  await page.getByTestId("cluster-drill-replica").selectOption(target);
  assert.equal(await page.getByTestId("cluster-mode-failover").isChecked(), true);

  await page.getByTestId("drill-review").click();
  await page.getByTestId("confirm-dialog").waitFor();
  assert.equal(await page.getByTestId("confirm-slots").textContent(), /slots (.+)$/.exec(group.label)![1]);
  assert.equal(await page.getByTestId("confirm-command").textContent(), `CLUSTER FAILOVER to ${target}`);
  const touches = await page.getByTestId("confirm-touches").locator("li").allTextContents();
  assert.equal(touches.length, 3, touches.join("\n"));
  assert.ok(touches.some((t) => t.startsWith(master) && /master of the shard/.test(t)));
  assert.ok(touches.some((t) => t.startsWith(target) && /replica to promote/.test(t)));
  assert.ok(touches.some((t) => /observer/.test(t)));
  await page.getByTestId("confirm-action").click();

  await page.waitForURL(/\/drills\/[0-9a-f-]{36}$/, { timeout: 10_000 });
  await page.getByTestId("drill-steps").getByText(/CLUSTER FAILOVER on/).waitFor({ timeout: 20_000 });
  const report = page.getByTestId("cluster-drill-report");
  await report.waitFor({ timeout: 60_000 });
  assert.equal(await page.getByTestId("drill-detail").getAttribute("data-status"), "done");
  assert.equal(await page.getByTestId("report-promoted").textContent(), `yes: ${target}`);
  assert.equal(await page.getByTestId("report-lost-writes").textContent(), "0");
  assert.match((await page.getByTestId("report-epochs").textContent()) ?? "", /^\d+ → \d+$/);
  assert.equal(await page.getByTestId("report-old-master").textContent(), `replica of ${target}`);
  // As Redis itself says.
  assert.match(await cli(Number(target.split(":")[1]), "ROLE"), /^master/);
  assert.deepEqual(pageErrors, []);
});
