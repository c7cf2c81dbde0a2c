// GET /api/nodes/{id}/persistence against real servers: a master with persistence off and a
// replica, a BGSAVE whose dir was removed, and a full sync that moves rdb_last_save_time.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startRedis, stopAll, type LocalRedis } from "../../lib/redis/local-server";
import type { PersistenceReport } from "../../lib/persistence/of-state";
import type { RestorePlan } from "../../lib/persistence/restore-plan";
import type { NodeView } from "../../lib/monitor/types";
import { login, startServer, TEST_TOKEN, type ServerProcess } from "../support/server";
import { cli, FAST_SYNC } from "../support/topology";
import { waitFor } from "../support/wait";

const AUTH = { authorization: `Bearer ${TEST_TOKEN}` };
// Disk-based full syncs (7.0 defaults to diskless, which never stamps rdb_last_save_time).
const DISK_SYNC = [...FAST_SYNC, "--repl-diskless-sync", "no"];

describe("persistence API", () => {
  const servers: LocalRedis[] = [];
  let master: LocalRedis;
  let lone: LocalRedis;
  let locked: LocalRedis;
  let server: ServerProcess;
  let dir: string;
  const get = async <T>(p: string): Promise<T> => {
    const res = await fetch(`${server.url}${p}`, { headers: AUTH });
    if (res.status !== 200) throw new Error(`${p}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const persistence = (id: string) => get<PersistenceReport & { now: number; ageMs: number | null }>(`/api/nodes/${encodeURIComponent(id)}/persistence`);

  before(async () => {
    master = await startRedis({ args: DISK_SYNC });
    servers.push(master);
    servers.push(await startRedis({ args: DISK_SYNC, replicaOf: { host: master.host, port: master.port } }));
    lone = await startRedis({ args: FAST_SYNC });
    servers.push(lone);
    // CONFIG refused by ACL before the dashboard first connects: save points unknown, never guessed.
    locked = await startRedis({ args: FAST_SYNC });
    servers.push(locked);
    await cli(locked.port, "ACL", "SETUSER", "default", "-config");
    await waitFor("replica link up", () => cli(servers[1]!.port, "INFO", "replication"), (t) => t.includes("master_link_status:up"));
    dir = mkdtempSync(path.join(tmpdir(), "replscope-persist-"));
    const file = path.join(dir, "config.json");
    const seeds = (s: LocalRedis) => [`redis://127.0.0.1:${s.port}`];
    writeFileSync(file, JSON.stringify({ topologies: [{ name: "off", seeds: seeds(master), infoMs: 500, drills: false }, { name: "lone", seeds: seeds(lone), infoMs: 500, drills: false }, { name: "locked", seeds: seeds(locked), infoMs: 500, drills: false }] }));
    server = await startServer({ REPLSCOPE_CONFIG: file, REPLSCOPE_POLL_MS: "100" });
  });
  after(async () => {
    await server?.stop();
    await stopAll(servers);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("a master with save \"\" and a replica: the 'persistence off with replicas' hazard, on the API and the overview badge", async () => {
    const r = await waitFor("persistence-off hazard", () => persistence(master.id), (p) => p.hazards.some((h) => h.kind === "persistence-off-with-replicas"), 20_000, 200);
    assert.equal(r.freshness.kind, "current");
    assert.equal(r.view?.config.save, "");
    assert.equal(r.view?.aof.enabled, false);
    assert.equal(r.view?.connectedReplicas, 1);
    assert.ok(r.sampledAt !== null && r.sampledAt <= r.now);
    assert.match(r.hazards.find((h) => h.kind === "persistence-off-with-replicas")!.text, /empty restart wipes the replicas/);
    const topo = await get<{ topologies: { name: string; nodes: NodeView[] }[] }>("/api/topology");
    const view = topo.topologies.find((t) => t.name === "off")?.nodes.find((n) => n.id === master.id);
    assert.deepEqual(view?.persistenceBadges?.map((b) => b.badge), ["persistence off"]);
    // The lone master has no replicas: persistence off alone is no hazard there.
    const lonely = await waitFor("lone sampled", () => persistence(lone.id), (p) => p.view !== null && p.view.config.save !== null);
    assert.ok(!lonely.hazards.some((h) => h.kind === "persistence-off-with-replicas"));
  });

  test("a full sync moves rdb_last_save_time and is flagged as replication-triggered, not a backup", async () => {
    const before = await waitFor("master sampled", () => persistence(master.id), (p) => p.view !== null && p.view.syncFull !== null);
    const lastSave = before.view!.rdb.lastSaveTime!;
    const syncFull = before.view!.syncFull!;
    // rdb_last_save_time has whole seconds: let the node's clock pass the last save's second.
    await waitFor("a new second on the master", () => cli(master.port, "TIME"), (t) => Number(t.split("\n")[0]) * 1000 > lastSave);
    const replica2 = await startRedis({ args: DISK_SYNC, replicaOf: { host: master.host, port: master.port } });
    servers.push(replica2);
    const after = await waitFor("save attributed to replication", () => persistence(master.id), (p) => p.view?.rdb.lastSaveCause === "replication", 20_000, 200);
    assert.ok(after.view!.rdb.lastSaveTime! > lastSave, "rdb_last_save_time moved");
    assert.ok(after.view!.syncFull! > syncFull, "sync_full went up");
    const h = after.hazards.find((x) => x.kind === "save-from-replication");
    assert.ok(h, JSON.stringify(after.hazards));
    assert.match(h.text, /not a backup/);
  });

  test("a BGSAVE whose dir was removed: the 'last BGSAVE failed' hazard with Redis's status", async () => {
    await waitFor("lone sampled", () => persistence(lone.id), (p) => p.view?.rdb.lastBgsaveStatus === "ok");
    rmSync(lone.dir, { recursive: true, force: true });
    assert.match(await cli(lone.port, "BGSAVE"), /Background saving started/);
    const r = await waitFor("bgsave-failed hazard", () => persistence(lone.id), (p) => p.hazards.some((h) => h.kind === "bgsave-failed"), 20_000, 200);
    assert.equal(r.view?.rdb.lastBgsaveStatus, "err");
    assert.match(r.hazards.find((h) => h.kind === "bgsave-failed")!.text, /rdb_last_bgsave_status:err/);
    const topo = await get<{ topologies: { name: string; nodes: NodeView[] }[] }>("/api/topology");
    assert.ok(topo.topologies.find((t) => t.name === "lone")?.nodes[0]?.persistenceBadges?.some((b) => b.badge === "last BGSAVE failed"));
  });

  test("CONFIG refused (ACL): save points unknown, a note instead of a verdict", async () => {
    const r = await waitFor("locked sampled", () => persistence(locked.id), (p) => p.view !== null && p.freshness.kind === "current");
    assert.equal(r.view?.config.save, null);
    assert.equal(r.view?.config.savePoints, null);
    assert.deepEqual(r.hazards.map((h) => h.kind), ["config-unknown"]);
    assert.equal(r.view?.aof.enabled, false, "AOF still known from INFO");
  });

  test("unknown node is 404 JSON; the restore plan names this topology's master and replicas", async () => {
    const res = await fetch(`${server.url}/api/nodes/${encodeURIComponent("127.0.0.1:1")}/persistence`, { headers: AUTH });
    assert.equal(res.status, 404);
    assert.ok(((await res.json()) as { error: string }).error.length > 0);
    const bad = await fetch(`${server.url}/api/nodes/${encodeURIComponent(master.id)}/persistence?x=1`, { headers: AUTH });
    assert.equal(bad.status, 400);
    const { plan } = await get<{ plan: RestorePlan }>("/api/topology/restore-plan?topology=off");
    assert.equal(plan.master, master.id);
    assert.ok(plan.replicas.includes(servers[1]!.id));
    assert.ok(plan.consequences.some((c) => c.kind === "persistence-off"));
    const badMaster = await fetch(`${server.url}/api/topology/restore-plan?topology=off&master=nope`, { headers: AUTH });
    assert.equal(badMaster.status, 400);
    const viaReplica = await get<{ plan: RestorePlan }>(`/api/topology/restore-plan?topology=off&master=${encodeURIComponent(servers[1]!.id)}`);
    assert.equal(viaReplica.plan.master, master.id, "a replica's id leads to its group's master");
    const page = await fetch(`${server.url}/restore-plan?topology=off`, { headers: { cookie: await login(server.url) } });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /data-testid="restore-steps"/);
  });
});
