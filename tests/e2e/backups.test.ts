// The backup catalogue from the browser: "Back up now" on the suggested node (a replica first),
// the row turns done with its position and check without a reload, the file downloads, and a
// delete goes through the confirmation dialog.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser } from "playwright-core";
import { localRedisRoot } from "../../lib/redis/local-server";
import { launchChromium, loginInBrowser } from "../support/browser";
import { startServer, type ServerProcess } from "../support/server";
import { cli, startTopology, type Topology } from "../support/topology";

let topo: Topology;
let server: ServerProcess;
let browser: Browser;
let dir: string;

before(async () => {
  topo = await startTopology({ replicas: 1 });
  for (let i = 0; i < 5; i++) await cli(topo.master.port, "SET", `k${i}`, "v");
  await cli(topo.master.port, "WAIT", "1", "5000");
  dir = mkdtempSync(path.join(tmpdir(), "replscope-e2e-backups-"));
  const configFile = path.join(dir, "config.json");
  writeFileSync(configFile, JSON.stringify({ backupSourceDirs: [localRedisRoot()], topologies: [{ name: "main", seeds: [`redis://127.0.0.1:${topo.master.port}`] }] }));
  server = await startServer({ REPLSCOPE_CONFIG: configFile });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await topo?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("back up a replica from the page, download it, delete it", async () => {
  const page = await browser.newPage({ acceptDownloads: true });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await loginInBrowser(page, server.url);
  await page.goto(`${server.url}/backups`);
  const picker = page.getByTestId("backup-node");
  // The replica is suggested first, once the live map knows the roles.
  await page.waitForFunction((id) => (document.querySelector('[data-testid="backup-node"] option') as HTMLOptionElement | null)?.textContent?.startsWith(`${id} · replica`) ?? false, topo.replicas[0]!.id, { timeout: 20_000 });
  assert.match((await picker.locator("option").first().textContent()) ?? "", /replica/);
  await page.getByTestId("backup-now").click();
  const row = page.locator('[data-testid="backup-row"][data-status="done"]');
  await row.waitFor({ timeout: 30_000 });
  const text = (await row.textContent()) ?? "";
  assert.ok(text.includes(topo.replicas[0]!.id), text);
  assert.match(text, /ok · 5 keys/);
  assert.match(text, /[0-9a-f]{8}… @ \d+/, "position shown as replid @ offset");

  const [download] = await Promise.all([page.waitForEvent("download"), row.getByTestId("backup-download").click()]);
  assert.match(download.suggestedFilename(), /^replscope-127\.0\.0\.1_\d+-.*\.rdb$/);

  await row.getByTestId("backup-delete").click();
  await page.getByTestId("confirm-dialog").getByRole("button", { name: "Delete" }).click();
  await page.getByTestId("backups-empty").waitFor({ timeout: 10_000 });
  assert.deepEqual(errors, []);
  await page.close();
});
