// The timeline page in Chromium shows the FULL resync of a newly attached replica as it happens,
// and the replica's node page tells the same story in its sync panel.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { Browser } from "playwright-core";
import { startRedis, type LocalRedis } from "../../lib/redis/local-server";
import { launchChromium, loginInBrowser } from "../support/browser";
import { startServer, type ServerProcess } from "../support/server";
import { cli, FAST_SYNC, startTopology, type Topology } from "../support/topology";

let topo: Topology;
let server: ServerProcess;
let browser: Browser;
let late: LocalRedis | undefined;

before(async () => {
  topo = await startTopology({ replicas: 1 });
  await cli(topo.master.port, "EVAL", "for i=1,5000 do redis.call('SET','k:'..i,'v') end return 1", "0");
  server = await startServer({ REPLSCOPE_SEEDS: `redis://127.0.0.1:${topo.master.port}` });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await late?.stop();
  await topo?.stop();
});

test("a newly attached replica's FULL resync appears on the timeline live", async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await loginInBrowser(page, server.url);
  await page.goto(`${server.url}/timeline`);
  await page.getByTestId("timeline").waitFor();
  await page.evaluate(() => ((window as unknown as { __marker: number }).__marker = 7));

  late = await startRedis({ args: FAST_SYNC });
  await cli(late.port, "REPLICAOF", topo.master.host, String(topo.master.port));
  const line = page.getByTestId("timeline").locator('li[data-kind="sync:full-resync"]').filter({ hasText: late.id });
  await line.waitFor({ timeout: 15_000 });
  const text = (await line.textContent()) ?? "";
  assert.match(text, /new replica/);
  // The key count comes from the replica's log ("Done loading RDB, keys loaded"); on a busy machine
  // the episode can close before the tail reads that line, and then the text leaves it out rather
  // than guess. When it is there it must be right.
  if (/loaded/.test(text)) assert.match(text, /loaded 5,000 keys/);
  else assert.match(text, /back online/);
  assert.equal(await page.evaluate(() => (window as unknown as { __marker?: number }).__marker), 7, "arrived without a reload");

  await page.getByTestId("filter-kind").selectOption("sync");
  assert.ok((await page.getByTestId("timeline").locator("li").count()) >= 1);
  const kinds = await page.getByTestId("timeline").locator("li").evaluateAll((lis) => lis.map((li) => li.getAttribute("data-kind") ?? ""));
  assert.ok(kinds.every((k) => k.startsWith("sync:")), `only sync events: ${kinds.join(",")}`);

  await page.goto(`${server.url}/nodes/${encodeURIComponent(late.id)}`);
  await page.getByTestId("last-resync-detail").filter({ hasText: "FULL" }).waitFor({ timeout: 10_000 });
  assert.match((await page.getByTestId("last-resync-detail").textContent()) ?? "", /new replica/);
  await page.getByTestId("log-pane").waitFor({ timeout: 10_000 });
  await page.close();
});
