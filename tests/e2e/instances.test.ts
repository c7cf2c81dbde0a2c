// The instances page on a server running alone, in Chromium: reached from the nav, it explains the
// single-instance state, refreshes every 2 s without overlapping requests, and once the server is
// gone says its data is stale with the data's age instead of showing it as current.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { Browser } from "playwright-core";
import { startRedis, type LocalRedis } from "../../lib/redis/local-server";
import { launchChromium, loginInBrowser } from "../support/browser";
import { startServer, type ServerProcess } from "../support/server";
import { waitFor } from "../support/wait";

let seed: LocalRedis;
let server: ServerProcess;
let browser: Browser;

before(async () => {
  seed = await startRedis();
  server = await startServer({ REPLSCOPE_SEEDS: `redis://127.0.0.1:${seed.port}` });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await seed?.stop();
});

test("alone: the nav leads to the single-instance explanation; refreshes never overlap; a dead server reads as stale", async () => {
  const page = await browser.newPage({ viewport: { width: 390, height: 900 } });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  let inFlight = 0;
  let maxInFlight = 0;
  let requests = 0;
  page.on("request", (r) => {
    if (!r.url().endsWith("/api/instances")) return;
    requests++;
    maxInFlight = Math.max(maxInFlight, ++inFlight);
  });
  const done = (r: { url(): string }) => {
    if (r.url().endsWith("/api/instances")) inFlight--;
  };
  page.on("requestfinished", done);
  page.on("requestfailed", done);

  await loginInBrowser(page, server.url);
  await page.getByTestId("main-nav").getByRole("link", { name: "Instances" }).click();
  await page.waitForURL(`${server.url}/instances`);
  const single = page.getByTestId("instances-single");
  await single.waitFor({ timeout: 10_000 });
  const text = await single.innerText();
  assert.match(text, /Single instance: no coordination configured/);
  assert.match(text, /REPLSCOPE_COORDINATION_URL/);
  assert.match(await page.getByTestId("instances-single-topologies").innerText(), /default/);
  assert.equal(await page.getByTestId("instances-page").getAttribute("data-mode"), "single");

  // Three more answers arrive ~2 s apart, one request at a time, and the data stays current.
  const first = requests;
  await waitFor("three more refreshes", () => requests, (n) => n >= first + 3, 15_000, 100);
  assert.equal(maxInFlight, 1, "never two requests at once");
  assert.equal(await page.getByTestId("instances-age").getAttribute("data-kind"), "current");
  const age = Number(await page.getByTestId("instances-age").getAttribute("data-age-ms"));
  assert.ok(age >= 0 && age < 6000, `age ${age}`);

  await server.stop();
  await page.getByTestId("instances-stale").waitFor({ timeout: 15_000 });
  assert.match(await page.getByTestId("instances-stale").innerText(), /from \d+(\.\d)? s ago/);
  assert.equal(await page.getByTestId("instances-age").getAttribute("data-kind"), "stale");
  assert.ok(await single.isVisible(), "the last answer stays on screen, marked stale");
  assert.equal(maxInFlight, 1);
  assert.deepEqual(errors, []);
  await page.close();
});
