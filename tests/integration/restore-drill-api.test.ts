// Restore drills through the real server: a snapshot backup verified by POST
// /api/backups/{id}/verify (the record, the backup's verify columns, the audit entry), with the
// optional comparison with the live master; a logical export verified by POST
// /api/export/{id}/verify; 404 / 409 / 400 answers; the sandbox gone afterwards.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { localRedisRoot } from "../../lib/redis/local-server";
import type { RestoreDrill } from "../../lib/backup/restore-types";
import { startServer, TEST_TOKEN, type ServerProcess } from "../support/server";
import { cli, startTopology, type Topology } from "../support/topology";
import { waitFor } from "../support/wait";

const jsonAuth = { authorization: `Bearer ${TEST_TOKEN}`, "content-type": "application/json" };

describe("restore drills API", () => {
  let topo: Topology;
  let server: ServerProcess;
  let dir: string;
  const api = (p: string, init: RequestInit = {}) => fetch(`${server.url}${p}`, { ...init, headers: jsonAuth });
  const post = async (p: string, body: unknown = {}) => {
    const res = await api(p, { method: "POST", body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as { id?: string; error?: string } };
  };
  const drill = async (id: string) => (await (await api(`/api/restore-drills/${id}`)).json()) as RestoreDrill;
  const finished = (id: string) => waitFor(`drill ${id} finished`, () => drill(id), (d) => d.status !== "running", 120_000, 200);

  before(async () => {
    topo = await startTopology({ replicas: 0 });
    for (let i = 0; i < 200; i++) await cli(topo.master.port, "SET", `k${i}`, `v${i}`);
    await cli(topo.master.port, "HSET", "h", "a", "1", "b", "2");
    await cli(topo.master.port, "RPUSH", "l", "x", "y");
    await cli(topo.master.port, "EXPIRE", "h", "3600");
    dir = mkdtempSync(path.join(tmpdir(), "replscope-drill-api-"));
    const config = path.join(dir, "config.json");
    writeFileSync(config, JSON.stringify({ backupSourceDirs: [localRedisRoot()], topologies: [{ name: "main", seeds: [`redis://127.0.0.1:${topo.master.port}`] }] }));
    server = await startServer({ REPLSCOPE_CONFIG: config });
    await waitFor("master discovered", async () => (await (await api("/api/topology")).json()) as { topologies: { nodes: unknown[] }[] }, (t) => (t.topologies[0]?.nodes.length ?? 0) >= 1, 30_000);
  });

  after(async () => {
    await server?.stop();
    await topo?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("a snapshot backup verifies; the backup records it; the live comparison says what changed since", async () => {
    const b = await post("/api/backups", { node: topo.master.id });
    assert.equal(b.status, 202, JSON.stringify(b.body));
    const backupId = b.body.id!;
    await waitFor("backup done", async () => (await (await api(`/api/backups/${backupId}`)).json()) as { status: string; error: string | null }, (x) => x.status !== "running", 60_000, 100).then((x) => assert.equal(x.status, "done", x.error ?? ""));
    // Changes after the backup: 3 keys added, 1 removed, 1 changed.
    for (const k of ["new1", "new2", "new3"]) await cli(topo.master.port, "SET", k, "1");
    await cli(topo.master.port, "DEL", "k0");
    await cli(topo.master.port, "SET", "k1", "changed");

    const started = await post(`/api/backups/${backupId}/verify`, { compareWithLive: true });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const d = await finished(started.body.id!);
    assert.equal(d.status, "verified", JSON.stringify(d.detail));
    assert.equal(d.kind, "rdb");
    assert.equal(d.keys, 202);
    assert.equal(d.differences, 0);
    assert.match(d.line ?? "", /^backup verified: 202 keys, 0 differences, restored in [\d.]+ s$/);
    assert.deepEqual(d.detail?.byType, { string: 200, hash: 1, list: 1 });
    assert.deepEqual({ added: d.detail?.live?.added, removed: d.detail?.live?.removed, changed: d.detail?.live?.changed }, { added: 3, removed: 1, changed: 1 });
    assert.equal(d.detail?.live?.error, null);

    const backup = (await (await api(`/api/backups/${backupId}`)).json()) as { verifyStatus: string | null; verifyDetail: string | null; verifiedAt: number | null };
    assert.equal(backup.verifyStatus, "verified");
    assert.equal(backup.verifyDetail, d.line);
    const list = (await (await api(`/api/restore-drills?backup=${backupId}`)).json()) as { drills: RestoreDrill[] };
    assert.deepEqual(list.drills.map((x) => x.id), [d.id]);
    const audit = (await (await api("/api/audit?action=backup:verify")).json()) as { entries: { action: string; result: string }[] };
    assert.ok(audit.entries.some((e) => e.action === "backup:verify" && e.result === "ok"), JSON.stringify(audit).slice(0, 300));
    // The sandbox is gone: no process with its dir, no dir left.
    const sandboxes = path.join(server.dataDir, "sandboxes");
    assert.deepEqual(existsSync(sandboxes) ? readdirSync(sandboxes) : [], []);
  });

  test("a logical export verifies through POST /api/export/{id}/verify", async () => {
    const e = await post("/api/export", { node: topo.master.id });
    assert.equal(e.status, 202, JSON.stringify(e.body));
    const exportId = e.body.id!;
    await waitFor("export done", async () => (await (await api(`/api/export/${exportId}`)).json()) as { status: string }, (x) => x.status !== "running", 60_000, 100);
    const started = await post(`/api/export/${exportId}/verify`);
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const d = await finished(started.body.id!);
    assert.equal(d.status, "verified", JSON.stringify(d.detail));
    assert.equal(d.kind, "logical");
    assert.equal(d.keys, 204);
    assert.equal(d.detail?.import?.restored, 204);
  });

  test("refusals: unknown backup 404, unknown export 404, bad body 400", async () => {
    const unknown = await post("/api/backups/20261130T000000Z-00000000/verify");
    assert.equal(unknown.status, 404);
    assert.match(unknown.body.error ?? "", /no backup/);
    const noExport = await post("/api/export/0123456789abcdef/verify");
    assert.equal(noExport.status, 404);
    const bad = await post("/api/backups/20261130T000000Z-00000000/verify", { compareWithLive: "yes" });
    assert.equal(bad.status, 400);
    const missing = await api("/api/restore-drills/rd-0123456789abcdef");
    assert.equal(missing.status, 404);
  });
});
