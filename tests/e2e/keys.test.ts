// Log in with a real browser, open a key and see it on master and replicas side by side (the
// writable replica's change highlighted), then run a compare and watch its progress bar finish.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import Redis from "ioredis";
import type { Browser } from "playwright-core";
import { encodeKey } from "../../lib/keys/codec";
import { startRedis, type LocalRedis } from "../../lib/redis/local-server";
import { launchChromium, loginInBrowser } from "../support/browser";
import { startServer, type ServerProcess } from "../support/server";
import { cli, FAST_SYNC, startTopology, type Topology } from "../support/topology";
import { waitFor } from "../support/wait";

let topo: Topology;
let writable: LocalRedis;
let server: ServerProcess;
let browser: Browser;

before(async () => {
  topo = await startTopology({ replicas: 1 });
  writable = await startRedis({ args: [...FAST_SYNC, "--replica-read-only", "no"], replicaOf: { host: topo.master.host, port: topo.master.port } });
  await waitFor("writable replica linked", () => cli(writable.port, "INFO", "replication"), (o) => o.includes("master_link_status:up"), 15_000);
  const m = new Redis({ port: topo.master.port, host: "127.0.0.1" });
  const p = m.pipeline();
  for (let i = 0; i < 3000; i++) p.set(`user:${i}:name`, `user-${i}`);
  p.hset("order:7", { id: "7", status: "paid" });
  p.set("cfg:json", JSON.stringify({ retries: 3, hosts: ["a", "b"] }));
  await p.exec();
  await m.call("WAIT", "2", "5000");
  m.disconnect();
  const w = new Redis({ port: writable.port, host: "127.0.0.1" });
  await w.hset("order:7", "status", "refunded");
  w.disconnect();
  server = await startServer({ REPLSCOPE_SEEDS: `redis://127.0.0.1:${topo.master.port}`, REPLSCOPE_POLL_MS: "100" });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await writable?.stop();
  await topo?.stop();
});

test("open a key and see master and replicas side by side", async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await loginInBrowser(page, server.url);
  await waitFor("3 nodes up", async () => (await page.request.get(`${server.url}/api/topology`)).json() as Promise<{ topologies: { nodes: { status: string }[] }[] }>, (b) => b.topologies[0]?.nodes.filter((n) => n.status === "up").length === 3, 15_000, 200);
  await page.goto(`${server.url}/keys?node=${encodeURIComponent(topo.master.id)}`);
  await page.getByTestId("key-row").first().waitFor({ timeout: 10_000 });
  // Pages carry names only; the rows in view are described (type, TTL, size) shortly after.
  await page.locator('[data-testid="key-row"][data-state="described"]').first().waitFor({ timeout: 10_000 });
  const typed = await page.locator('[data-testid="key-row"][data-state="described"]').first().getAttribute("data-type");
  assert.ok(typed === "string" || typed === "hash", `described type ${typed}`);
  // Virtualised: thousands of keys listed, only a screenful of rows in the DOM.
  await page.getByTestId("scan-bulk").click();
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="key-list"]')?.getAttribute("data-rows")) >= 3002, undefined, { timeout: 15_000 });
  assert.ok((await page.getByTestId("key-row").count()) < 100);

  await page.getByTestId("pattern").fill("order:7");
  await page.getByTestId("scan").click();
  await page.locator('[data-testid="key-row"][data-key="order:7"][data-type="hash"]').waitFor({ timeout: 10_000 });
  await page.locator('[data-testid="key-row"][data-key="order:7"]').click();
  await page.getByTestId("key-name").filter({ hasText: "order:7" }).waitFor();
  assert.equal(await page.getByTestId("key-panel").getAttribute("data-type"), "hash");
  // The same value also shows in the side-by-side columns below: look in the key's own panel.
  await page.getByTestId("key-value").getByText("paid").waitFor();

  const sbs = page.getByTestId("side-by-side");
  await sbs.waitFor({ timeout: 10_000 });
  assert.equal(await sbs.getAttribute("data-equal"), "false");
  assert.equal(await page.getByTestId(`column-${topo.master.id}`).getAttribute("data-verdict"), "master");
  assert.equal(await page.getByTestId(`column-${topo.replicas[0]!.id}`).getAttribute("data-verdict"), "same");
  const w = page.getByTestId(`column-${writable.id}`);
  assert.equal(await w.getAttribute("data-verdict"), "different");
  await w.getByTestId("writable-badge").waitFor();
  await w.getByText("refunded").waitFor();

  // A delete on the read-only replica is refused by Redis, and the dialog says so verbatim.
  await page.getByTestId("action-delete").click();
  await page.getByTestId("action-node").selectOption(topo.replicas[0]!.id);
  await page.getByTestId("confirm-action").click();
  await page.getByTestId("action-error").filter({ hasText: "READONLY You can't write against a read only replica" }).waitFor({ timeout: 5000 });
  assert.deepEqual(errors, []);
  await page.close();
});

