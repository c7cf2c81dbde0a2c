// The persistence panel and the overview badge in a real browser: a master with persistence off
// and a replica shows the hazard on its card and its page; the page links to the restore plan;
// a node that stops answering turns the panel's values into last-seen ones.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { Browser } from "playwright-core";
import { launchChromium, loginInBrowser } from "../support/browser";
import { startServer, type ServerProcess } from "../support/server";
import { startTopology, type Topology } from "../support/topology";

let topo: Topology;
let server: ServerProcess;
let browser: Browser;

before(async () => {
  topo = await startTopology({ replicas: 1 });
  server = await startServer({ REPLSCOPE_SEEDS: `redis://127.0.0.1:${topo.master.port}` });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await topo?.stop();
});

test("persistence off with a replica: badge on the card, hazard on the node page, link to the restore plan, last-seen when frozen", { timeout: 90_000 }, async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await loginInBrowser(page, server.url);
  const master = topo.master;
  await page.goto(`${server.url}/`);
  await page.getByTestId(`node-${master.id}`).getByTestId("persistence-badge-persistence-off-with-replicas").waitFor({ timeout: 15_000 });
  assert.equal(await page.getByTestId(`node-${master.id}`).getByTestId("persistence-badge-persistence-off-with-replicas").textContent(), "persistence off");

  await page.goto(`${server.url}/nodes/${encodeURIComponent(master.id)}`);
  const panel = page.getByTestId("persistence-panel");
  await panel.getByTestId("hazard-persistence-off-with-replicas").waitFor({ timeout: 15_000 });
  assert.match((await panel.getByTestId("hazard-persistence-off-with-replicas").textContent()) ?? "", /empty restart wipes the replicas/);
  assert.equal(await panel.getAttribute("data-freshness"), "current");
  assert.equal(await panel.getByTestId("config-save").textContent(), '"" (no save points)');

  // A frozen node: the panel keeps its values, marked last-seen with their age.
  master.signal("SIGSTOP");
  try {
    await page.waitForFunction(() => document.querySelector('[data-testid="persistence-panel"]')?.getAttribute("data-freshness") === "last-seen", undefined, { timeout: 20_000 });
    assert.match((await panel.getByTestId("persistence-freshness").textContent()) ?? "", /last seen .* ago — not current/);
    assert.equal(await panel.getByTestId("config-save").textContent(), '"" (no save points)', "last-seen values stay on screen");
  } finally {
    master.signal("SIGCONT");
  }

  await panel.getByTestId("restore-plan-link").click();
  await page.getByTestId("restore-plan").waitFor({ timeout: 15_000 });
  assert.equal(await page.getByTestId("restore-master").textContent(), master.id);
  await page.getByTestId("consequence-replicas-roll-back").waitFor();
  await page.getByTestId("consequence-persistence-off").waitFor();
  await page.close();
});
