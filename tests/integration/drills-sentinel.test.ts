// Sentinel-driven drills on a real topology (master, 2 replicas, 3 sentinels with a 1 s
// down-after): SENTINEL FAILOVER, and a master outage (CLIENT PAUSE) that really loses writes:
// writes held by the paused master are acknowledged when the pause ends, then discarded when
// Sentinel turns it into a replica of the new master and it resyncs fully.
import { after, afterEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Redis from "ioredis";
import { DrillManager } from "../../lib/drills/runner";
import { DrillStore } from "../../lib/drills/store";
import type { Drill } from "../../lib/drills/types";
import { MonitorHub } from "../../lib/monitor/hub";
import { openStore, type Store } from "../../lib/store";
import { startSentinels, type Sentinels } from "../support/sentinel";
import { cli, startTopology, testConfig, type Topology } from "../support/topology";
import { waitFor } from "../support/wait";

const dirs: string[] = [];
const stores: Store[] = [];
after(async () => {
  for (const s of stores) await s.close();
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

describe("sentinel drills", () => {
  let topo: Topology | undefined;
  let sentinels: Sentinels | undefined;
  let hub: MonitorHub | undefined;
  afterEach(async () => {
    hub?.stop();
    await sentinels?.stop();
    await topo?.stop();
  });

  async function setup(): Promise<{ manager: DrillManager; hub: MonitorHub; topo: Topology; sentinels: Sentinels }> {
    topo = await startTopology({ replicas: 2 });
    sentinels = await startSentinels(topo.master, { count: 3, downAfterMs: 1000, failoverTimeoutMs: 5000 });
    hub = new MonitorHub([
      testConfig([topo.master], {
        drills: true,
        sentinels: sentinels.sentinels.map((s) => ({ host: s.host, port: s.port, tls: false })),
        sentinelMaster: sentinels.name,
      }),
    ]);
    hub.start();
    const dir = mkdtempSync(path.join(tmpdir(), "replscope-sdrills-"));
    dirs.push(dir);
    const m = hub.get("t")!;
    await waitFor("all online, sentinels up", () => ({ v: m.views(), s: m.sentinelViews() }), ({ v, s }) => v.length === 3 && v.every((n) => n.status === "up" && (n.role === "master" || (n.linkStatus === "up" && !n.resyncing))) && s.length === 3 && s.every((x) => x.status === "up"), 20_000);
    const db = await openStore({ dataDir: dir });
    stores.push(db);
    return { manager: await DrillManager.open(hub, new DrillStore(db.drills)), hub, topo, sentinels };
  }

  const finished = (manager: DrillManager, id: string) =>
    waitFor("drill to finish", () => manager.get(id), (d) => d !== null && d.status !== "running", 90_000, 200) as Promise<Drill>;

  test("SENTINEL FAILOVER: the new master and detection come from Sentinel, the old master rejoins", async () => {
    const s = await setup();
    const drill = await s.manager.start({ topology: "t", scenario: "sentinel", user: "tester" });
    const done = await finished(s.manager, drill.id);
    assert.equal(done.status, "done", `${done.error}\n${done.steps.map((x) => `${x.name}: ${x.detail}`).join("\n")}`);
    const r = done.report!;
    const replicaIds = s.topo.replicas.map((x) => x.id);
    assert.ok(r.newMaster && replicaIds.includes(r.newMaster), `new master ${r.newMaster}`);
    // Sentinel's own view agrees.
    const reply = (await cli(s.sentinels.sentinels[0]!.port, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", s.sentinels.name)).split("\n");
    assert.equal(`${reply[0]}:${reply[1]}`, r.newMaster);
    assert.equal(s.hub.get("t")!.views().find((v) => v.id === s.topo.master.id)?.masterId, r.newMaster, "old master rejoined as a replica");
    assert.ok(done.events.some((e) => e.kind === "sentinel:+switch-master"), "sentinel events are on the drill's timeline");
    assert.ok(r.promoteMs !== null && r.promoteMs > 0);
  });

  test("master outage: Sentinel fails over and the writes the paused master acknowledged are counted as lost", async (t) => {
    const s = await setup();
    const old = s.topo.master;
    // Our own writer aims only at the old master: its acknowledged writes after the pause began
    // prove the loss independently of replscope's canary.
    const own = new Redis({ port: old.port, host: old.host, maxRetriesPerRequest: 0 });
    own.on("error", () => undefined);
    const ownAcked: number[] = [];
    let stop = false;
    const drill = await s.manager.start({ topology: "t", scenario: "outage", user: "tester", options: { outageMs: 6000 } });
    const writer = (async () => {
      for (let i = 1; !stop && i < 2000; i++) {
        own.hset("test:own", String(i), "1").then(() => ownAcked.push(i), () => undefined);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const done = await finished(s.manager, drill.id);
    stop = true;
    await writer;
    own.disconnect();
    assert.equal(done.status, "done", `${done.error}\n${done.steps.map((x) => `${x.name}: ${x.detail}`).join("\n")}`);
    const r = done.report!;
    const newMaster = r.newMaster!;
    assert.notEqual(newMaster, old.id);
    const onFinal = new Set((await cli(Number(newMaster.split(":")[1]), "HKEYS", "test:own")).split("\n").filter(Boolean).map(Number));
    const ownLost = ownAcked.filter((seq) => !onFinal.has(seq));
    assert.ok(ownLost.length > 0, "the outage really lost acknowledged writes");
    // The report counts its canary's losses to the write: every listed seq is really absent.
    assert.ok(r.lostWrites !== null && r.lostWrites > 0, `report lost ${r.lostWrites}`);
    t.diagnostic(`detect ${r.detectMs} ms, promote ${r.promoteMs} ms, write outage ${r.writeOutageMs} ms, lost ${r.lostWrites} canary writes (ours: ${ownLost.length}), replicas ${JSON.stringify(r.replicas)}`);
    const canaryOnFinal = new Set((await cli(Number(newMaster.split(":")[1]), "HKEYS", `replscope:drill:${drill.id}:canary`)).split("\n").filter(Boolean).map(Number));
    assert.equal(r.canary.lostSeqs.length, Math.min(r.lostWrites ?? 0, 200));
    for (const seq of r.canary.lostSeqs) assert.ok(!canaryOnFinal.has(seq), `seq ${seq} reported lost but present`);
    assert.ok(r.detectMs !== null && r.detectMs < 6000, `detected after ${r.detectMs} ms`);
    assert.ok(r.writeOutageMs !== null && r.writeOutageMs > 500, `write outage ${r.writeOutageMs} ms`);
    const oldOutcome = r.replicas.find((x) => x.id === old.id);
    assert.equal(oldOutcome?.resync, "full", `old master resynced fully: ${JSON.stringify(r.replicas)}`);
  });
});
