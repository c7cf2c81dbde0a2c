// Drills against real servers: manual promotion and a planned FAILOVER switchover, with the
// report's numbers checked against Redis's own counters and an independent canary writer.
import { after, afterEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { runCommand } from "../../lib/drills/admin";
import { DrillManager, isDrillError } from "../../lib/drills/runner";
import { DrillStore } from "../../lib/drills/store";
import type { Drill } from "../../lib/drills/types";
import { MonitorHub } from "../../lib/monitor/hub";
import { openStore, type Store } from "../../lib/store";
import { startTestCanary } from "../support/canary";
import { cli, startTopology, testConfig, type Topology } from "../support/topology";
import { waitFor } from "../support/wait";

const dirs: string[] = [];
const stores: Store[] = [];
after(async () => {
  for (const s of stores) await s.close();
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

async function setup(topo: Topology, drills = true, send?: typeof runCommand): Promise<{ hub: MonitorHub; manager: DrillManager; store: DrillStore; dir: string }> {
  const hub = new MonitorHub([testConfig([topo.master], { drills })]);
  hub.start();
  const dir = mkdtempSync(path.join(tmpdir(), "replscope-drills-"));
  dirs.push(dir);
  const db = await openStore({ dataDir: dir });
  stores.push(db);
  const store = new DrillStore(db.drills);
  return { hub, manager: await DrillManager.open(hub, store, undefined, send), store, dir };
}

async function finished(manager: DrillManager, id: string): Promise<Drill> {
  return waitFor("drill to finish", () => manager.get(id), (d) => d !== null && d.status !== "running", 60_000, 100) as Promise<Drill>;
}

async function stats(port: number): Promise<{ full: number; partial: number }> {
  const info = await cli(port, "INFO", "stats");
  return { full: Number(/sync_full:(\d+)/.exec(info)?.[1]), partial: Number(/sync_partial_ok:(\d+)/.exec(info)?.[1]) };
}

describe("drills", () => {
  let topo: Topology | undefined;
  let hub: MonitorHub | undefined;
  afterEach(async () => {
    hub?.stop();
    await topo?.stop();
    topo = undefined;
  });

  test("refused where the config does not allow drills, and with bad targets", async () => {
    topo = await startTopology({ replicas: 1 });
    const s = await setup(topo, false);
    hub = s.hub;
    await assert.rejects(s.manager.start({ topology: "t", scenario: "promote", user: "u" }), (e: unknown) => isDrillError(e) && e.status === 403);
    await assert.rejects(s.manager.start({ topology: "nope", scenario: "promote", user: "u" }), (e: unknown) => isDrillError(e) && e.status === 404);
  });

  test("manual promotion: new master right, resync kinds match INFO, lost writes counted exactly", async () => {
    topo = await startTopology({ replicas: 2 });
    const s = await setup(topo);
    hub = s.hub;
    const m = s.hub.get("t")!;
    await waitFor("all online", () => m.views(), (vs) => vs.length === 3 && vs.every((v) => v.status === "up" && (v.role === "master" || (v.linkStatus === "up" && !v.resyncing))), 15_000);
    await assert.rejects(s.manager.start({ topology: "t", scenario: "promote", target: "127.0.0.1:1", user: "u" }), (e: unknown) => isDrillError(e) && e.status === 400);
    const target = topo.replicas[0]!;
    const other = topo.replicas[1]!;
    const before = await stats(target.port);
    const drill = await s.manager.start({ topology: "t", scenario: "promote", target: target.id, user: "tester" });
    await assert.rejects(s.manager.start({ topology: "t", scenario: "promote", user: "u" }), (e: unknown) => isDrillError(e) && e.status === 409, "one drill at a time");
    assert.deepEqual([...drill.touches].sort(), [topo.master.id, target.id, other.id].sort());
    const done = await finished(s.manager, drill.id);
    assert.equal(done.status, "done", done.error ?? "");
    const r = done.report!;
    assert.equal(r.newMaster, target.id);
    assert.equal(r.oldMaster, topo.master.id);
    assert.ok(r.promoteMs !== null && r.promoteMs >= 0 && r.promoteMs < 5000, `promoteMs ${r.promoteMs}`);
    // The sibling re-pointed to the new master usually resyncs partially via the second ID; when it
    // had received more of the old master's stream than the target (a loaded machine), Redis must
    // serve it a FULL resync (second-ID offset ran ahead). Either way the report matches INFO.
    const afterStats = await stats(target.port);
    const partials = afterStats.partial - before.partial;
    const fulls = afterStats.full - before.full;
    const reported = r.replicas.filter((x) => x.id !== topo!.master.id);
    assert.equal(reported.filter((x) => x.resync === "partial").length, partials, JSON.stringify(reported));
    assert.equal(reported.filter((x) => x.resync === "full").length, fulls);
    const sibling = reported.find((x) => x.id === other.id);
    assert.equal(sibling?.resync, fulls === 0 ? "partial" : "full", JSON.stringify(reported));
    // Writes acked by the old master after the promotion never reached the new one: count them ourselves.
    const key = `replscope:drill:${drill.id}:canary`;
    const onOld = new Set((await cli(topo.master.port, "HKEYS", key)).split("\n").filter(Boolean).map(Number));
    const onNew = new Set((await cli(target.port, "HKEYS", key)).split("\n").filter(Boolean).map(Number));
    const lost = [...onOld].filter((seq) => !onNew.has(seq)).length;
    assert.equal(r.lostWrites, lost, `report ${r.lostWrites} vs counted ${lost}`);
    assert.ok(r.canary.acked > 20, "the canary wrote during the drill");
    assert.deepEqual((await s.store.load(drill.id))?.report, r, "saved to the store");
  });

  test("every command a drill sends is committed (status started) before it is sent", async () => {
    topo = await startTopology({ replicas: 2 });
    const checked: string[] = [];
    const problems: string[] = [];
    // A second connection to the same database file: it sees only what is committed on disk.
    const reader: { current?: DrillStore } = {};
    // Wraps the real sender: at the moment a command is about to go out, read the stored record.
    const send: typeof runCommand = async (m, node, args, timeoutMs) => {
      const command = `${args.join(" ")} on ${node}`;
      if (args[0] !== "HKEYS") {
        const [first] = (await reader.current?.list()) ?? [];
        const onDisk = first ? await reader.current?.load(first.id) : null;
        const written = onDisk?.steps.find((x) => x.detail === command);
        if (written?.status !== "started" || written.command !== true) problems.push(`${command}: on disk ${JSON.stringify(onDisk?.steps)}`);
        checked.push(command);
      }
      return runCommand(m, node, args, timeoutMs);
    };
    const s = await setup(topo, true, send);
    const second = await openStore({ dataDir: s.dir });
    stores.push(second);
    reader.current = new DrillStore(second.drills);
    hub = s.hub;
    const m = s.hub.get("t")!;
    await waitFor("all online", () => m.views(), (vs) => vs.length === 3 && vs.every((v) => v.status === "up" && (v.role === "master" || (v.linkStatus === "up" && !v.resyncing))), 15_000);
    const target = topo.replicas[0]!;
    const drill = await s.manager.start({ topology: "t", scenario: "promote", target: target.id, user: "u", options: { includeOldMaster: true } });
    const done = await finished(s.manager, drill.id);
    assert.equal(done.status, "done", `${done.error}\n${done.steps.map((x) => `${x.name}: ${x.detail}`).join("\n")}`);
    assert.deepEqual(problems, []);
    assert.deepEqual(checked.map((c) => c.split(" on ")[0]), ["REPLICAOF NO ONE", `REPLICAOF ${target.host} ${target.port}`, `REPLICAOF ${target.host} ${target.port}`]);
    // Once answered, each command's step reads "ok".
    const commands = ((await s.store.load(drill.id))?.steps ?? []).filter((x) => x.command);
    assert.deepEqual(commands.map((x) => `${x.name} ${x.status}`), ["promote ok", "re-point ok", "re-point ok"]);
  });

  test("pre-checks refuse a drill with a replica down; forced, it runs without waiting for that replica", async () => {
    topo = await startTopology({ replicas: 2 });
    const s = await setup(topo);
    hub = s.hub;
    const m = s.hub.get("t")!;
    await waitFor("all online", () => m.views(), (vs) => vs.length === 3 && vs.every((v) => v.status === "up" && (v.role === "master" || (v.linkStatus === "up" && !v.resyncing))), 15_000);
    const dead = topo.replicas[1]!;
    dead.signal("SIGKILL");
    await waitFor("replica down", () => m.views().find((v) => v.id === dead.id), (v) => v?.status === "down", 5000);
    await assert.rejects(s.manager.start({ topology: "t", scenario: "promote", target: topo!.replicas[0]!.id, user: "u" }), (e: unknown) => isDrillError(e) && e.status === 409 && /pre-checks failed/.test(e.message));
    const drill = await s.manager.start({ topology: "t", scenario: "promote", target: topo.replicas[0]!.id, user: "u", options: { force: true } });
    const done = await finished(s.manager, drill.id);
    assert.equal(done.status, "done", `${done.error}\n${done.steps.map((x) => `${x.name}: ${x.detail}`).join("\n")}`);
    assert.equal(done.report?.newMaster, topo.replicas[0]!.id);
    assert.ok(done.steps.some((x) => x.detail.includes(`${dead.id} is offline`)));
  });

  test("FAILOVER switchover: write outage agrees with an independent writer, others re-pointed", async (t) => {
    topo = await startTopology({ replicas: 2 });
    const s = await setup(topo);
    hub = s.hub;
    const m = s.hub.get("t")!;
    await waitFor("all online", () => m.views(), (vs) => vs.length === 3 && vs.every((v) => v.status === "up" && (v.role === "master" || (v.linkStatus === "up" && !v.resyncing))), 15_000);
    const canary = startTestCanary(topo.all, "test:canary");
    // The independent writer must be writing before the drill, or it could miss the outage's start.
    await waitFor("the test canary's writes acknowledged", () => canary.writes.filter((w) => w.ok === true).length, (n) => n >= 20, 10_000);
    const target = topo.replicas[1]!;
    const drill = await s.manager.start({ topology: "t", scenario: "switchover", target: target.id, user: "tester" });
    const done = await finished(s.manager, drill.id);
    await canary.stop();
    assert.equal(done.status, "done", `${done.error}\n${done.steps.map((x) => `${x.name}: ${x.detail}`).join("\n")}`);
    const r = done.report!;
    assert.equal(r.newMaster, target.id);
    const final = m.views();
    assert.equal(final.find((v) => v.id === topo!.master.id)?.masterId, target.id, "old master now follows the new one");
    assert.equal(final.find((v) => v.id === topo!.replicas[0]!.id)?.masterId, target.id, "the other replica was re-pointed");
    assert.ok(done.steps.some((x) => x.name === "failover state"), "master_failover_state was followed");
    const ours = canary.outageMs();
    t.diagnostic(`write outage: report ${r.writeOutageMs} ms, independent writer ${ours} ms; promote ${r.promoteMs} ms`);
    // FAILOVER pauses writes until the target has caught up, then the old master refuses them:
    // both writers see that window, and must agree on it within 50 ms.
    assert.ok(ours !== null && r.writeOutageMs !== null, `both saw the outage: report ${r.writeOutageMs}, ours ${ours}`);
    assert.ok(Math.abs(r.writeOutageMs - ours) <= 50, `report ${r.writeOutageMs} ms vs independent ${ours} ms`);
    assert.equal(r.lostWrites, 0, "a planned switchover loses nothing");
    const md = (await import("../../lib/drills/report")).reportMarkdown(done, r);
    assert.match(md, /write outage \| \d+ ms/);
  });
});
