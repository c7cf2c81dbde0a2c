// What a hostile node reports, as the operator sees it in a browser: a fake replica (registered
// through REPLCONF) naming /proc/self/environ as its log gets a node page saying why the log is not
// read, and a replica pointing at an address that never answers says so on its card.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { Browser } from "playwright-core";
import { startRedis, stopAll, type LocalRedis } from "../../lib/redis/local-server";
import { launchChromium, loginInBrowser } from "../support/browser";
import { announceReplica, startFakeRedis, type FakeRedis } from "../support/fake-redis";
import { startServer, TEST_PASSWORD, type ServerProcess } from "../support/server";
import { FAST_SYNC, startTopology, type Topology } from "../support/topology";

let topo: Topology;
let lost: LocalRedis;
let fake: FakeRedis;
let unannounce: () => Promise<void>;
let server: ServerProcess;
let browser: Browser;

before(async () => {
  topo = await startTopology({ replicas: 1 });
  fake = await startFakeRedis({ masterOf: topo.master, config: { logfile: "/proc/self/environ", dir: "/" } });
  unannounce = await announceReplica(topo.master, { ip: fake.host, port: fake.port });
  lost = await startRedis({ args: [...FAST_SYNC, "--replicaof", "127.0.0.1", "1"] });
  server = await startServer({ REPLSCOPE_SEEDS: `redis://127.0.0.1:${topo.master.port},redis://127.0.0.1:${lost.port}` });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await unannounce?.();
  await fake?.stop();
  await stopAll(lost ? [lost] : []);
  await topo?.stop();
});

test("the fake node's page says why its log is not read; a replica says where it points", async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await loginInBrowser(page, server.url);
  const note = page.getByTestId(`node-${lost.id}`).getByTestId("peer-note");
  await note.filter({ hasText: "points at 127.0.0.1:1, which does not answer" }).waitFor({ timeout: 15_000 });
  assert.equal(await page.getByTestId("node-127.0.0.1:1").count(), 0, "the dead address is no card");

  await page.goto(`${server.url}/nodes/${encodeURIComponent(fake.id)}`);
  const refusal = page.getByTestId("log-unreadable");
  await refusal.filter({ hasText: "which replscope never reads as a log" }).waitFor({ timeout: 15_000 });
  const text = (await refusal.textContent()) ?? "";
  assert.match(text, /\/proc\/\d+\/environ is under \/proc/);
  assert.ok(!(await page.content()).includes(TEST_PASSWORD), "no secret on the page");
  await page.close();
});
