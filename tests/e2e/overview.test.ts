// Log in with a real browser, see the whole topology, promote a replica with redis-cli and watch
// its card turn master without reloading the page.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { Browser } from "playwright-core";
import { launchChromium, loginInBrowser } from "../support/browser";
import { startServer, type ServerProcess } from "../support/server";
import { cli, startTopology, type Topology } from "../support/topology";

let topo: Topology;
let server: ServerProcess;
let browser: Browser;

before(async () => {
  topo = await startTopology({ replicas: 2, chained: 1 });
  server = await startServer({ REPLSCOPE_SEEDS: `redis://127.0.0.1:${topo.master.port}` });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await topo?.stop();
});

test("wrong password shows an error on the login page", async () => {
  const page = await browser.newPage();
  await page.goto(`${server.url}/login`);
  await page.getByTestId("password").fill("not-the-password");
  await page.getByTestId("login-submit").click();
  await page.getByTestId("login-error").filter({ hasText: "wrong user name or password" }).waitFor({ timeout: 5000 });
  assert.match(page.url(), /\/login/);
  await page.close();
});

test("overview shows all four nodes and a promotion live", async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const pageErrors: string[] = [];
  page.on("pageerror", (e) => pageErrors.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error" && /Content Security Policy|Refused to/i.test(m.text())) pageErrors.push(m.text());
  });
  await loginInBrowser(page, server.url);

  for (const node of topo.all) {
    const card = page.getByTestId(`node-${node.id}`);
    await card.waitFor({ timeout: 15_000 });
  }
  const card = (id: string) => page.getByTestId(`node-${id}`);
  await page.waitForFunction((id) => document.querySelector(`[data-testid="node-${id}"]`)?.getAttribute("data-status") === "up", topo.chained[0]!.id, { timeout: 10_000 });
  assert.equal(await card(topo.master.id).getAttribute("data-role"), "master");
  for (const r of [...topo.replicas, ...topo.chained]) assert.equal(await card(r.id).getAttribute("data-role"), "replica");

  // Mark this page instance: a reload would wipe the marker.
  await page.evaluate(() => ((window as unknown as { __marker: number }).__marker = 42));
  const target = topo.replicas[1]!;
  await cli(target.port, "REPLICAOF", "NO", "ONE");
  await page.waitForFunction(
    (id) => document.querySelector(`[data-testid="node-${id}"]`)?.getAttribute("data-role") === "master",
    target.id,
    { timeout: 5000 },
  );
  assert.equal(await page.evaluate(() => (window as unknown as { __marker?: number }).__marker), 42, "no page reload happened");
  assert.equal(await page.getByTestId("stat-masters").textContent(), "2");
  await page.getByTestId("event-list").getByText(`${target.id} promoted to master`).waitFor({ timeout: 5000 });
  assert.deepEqual(pageErrors, []);
  await page.close();
});

test("node page shows INFO groups and replication details", async () => {
  const page = await browser.newPage();
  await loginInBrowser(page, server.url);
  await page.goto(`${server.url}/nodes/${encodeURIComponent(topo.master.id)}`);
  await page.getByTestId("node-detail").waitFor({ timeout: 10_000 });
  assert.equal(await page.getByTestId("node-detail").getAttribute("data-role"), "master");
  await page.getByTestId("replica-table").getByText(topo.replicas[0]!.id).waitFor({ timeout: 10_000 });
  await page.getByTestId("info-groups").getByText("master_repl_offset").waitFor();
  await page.close();
});
