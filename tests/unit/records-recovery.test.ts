// After a crash (kill -9, power loss) the store holds records still marked "running". The next
// process marks them "interrupted" before it does anything else, keeping what was done. The
// records here are written exactly as the running process writes them, by a store that is then
// closed; a second open of the same data dir plays the next process.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { emptyCounts, type CompareReport } from "../../lib/compare/report";
import { CompareRunner } from "../../lib/compare/runner";
import { ReportStore } from "../../lib/compare/store";
import { DrillManager } from "../../lib/drills/runner";
import { DrillStore } from "../../lib/drills/store";
import type { Drill } from "../../lib/drills/types";
import { MonitorHub } from "../../lib/monitor/hub";
import { openStore, type Store } from "../../lib/store";

const stores: Store[] = [];
after(async () => {
  for (const s of stores) await s.close();
});
async function open(dataDir: string): Promise<Store> {
  const s = await openStore({ dataDir });
  stores.push(s);
  return s;
}

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), "replscope-recovery-"));
  dirs.push(d);
  return d;
}

function runningReport(id: string): CompareReport {
  const counts = emptyCounts();
  counts.value = 2;
  return {
    id, topology: "main", master: "127.0.0.1:7000", replicas: [], match: null, db: 0, status: "running", phase: "master",
    startedAt: Date.now() - 5000, finishedAt: null, scanned: 1200, total: 6000, compared: 1000, keysPerSec: 100, etaSeconds: 48, counts,
    resolvedOnRecheck: 0, truncated: false, maxKeysPerSec: 100, error: null,
    differences: [
      { key: "a", display: "a", kind: "value", node: "127.0.0.1:7001", detail: "length 1 on master, 2 on replica" },
      { key: "b", display: "b", kind: "value", node: "127.0.0.1:7001", detail: "same length (3), different content" },
    ],
  };
}

test("a compare left running by a crash reads back interrupted, with its progress and differences; it can be deleted", async () => {
  const dataDir = tempDir();
  const crashed = await open(dataDir);
  const lastCheckpoint = Date.now() - 1000;
  await crashed.compare.save(runningReport("00000000000000aa"), lastCheckpoint);
  const done = { ...runningReport("00000000000000bb"), status: "done" as const, phase: "finished" as const, finishedAt: Date.now() };
  await new ReportStore(crashed.compare).save(done);
  await crashed.close();

  const runner = await CompareRunner.open({ hub: new MonitorHub([]), reports: (await open(dataDir)).compare });
  const r = await runner.get("00000000000000aa");
  assert.equal(r?.status, "interrupted");
  assert.equal(r?.phase, "finished");
  assert.equal(r?.scanned, 1200);
  assert.equal(r?.differences.length, 2);
  assert.equal(r?.etaSeconds, null);
  assert.equal(r?.finishedAt, lastCheckpoint, "it ended when its last checkpoint was written");
  assert.match(r?.error ?? "", /interrupted: .*master phase, after 1200 of 6000 keys scanned and 2 differences confirmed/);
  assert.deepEqual((await runner.list()).map((s) => s.status).sort(), ["done", "interrupted"]);
  assert.equal((await runner.get("00000000000000bb"))?.status, "done", "finished reports are left alone");
  assert.equal(runner.isRunning("00000000000000aa"), false);
  assert.equal(await runner.remove("00000000000000aa"), true);
  assert.equal(await runner.get("00000000000000aa"), null);
  assert.equal(await runner.remove("00000000000000aa"), false);
});

test("a drill left running by a crash reads back interrupted, naming the commands it had sent", async () => {
  const dir = tempDir();
  const crashed = await open(dir);
  const drill: Drill = {
    id: "6f1d2c3b-0000-4000-8000-000000000001", topology: "main", scenario: "promote", target: "127.0.0.1:7001", options: {}, user: "otto",
    status: "running", startedAt: Date.now() - 2000, endedAt: null, touches: ["127.0.0.1:7000", "127.0.0.1:7001"], events: [], report: null, error: null,
    steps: [
      { at: Date.now() - 2000, name: "start", status: "info", detail: "promote on main" },
      { at: Date.now() - 1400, name: "promote", status: "ok", detail: "REPLICAOF NO ONE on 127.0.0.1:7001", command: true },
      { at: Date.now() - 1300, name: "re-point", status: "started", detail: "REPLICAOF 127.0.0.1 7001 on 127.0.0.1:7002", command: true },
    ],
  };
  // As the runner writes it: the saver of a running drill, one commit per step.
  const save = new DrillStore(crashed.drills).saver();
  await save({ ...drill, steps: drill.steps.slice(0, 2) });
  await save(drill);
  const quiet: Drill = { ...drill, id: "6f1d2c3b-0000-4000-8000-000000000002", steps: drill.steps.slice(0, 1) };
  await new DrillStore(crashed.drills).save(quiet);
  await crashed.close();

  const store = await open(dir);
  const manager = await DrillManager.open(new MonitorHub([]), new DrillStore(store.drills));
  const d = await manager.get(drill.id);
  assert.equal(d?.status, "interrupted");
  assert.ok(d?.endedAt);
  const last = d?.steps.at(-1);
  assert.equal(last?.name, "interrupted");
  assert.match(last?.detail ?? "", /commands sent: REPLICAOF NO ONE on 127\.0\.0\.1:7001; REPLICAOF 127\.0\.0\.1 7001 on 127\.0\.0\.1:7002 \(no answer recorded: it may have run\)/);
  assert.match(d?.error ?? "", /^interrupted: /);
  assert.equal(d?.steps.length, 4, "the steps done are kept");
  assert.match((await manager.get(quiet.id))?.steps.at(-1)?.detail ?? "", /no command had been sent/);
  assert.deepEqual((await manager.list()).map((x) => x.status), ["interrupted", "interrupted"]);
  // Recovery runs once: a second process start finds nothing left to mark.
  assert.deepEqual(await new DrillStore(store.drills).recoverInterrupted(), []);
});