test("tree view: folders counted by the server step by step; a folder opens to its keys", async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await loginInBrowser(page, server.url);
  await page.goto(`${server.url}/keys?node=${encodeURIComponent(topo.master.id)}`);
  await page.getByTestId("key-row").first().waitFor({ timeout: 10_000 });
  await page.getByTestId("view-mode").click();
  await page.locator('[data-testid="tree-status"][data-state="done"]').waitFor({ timeout: 15_000 });
  assert.match(await page.getByTestId("tree-status").innerText(), /one SCAN pass/);
  const users = page.locator('[data-testid="tree-folder"][data-prefix="user:"]');
  assert.equal(await users.getAttribute("data-count"), "3000");
  assert.equal(await users.getAttribute("data-about"), "false");
  assert.match(await users.innerText(), /3,000/);
  await page.locator('[data-testid="tree-folder"][data-prefix="order:"]').click();
  const order = page.locator('[data-testid="key-row"][data-key="order:7"]');
  await page.locator('[data-testid="key-row"][data-key="order:7"][data-type="hash"]').waitFor({ timeout: 10_000 });
  await order.click();
  // user: holds 3000 distinct folders (a step lists at most 1,000 and counts the rest's keys):
  // over a thousand rows, a screenful of them in the DOM.
  await users.click();
  await page.locator('[data-testid="tree-folder"][data-prefix^="user:"]:not([data-prefix="user:"])').first().waitFor({ timeout: 10_000 });
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="key-tree"]')?.getAttribute("data-rows")) >= 1004, undefined, { timeout: 10_000 });
  assert.ok((await page.getByTestId("tree-folder").count()) < 100);
  await page.getByTestId("key-name").filter({ hasText: "order:7" }).waitFor();
  assert.deepEqual(errors, []);
  await page.close();
});

test("run a compare and watch the progress bar finish", async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await loginInBrowser(page, server.url);
  await page.goto(`${server.url}/compare`);
  await page.getByTestId("writable-badge").waitFor({ timeout: 10_000 });
  await page.getByTestId("compare-rate").fill("5000"); // slow enough to see it run
  await page.getByTestId("compare-start").click();
  await page.locator('[data-testid="compare-report"][data-status="running"]').waitFor({ timeout: 5000 });
  const seen = new Set<number>();
  await waitFor(
    "progress bar at 100 and done",
    async () => {
      seen.add(Number(await page.getByTestId("compare-progress").getAttribute("data-value")));
      return page.getByTestId("compare-report").getAttribute("data-status");
    },
    (s) => s === "done",
    30_000,
    100,
  );
  assert.equal(await page.getByTestId("compare-progress").getAttribute("data-value"), "100");
  assert.ok([...seen].some((v) => v > 0 && v < 100), `intermediate progress seen: ${[...seen].join(",")}`);
  assert.equal(await page.getByTestId("compare-differences").textContent(), "1");
  const row = page.getByTestId("difference-row");
  assert.equal(await row.count(), 1);
  assert.equal(await row.getAttribute("data-kind"), "value");
  await row.getByText("order:7").waitFor();
  await page.close();
});

test("a 20 KB key name opens, takes a TTL and is deleted from the UI; a bidi name shows escaped", async () => {
  const m = new Redis({ port: topo.master.port, host: "127.0.0.1" });
  const long = `long:${"k".repeat(20 * 1024)}`;
  await m.set(long, "long-named value");
  await m.set("\u202Egnp.exe", "x");
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  const refused: string[] = [];
  page.on("response", (r) => {
    if (r.status() >= 400) refused.push(`${r.status()} ${r.request().method()} ${r.url().slice(0, 120)}`);
  });
  try {
    await loginInBrowser(page, server.url);
    await page.goto(`${server.url}/keys?node=${encodeURIComponent(topo.master.id)}`);
    await page.getByTestId("pattern").fill("long:*");
    await page.getByTestId("scan").click();
    await page.locator('[data-testid="key-row"][data-key^="long:"]').click();
    await page.getByTestId("key-value").getByText("long-named value").waitFor({ timeout: 10_000 });
    await page.getByTestId("side-by-side").waitFor({ timeout: 10_000 });

    await page.getByTestId("action-ttl").click();
    await page.getByTestId("action-ttl-value").fill("600");
    await page.getByTestId("confirm-action").click();
    await waitFor("TTL set", () => m.ttl(long), (t) => t > 500, 5000);
    await page.getByTestId("action-delete").click();
    await page.getByTestId("confirm-action").click();
    await waitFor("key deleted", () => m.exists(long), (n) => n === 0, 5000);
    // The listed row is described again: the key is gone, not "0 bytes".
    await page.locator('[data-testid="key-row"][data-key^="long:"][data-state="gone"]').waitFor({ timeout: 5000 });

    await page.getByTestId("pattern").fill("*gnp.exe");
    const row = page.locator(`[data-testid="key-row"][data-key="${encodeKey(Buffer.from("\u202Egnp.exe"))}"]`);
    // The list refresh that follows the delete can land after this scan's answer: scan again
    // until the row shows (a condition, not a sleep).
    for (let attempt = 0; ; attempt++) {
      await page.getByTestId("scan").click();
      try {
        await row.waitFor({ timeout: 5_000 });
        break;
      } catch (err) {
        if (attempt >= 3) throw err;
      }
    }
    const shown = await row.innerText();
    assert.ok(shown.includes("\\u202egnp.exe") && !shown.includes("\u202E"), shown.slice(0, 200));
    await row.click();
    await page.getByTestId("key-name").filter({ hasText: "\\u202egnp.exe" }).waitFor();
    await page.getByTestId("action-delete").click();
    const dialog = await page.getByTestId("confirm-dialog").innerText();
    assert.ok(dialog.includes("\\u202egnp.exe") && !dialog.includes("\u202E"), dialog.slice(0, 300));
    // The only refusal: re-reading the deleted key (404). No 431 for the long name anywhere.
    assert.deepEqual(refused.filter((r) => !r.startsWith("404 POST")), []);
    assert.deepEqual(errors, []);
  } finally {
    await m.del(long, "\u202Egnp.exe");
    m.disconnect();
    await page.close();
  }
});
