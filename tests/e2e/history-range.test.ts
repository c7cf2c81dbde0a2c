// The node page's history range picker: a stored range loads the store's tier over HTTP
// (/api/nodes/{id}?since=), draws it under its resolution label with a fixed chart height, and
// going back to live stops asking.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { launchChromium, loginInBrowser } from "../support/browser";
import { startServer, type ServerProcess } from "../support/server";
import { startTopology, type Topology } from "../support/topology";
import { waitFor } from "../support/wait";

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

/** The /api/nodes/… requests the page makes, as path + query. */
function recordNodeRequests(page: Page): URL[] {
  const seen: URL[] = [];
  page.on("request", (r) => {
    const u = new URL(r.url());
    if (u.pathname.startsWith("/api/nodes/")) seen.push(u);
  });
  return seen;
}

const chartHeight = (page: Page) => page.getByTestId("chart-ops").evaluate((el) => el.getBoundingClientRect().height);

test("picking 1 h and 24 h on a node page loads the stored history and labels its resolution", { timeout: 60_000 }, async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await loginInBrowser(page, server.url);
  const requests = recordNodeRequests(page);
  const master = topo.master;
  await page.goto(`${server.url}/nodes/${encodeURIComponent(master.id)}`);
  await page.getByTestId("node-detail").waitFor({ timeout: 10_000 });
  assert.equal(await page.getByTestId("history-range").getAttribute("data-value"), "live");
  await page.getByTestId("chart-ops").waitFor();
  const liveHeight = await chartHeight(page);
  assert.equal(requests.length, 0, "live needs no HTTP");

  // 1 h reads the 1 s tier, which has this run's samples within seconds.
  await page.getByTestId("history-range-1h").click();
  await waitFor(
    "1 h chart drawn from the store",
    () => page.getByTestId("chart-ops").locator(".recharts-line").count(),
    (n) => n === 1,
    20_000,
    200,
  );
  const first = requests.find((u) => u.searchParams.has("since"));
  assert.ok(first, "a request with since= went out");
  assert.equal(first.pathname, `/api/nodes/${encodeURIComponent(master.id)}`);
  const since = Number(first.searchParams.get("since"));
  assert.ok(Date.now() - since > 3500_000 && Date.now() - since < 3600_000, `1 h back: ${Date.now() - since} ms`);
  assert.equal(await page.getByTestId("chart-ops").getByTestId("chart-resolution").textContent(), "1-second samples");

  // 24 h reads the 1-minute tier: drawn if a minute has closed, else the honest empty state.
  const before24 = requests.length;
  await page.getByTestId("history-range-24h").click();
  await page.waitForFunction(() => document.querySelector('[data-testid="node-charts"]')?.getAttribute("data-state") === "loaded", undefined, { timeout: 15_000 });
  const day = requests.slice(before24).find((u) => u.searchParams.has("since"));
  assert.ok(day, "24 h asked the API");
  assert.ok(Date.now() - Number(day.searchParams.get("since")) > 86_000_000, "24 h back");
  assert.equal(await page.getByTestId("chart-ops").getByTestId("chart-resolution").textContent(), "1-minute averages");
  assert.equal(await page.getByTestId("chart-memory").getByTestId("chart-resolution").textContent(), "1-minute max");
  const ops = page.getByTestId("chart-ops");
  const drawn = await ops.locator(".recharts-line").count();
  if (drawn === 0) assert.equal(await ops.getByTestId("chart-empty").textContent(), "no samples stored for this range yet");
  assert.equal(await chartHeight(page), liveHeight, "no layout jump between ranges");

  // Back to live: the socket's window again, no more HTTP.
  await page.getByTestId("history-range-live").click();
  await page.waitForFunction(() => document.querySelector('[data-testid="node-charts"]')?.getAttribute("data-state") === "live");
  assert.equal(await page.getByTestId("chart-ops").getByTestId("chart-resolution").count(), 0);
  await page.close();
});
