// Every page fits a phone (390 px), a tablet (768 px) and a desktop (1440 px) with no page-level
// sideways scroll: wide content (a tree of five nodes, five side-by-side columns, log tables)
// scrolls inside its own panel. And unknown pages get the dashboard's 404 page.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { startFluentdWriter } from "../../lib/demo/fluentd";
import { writeSampleData } from "../../lib/demo/sample-data";
import { launchChromium, loginInBrowser } from "../support/browser";
import { startServer, type ServerProcess } from "../support/server";
import { startTopology, type Topology } from "../support/topology";
import { waitFor } from "../support/wait";

const WIDTHS = [390, 768, 1440];

let topo: Topology;
let server: ServerProcess;
let browser: Browser;
let stopFluentd: () => Promise<void>;

before(async () => {
  // Five nodes: the overview's tree and the keys page's side-by-side columns at their widest.
  topo = await startTopology({ replicas: 3, chained: 1 });
  await writeSampleData(topo.master.port);
  stopFluentd = startFluentdWriter(topo.master.port);
  server = await startServer({ REPLSCOPE_SEEDS: `redis://127.0.0.1:${topo.master.port}`, REPLSCOPE_POLL_MS: "100" });
  browser = await launchChromium();
});

after(async () => {
  await stopFluentd?.();
  await browser?.close();
  await server?.stop();
  await topo?.stop();
});

/** Each page with what shows that its data has arrived (widths only mean something then). */
function pages(): { path: string; ready: (page: Page) => Promise<unknown> }[] {
  const master = encodeURIComponent(topo.master.id);
  const chained = topo.chained[0]!;
  const columns = (page: Page) => waitFor("5 side-by-side columns", () => page.locator('[data-testid^="column-"][data-verdict]').count(), (n) => n === topo.all.length, 15_000, 100);
  return [
    { path: "/", ready: (page) => page.getByTestId(`node-${chained.id}`).waitFor({ timeout: 15_000 }) },
    { path: `/nodes/${encodeURIComponent(chained.id)}`, ready: (page) => page.getByTestId("sync-panel").waitFor({ timeout: 10_000 }) },
    { path: `/nodes/${master}`, ready: (page) => page.getByTestId("replica-table").waitFor({ timeout: 10_000 }) },
    { path: `/keys?node=${master}&key=leaderboard`, ready: async (page) => (await page.getByTestId("value-zset").first().waitFor({ timeout: 10_000 }), columns(page)) },
    { path: `/keys?node=${master}&key=${encodeURIComponent("events:stream")}`, ready: async (page) => (await page.getByTestId("value-stream").first().waitFor({ timeout: 10_000 }), columns(page)) },
    { path: "/timeline", ready: (page) => page.getByTestId("event-list").waitFor({ timeout: 10_000 }) },
    { path: "/compare", ready: (page) => page.getByTestId("compare-start").waitFor({ timeout: 10_000 }) },
    { path: "/drills", ready: (page) => page.getByTestId("drills-page").waitFor({ timeout: 10_000 }) },
    { path: "/audit", ready: (page) => page.getByTestId("audit-table").waitFor({ timeout: 10_000 }) },
    { path: "/instances", ready: (page) => page.getByTestId("instances-single").waitFor({ timeout: 10_000 }) },
    { path: "/backups", ready: (page) => page.getByTestId("schedule-form").waitFor({ timeout: 10_000 }) },
    { path: `/fluentd?node=${master}`, ready: (page) => page.getByTestId("fluentd-tag").first().waitFor({ timeout: 10_000 }) },
  ];
}

test("every page fits 390, 768 and 1440 px without sideways page scroll", async () => {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await loginInBrowser(page, server.url);
  await waitFor("5 nodes up", async () => (await page.request.get(`${server.url}/api/topology`)).json() as Promise<{ topologies: { nodes: { status: string }[] }[] }>, (b) => b.topologies[0]?.nodes.filter((n) => n.status === "up").length === 5, 15_000, 200);

  const tooWide: string[] = [];
  for (const { path, ready } of pages()) {
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      await page.goto(`${server.url}${path}`);
      await ready(page);
      const { scrollWidth, innerWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
      if (scrollWidth > innerWidth) tooWide.push(`${path} at ${width} px is ${scrollWidth} px wide`);
    }
  }
  assert.deepEqual(tooWide, []);
  assert.deepEqual(errors, []);
  await page.close();
});

test("unknown pages, nodes and drills get the 404 page, with the dashboard header once", async () => {
  const page = await browser.newPage({ viewport: { width: 390, height: 900 } });
  await loginInBrowser(page, server.url);
  for (const [path, title] of [
    ["/nonexistent", "Page not found"],
    [`/nodes/${encodeURIComponent("does-not-exist:1")}`, "No such node"],
    ["/drills/00000000-0000-4000-8000-000000000000", "No such drill"],
  ] as const) {
    const res = await page.goto(`${server.url}${path}`);
    assert.equal(res?.status(), 404, path);
    await page.getByTestId("not-found").filter({ hasText: title }).waitFor({ timeout: 10_000 });
    assert.equal(await page.getByTestId("main-nav").count(), 1, `${path}: one header`);
    const { scrollWidth, innerWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
    assert.ok(scrollWidth <= innerWidth, `${path}: ${scrollWidth} px wide at ${innerWidth} px`);
  }
  await page.close();
});

test("the favicon is served without a login and linked from every page", async () => {
  const icon = await fetch(`${server.url}/icon.svg`);
  assert.equal(icon.status, 200);
  assert.match(icon.headers.get("content-type") ?? "", /image\/svg\+xml/);
  const html = await (await fetch(`${server.url}/login`)).text();
  assert.match(html, /<link rel="icon" href="\/icon\.svg[^"]*"/);
});
