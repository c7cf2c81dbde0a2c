// Several instances in a real browser: Chromium on the instance that does NOT poll "shop" sees
// shop's role changes, which the other instance observed; after kill -9 of that instance the page
// shows shop's figures as last-seen, then live again from the surviving instance that took it over.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import type { Browser } from "playwright-core";
import { readLeases } from "../../lib/fleet/coordination";
import { startRedis, stopAll, type LocalRedis } from "../../lib/redis/local-server";
import { launchChromium, loginInBrowser } from "../support/browser";
import { startServer, type ServerProcess } from "../support/server";
import { cli, startTopology, type Topology } from "../support/topology";
import { waitFor } from "../support/wait";
import { createTestDatabase } from "../support/pg";

let coord: LocalRedis;
let other: LocalRedis;
let shop: Topology;
let browser: Browser;
let configDir: string;
let coordRedis: Redis;
const servers = new Map<string, ServerProcess>();
let configFile = "";
let db: Awaited<ReturnType<typeof createTestDatabase>>;
const envFor = (id: string): Record<string, string> => ({
  REPLSCOPE_DATABASE_URL: db.url,
  REPLSCOPE_COORDINATION_URL: `redis://127.0.0.1:${coord.port}`,
  REPLSCOPE_POLL_MS: "100",
  REPLSCOPE_CONFIG: configFile,
  REPLSCOPE_INSTANCE_ID: id,
});

before(async () => {
  db = await createTestDatabase("replscope_e2e_fleet");
  coord = await startRedis();
  other = await startRedis();
  shop = await startTopology({ replicas: 1 });
  coordRedis = new Redis({ host: "127.0.0.1", port: coord.port, maxRetriesPerRequest: 1 });
  configDir = mkdtempSync(path.join(tmpdir(), "replscope-e2e-fleet-"));
  const file = path.join(configDir, "fleet.json");
  writeFileSync(file, JSON.stringify({ topologies: [{ name: "shop", seeds: [`redis://127.0.0.1:${shop.master.port}`] }, { name: "other", seeds: [`redis://127.0.0.1:${other.port}`] }] }));
  configFile = file;
  for (const id of ["a", "b"]) servers.set(id, await startServer(envFor(id)));
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await Promise.all([...servers.values()].map((s) => s.stop()));
  coordRedis?.disconnect();
  await shop?.stop();
  await stopAll([coord, other].filter(Boolean));
  rmSync(configDir, { recursive: true, force: true });
  await db?.drop();
});

test("a page on one instance follows a topology the other instance polls, through that instance's death", async () => {
  const owner = await waitFor(
    "shop leased",
    async () => (await readLeases(coordRedis, ["shop", "other"])).find((l) => l.topology === "shop")?.owner,
    (o) => o === "a" || o === "b",
    30_000,
  );
  const viewer: string = owner === "a" ? "b" : "a";
  assert.ok(owner);
  const page = await browser.newPage();
  await loginInBrowser(page, servers.get(viewer)!.url);
  await page.goto(`${servers.get(viewer)!.url}/`);
  const replica = page.getByTestId(`node-127.0.0.1:${shop.replicas[0]!.port}`);
  await replica.waitFor({ timeout: 20_000 });
  assert.equal(await replica.getAttribute("data-role"), "replica");

  await cli(shop.replicas[0]!.port, "REPLICAOF", "NO", "ONE");
  await waitFor("promotion on the page", () => replica.getAttribute("data-role"), (r) => r === "master", 15_000);

  // The instance polling shop dies: its last figures turn last-seen, then the survivor polls shop.
  servers.get(owner)!.child.kill("SIGKILL");
  await page.getByTestId("last-seen").first().waitFor({ timeout: 15_000 });
  await waitFor("shop taken over by the survivor", async () => (await readLeases(coordRedis, ["shop"]))[0]?.owner, (o) => o === viewer, 20_000);
  await cli(shop.replicas[0]!.port, "REPLICAOF", "127.0.0.1", String(shop.master.port));
  await waitFor("demotion on the page, polled by the survivor", () => replica.getAttribute("data-role"), (r) => r === "replica", 20_000);
  await waitFor("no figure left as last-seen", () => page.getByTestId("last-seen").count(), (n) => n === 0, 15_000);
  await page.close();
});

test("a node page opened on an instance that does not poll the node shows its live detail", async () => {
  const survivor = [...servers.entries()].find(([, s]) => s.child.exitCode === null && s.child.signalCode === null)!;
  const page = await browser.newPage();
  await loginInBrowser(page, survivor[1].url);
  // "other" is polled by the survivor now; "shop" too: restart the killed instance so one is elsewhere.
  const revived = [...servers.keys()].find((id) => id !== survivor[0])!;
  const old = servers.get(revived)!;
  await old.stop();
  servers.set(revived, await startServer({ ...envFor(revived) }));
  const target = await waitFor(
    "a topology polled by the revived instance",
    async () => (await readLeases(coordRedis, ["shop", "other"])).find((l) => l.owner === revived),
    (l) => l !== undefined,
    30_000,
  );
  const node = target!.topology === "shop" ? `127.0.0.1:${shop.master.port}` : `127.0.0.1:${other.port}`;
  await page.goto(`${survivor[1].url}/nodes/${encodeURIComponent(node)}?topology=${target!.topology}`);
  const detail = page.getByTestId("node-detail");
  await detail.waitFor({ timeout: 20_000 });
  assert.equal(await detail.getAttribute("data-status"), "up");
  await waitFor("the detail is live", () => page.getByTestId("node-freshness").getAttribute("data-live"), (v) => v === "true", 15_000);
  assert.equal(await page.getByTestId("stale-banner").count(), 0);
  // The instance feeding the page dies: the figures turn last-seen, then the survivor feeds them.
  servers.get(revived)!.child.kill("SIGKILL");
  await page.getByTestId("stale-banner").waitFor({ timeout: 15_000 });
  assert.match((await page.getByTestId("stale-banner").textContent()) ?? "", /last seen at .* not current/);
  await waitFor("fed again by the survivor", () => page.getByTestId("stale-banner").count(), (n) => n === 0, 30_000);
  await page.close();
});
