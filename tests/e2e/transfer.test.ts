// Export/import from the browser: an export started on /transfer turns "done" on the page through
// the socket alone (the page does not poll), and the downloaded file uploaded through the import
// form restores every key into an empty node, the report shown on the page.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Redis from "ioredis";
import type { Browser } from "playwright-core";
import { startRedis, stopAll, type LocalRedis } from "../../lib/redis/local-server";
import { launchChromium, loginInBrowser } from "../support/browser";
import { startServer, TEST_TOKEN, type ServerProcess } from "../support/server";
import { waitFor } from "../support/wait";

let src: LocalRedis;
let dst: LocalRedis;
let server: ServerProcess;
let browser: Browser;
let dir: string;

before(async () => {
  [src, dst] = await Promise.all([startRedis({ args: ["--save", ""] }), startRedis({ args: ["--save", ""] })]);
  const a = new Redis({ port: src.port, host: "127.0.0.1" });
  await a.set("one", "1");
  await a.hset("two", "f", "v");
  await a.rpush("three", "a", "b");
  a.disconnect();
  dir = mkdtempSync(path.join(tmpdir(), "replscope-e2e-transfer-"));
  server = await startServer({ REPLSCOPE_SEEDS: `redis://127.0.0.1:${src.port},redis://127.0.0.1:${dst.port}` });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await stopAll([src, dst].filter(Boolean));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("export on /transfer goes live to done; the file imported through the form restores every key", { timeout: 120_000 }, async () => {
  const page = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await loginInBrowser(page, server.url);
  await page.goto(`${server.url}/transfer`);
  await page.getByTestId("export-node").fill(`127.0.0.1:${src.port}`);
  await page.getByTestId("export-start").click();
  const exported = page.locator('[data-testid="transfer-job"][data-kind="export"][data-status="done"]');
  await exported.waitFor({ timeout: 30_000 });
  assert.match(await exported.getByTestId("transfer-figures").innerText(), /^3 keys/);
  const id = await exported.getAttribute("data-id");
  assert.match(String(id), /^[0-9a-f]{16}$/);

  const file = path.join(dir, "export.rsd");
  const res = await fetch(`${server.url}/api/export/${String(id)}/file`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
  writeFileSync(file, Buffer.from(await res.arrayBuffer()));
  await page.getByTestId("import-file").setInputFiles(file);
  await page.getByTestId("import-node").fill(`127.0.0.1:${dst.port}`);
  await page.getByTestId("import-policy").selectOption("stop");
  await page.getByTestId("import-start").click();
  const imported = page.locator('[data-testid="transfer-job"][data-kind="import"][data-status="done"]');
  await imported.waitFor({ timeout: 30_000 });
  assert.match(await imported.getByTestId("transfer-report").innerText(), /restored 3 · skipped 0 · failed 0 · expired 0/);
  const b = new Redis({ port: dst.port, host: "127.0.0.1" });
  try {
    assert.equal(await waitFor("keys on the target", () => b.dbsize(), (n) => n === 3), 3);
    assert.deepEqual(await b.lrange("three", 0, 10), ["a", "b"]);
  } finally {
    b.disconnect();
  }
  assert.deepEqual(errors, []);
  await page.close();
});
