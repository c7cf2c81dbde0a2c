// The compare runner is built and closed by server.ts. Closing it (shutdown) stops a running job
// and leaves its report as a crash would: the next start reads it back "interrupted" with its
// progress, not "cancelled" as if an operator had stopped it.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Redis from "ioredis";
import { CompareRunner } from "../../lib/compare/runner";
import type { CompareSummary } from "../../lib/compare/report";
import { MonitorHub } from "../../lib/monitor/hub";
import { openStore } from "../../lib/store";
import { startTopology, testConfig, type Topology } from "../support/topology";
import { waitFor } from "../support/wait";

let topo: Topology;
let hub: MonitorHub;
const dataDir = mkdtempSync(path.join(tmpdir(), "replscope-compare-shutdown-"));

before(async () => {
  topo = await startTopology({ replicas: 1 });
  const w = new Redis({ host: topo.master.host, port: topo.master.port });
  const p = w.pipeline();
  for (let i = 0; i < 3000; i++) p.set(`k:${i}`, String(i));
  await p.exec();
  w.disconnect();
  hub = new MonitorHub([testConfig([topo.master])]);
  hub.start();
  await waitFor("2 nodes up", () => hub.get("t")?.views() ?? [], (vs) => vs.length === 2 && vs.every((v) => v.status === "up"), 15_000);
});
after(async () => {
  hub.stop();
  await topo.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test("close() stops a running job; the next runner reads it back interrupted", async () => {
  const updates: CompareSummary[] = [];
  const store = await openStore({ dataDir });
  const runner = await CompareRunner.open({ hub, reports: store.compare, onUpdate: (s) => updates.push(s) });
  // Slow on purpose (3000 keys at 200 keys/s): still running when closed.
  const started = await runner.start({ db: 0, maxKeysPerSec: 200 });
  assert.ok("id" in started, JSON.stringify(started));
  const { id } = started;
  await waitFor("some keys scanned", () => runner.get(id), (r) => r !== null && r.scanned > 0 && r.status === "running");
  assert.ok(updates.some((u) => u.id === id && u.status === "running"), "onUpdate heard the running job");
  await runner.close();
  assert.equal(runner.isRunning(id), false);
  const refused = await runner.start({ db: 0 });
  assert.ok("status" in refused && refused.status === 503, "a closed runner starts nothing");

  await store.close();
  const reopened = await openStore({ dataDir });
  const next = await CompareRunner.open({ hub, reports: reopened.compare });
  const report = await next.get(id);
  await reopened.close();
  assert.equal(report?.status, "interrupted");
  assert.ok((report?.scanned ?? 0) > 0, "the progress made before shutdown is kept");
});
