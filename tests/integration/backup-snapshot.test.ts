// Snapshot backups through the real server and real redis-servers: a replica's BGSAVE recorded
// with its replication position and copied from a trusted dir (sha256 = sha256sum, redis-check-rdb
// ok); a BGSAVE that fails because its dir was removed, with Redis's reason; the redis-cli --rdb
// fetch for a node whose dir is not trusted (password-protected) and its refusal by ACL; one backup
// per node at a time; a schedule with retention; bad input.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { hashPassword } from "../../lib/auth/password";
import { localRedisRoot, startRedis, stopAll, type LocalRedis } from "../../lib/redis/local-server";
import { startServer, TEST_TOKEN, type ServerProcess } from "../support/server";
import { cli, FAST_SYNC, startTopology, type Topology } from "../support/topology";
import { waitFor } from "../support/wait";

const auth = { authorization: `Bearer ${TEST_TOKEN}` };
const jsonAuth = { ...auth, "content-type": "application/json" };

interface BackupJson {
  id: string;
  node: string;
  status: "running" | "done" | "failed";
  origin: string;
  replid: string | null;
  offset: number | null;
  bytes: number | null;
  sha256: string | null;
  file: string | null;
  source: "file" | "replication" | null;
  checkStatus: string | null;
  keys: number | null;
  error: string | null;
  download: string | null;
  meta: { position?: { source: string; replid?: string | null; offsetFrom?: number | null; offsetTo?: number | null }; bgsave?: string } | null;
}

describe("snapshot backups", () => {
  let topo: Topology;
  let locked: LocalRedis;
  let broken: LocalRedis;
  let server: ServerProcess;
  let dir: string;
  const failRoot = mkdtempSync(path.join(tmpdir(), "replscope-failroot-"));
  const brokenDir = path.join(failRoot, "data");

  const api = (p: string, init: RequestInit = {}) => fetch(`${server.url}${p}`, { ...init, headers: { ...jsonAuth, ...(init.headers as Record<string, string> | undefined) } });
  const get = async (id: string) => (await (await api(`/api/backups/${id}`)).json()) as BackupJson;
  const start = async (node: string, topology?: string) => {
    const res = await api("/api/backups", { method: "POST", body: JSON.stringify({ node, ...(topology ? { topology } : {}) }) });
    const body = (await res.json()) as { id?: string; error?: string };
    assert.equal(res.status, 202, JSON.stringify(body));
    return body.id!;
  };
  const finished = (id: string) => waitFor(`backup ${id} finished`, () => get(id), (b) => b.status !== "running", 60_000, 100);

  before(async () => {
    topo = await startTopology({ replicas: 1 });
    for (let i = 0; i < 20; i++) await cli(topo.master.port, "SET", `k${i}`, `v${i}`);
    await cli(topo.master.port, "WAIT", "1", "5000");
    // Password-protected, in a dir no backupSourceDirs entry covers: fetched over replication.
    locked = await startRedis({ dir: mkdtempSync(path.join(tmpdir(), "replscope-untrusted-")), args: [...FAST_SYNC, "--requirepass", "locked-pass-123"] });
    execFileSync("redis-cli", ["-p", String(locked.port), "--no-auth-warning", "-a", "locked-pass-123", "ACL", "SETUSER", "nosync", "on", ">nosync-pass-123", "~*", "&*", "+@all", "-sync", "-psync"]);
    execFileSync("redis-cli", ["-p", String(locked.port), "--no-auth-warning", "-a", "locked-pass-123", "SET", "only", "here"]);
    // Its dir is removed below; its log lives elsewhere so Redis's reason stays readable.
    mkdirSync(brokenDir);
    const brokenLog = path.join(localRedisRoot(), `broken-${process.pid}.log`);
    broken = await startRedis({ dir: brokenDir, args: ["--logfile", brokenLog] });
    dir = mkdtempSync(path.join(tmpdir(), "replscope-backup-cfg-"));
    const config = path.join(dir, "config.json");
    writeFileSync(
      config,
      JSON.stringify({
        backupSourceDirs: [localRedisRoot()],
        users: [{ name: "vera", role: "viewer", passwordHash: hashPassword("viewer-pass-123") }],
        topologies: [
          { name: "main", seeds: [`redis://127.0.0.1:${topo.master.port}`] },
          { name: "locked", seeds: [`redis://:locked-pass-123@127.0.0.1:${locked.port}`] },
          { name: "nosync", seeds: [`redis://nosync:nosync-pass-123@127.0.0.1:${locked.port}`] },
          { name: "broken", seeds: [`redis://127.0.0.1:${broken.port}`], backupSourceDirs: [failRoot] },
        ],
      }),
    );
    server = await startServer({ REPLSCOPE_CONFIG: config });
    await waitFor("nodes discovered", async () => (await (await api("/api/topology")).json()) as { topologies: { nodes: unknown[] }[] }, (t) => t.topologies.reduce((n, x) => n + x.nodes.length, 0) >= 5, 30_000);
  });

  after(async () => {
    await server?.stop();
    await topo?.stop();
    await stopAll([locked, broken].filter(Boolean));
    rmSync(dir, { recursive: true, force: true });
    rmSync(failRoot, { recursive: true, force: true });
  });

  test("a replica's BGSAVE: its replication position, the file copied with its sha256, redis-check-rdb ok", async () => {
    const before = await cli(topo.master.port, "INFO", "replication");
    const offsetBefore = Number(/master_repl_offset:(\d+)/.exec(before)?.[1]);
    const id = await start(topo.replicas[0]!.id);
    const b = await finished(id);
    const after = await cli(topo.master.port, "INFO", "replication");
    assert.equal(b.status, "done", b.error ?? "");
    assert.equal(b.source, "file");
    assert.equal(b.node, topo.replicas[0]!.id);
    assert.equal(b.meta?.position?.source, "rdb-aux");
    assert.equal(b.replid, /master_replid:([0-9a-f]+)/.exec(before)?.[1], "the master's replication id");
    assert.ok(b.offset !== null && b.offset >= offsetBefore && b.offset <= Number(/master_repl_offset:(\d+)/.exec(after)?.[1]), `offset ${b.offset} within the master's offsets around the backup`);
    assert.equal(b.checkStatus, "ok");
    assert.equal(b.keys, 20);
    const stored = path.join(server.dataDir, "backups", b.file!);
    assert.equal(execFileSync("sha256sum", [stored], { encoding: "utf8" }).split(" ")[0], b.sha256);
    execFileSync("redis-check-rdb", [stored]); // throws on a non-zero exit
    // The download streams the same bytes, named for the node.
    const res = await api(b.download!);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-disposition") ?? "", /attachment; filename="replscope-127\.0\.0\.1_\d+-.*\.rdb"/);
    const body = Buffer.from(await res.arrayBuffer());
    assert.equal(body.length, b.bytes);
    assert.equal(createHash("sha256").update(body).digest("hex"), b.sha256);
    // Listed, newest first.
    const list = (await (await api("/api/backups?topology=main")).json()) as { backups: BackupJson[] };
    assert.equal(list.backups[0]?.id, id);
  });

  test("one backup per node at a time: 409 while one runs there", async () => {
    // Slow the save down (20 keys × 100 ms) so the second request meets the first one running.
    await cli(topo.master.port, "CONFIG", "SET", "rdb-key-save-delay", "100000");
    try {
      const id = await start(topo.master.id);
      const again = await api("/api/backups", { method: "POST", body: JSON.stringify({ node: topo.master.id }) });
      assert.equal(again.status, 409);
      assert.match(((await again.json()) as { error: string }).error, /already running/);
      const del = await api(`/api/backups/${id}`, { method: "DELETE" });
      assert.equal(del.status, 409, "a running backup is not deleted");
      const b = await finished(id);
      assert.equal(b.status, "done", b.error ?? "");
      assert.equal(b.replid, /master_replid:([0-9a-f]+)/.exec(await cli(topo.master.port, "INFO", "replication"))?.[1]);
    } finally {
      await cli(topo.master.port, "CONFIG", "SET", "rdb-key-save-delay", "0");
    }
  });

  test("someone else's BGSAVE already running: ours waits for it, then saves", async () => {
    const saves = async () => Number(/rdb_saves:(\d+)/.exec(await cli(topo.master.port, "INFO", "persistence"))?.[1]);
    const before = await saves();
    await cli(topo.master.port, "CONFIG", "SET", "rdb-key-save-delay", "50000");
    try {
      assert.equal(await cli(topo.master.port, "BGSAVE"), "Background saving started");
      const b = await finished(await start(topo.master.id));
      assert.equal(b.status, "done", b.error ?? "");
      assert.equal(b.meta?.bgsave, "started");
      assert.equal(await saves(), before + 2, "the other save, then ours");
    } finally {
      await cli(topo.master.port, "CONFIG", "SET", "rdb-key-save-delay", "0");
    }
  });

  test("a master that never had replicas writes no repl-id: the position is INFO's range, said so", async () => {
    const b = await finished(await start(broken.id, "broken"));
    assert.equal(b.status, "done", b.error ?? "");
    assert.equal(b.source, "file");
    assert.equal(b.meta?.position?.source, "info-range");
    assert.equal(b.replid, /master_replid:([0-9a-f]+)/.exec(await cli(broken.port, "INFO", "replication"))?.[1]);
    assert.equal(b.offset, null, "no exact offset is claimed");
    assert.equal(b.meta?.position?.offsetFrom, 0);
  });

  test("a viewer can list but not back up or delete (403, audited as denied)", async () => {
    const res = await fetch(`${server.url}/api/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "vera", password: "viewer-pass-123" }) });
    const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0]!;
    const asViewer = (p: string, init: RequestInit = {}) => fetch(`${server.url}${p}`, { ...init, headers: { cookie, "content-type": "application/json", origin: server.url } });
    assert.equal((await asViewer("/api/backups")).status, 200);
    assert.equal((await asViewer("/api/backups", { method: "POST", body: JSON.stringify({ node: topo.master.id }) })).status, 403);
    assert.equal((await asViewer("/api/backup-schedules", { method: "POST", body: JSON.stringify({ topology: "main", everyHours: 1 }) })).status, 403);
    const audit = (await (await api("/api/audit?action=backup:snapshot")).json()) as { entries: { user: string; result: string }[] };
    assert.ok(audit.entries.some((e) => e.user === "vera" && e.result === "denied"));
    // The file holds every value of the node: downloading it is an operator action, audited.
    const listed = (await (await asViewer("/api/backups")).json()) as { backups: BackupJson[] };
    const withFile = listed.backups.find((b) => b.download !== null);
    assert.ok(withFile, "an earlier test left a backup with a file");
    assert.equal((await asViewer(withFile.download!)).status, 403);
    const downloads = (await (await api("/api/audit?action=backup:download")).json()) as { entries: { user: string; result: string }[] };
    assert.ok(downloads.entries.some((e) => e.user === "vera" && e.result === "denied"), "the viewer's attempt is audited as denied");
    assert.ok(downloads.entries.some((e) => e.user !== "vera" && e.result !== "denied"), "the operator's download is audited");
  });

  test("a BGSAVE whose dir was removed is recorded as failed, with Redis's reason", async (t) => {
    rmSync(brokenDir, { recursive: true, force: true });
    const id = await start(broken.id, "broken");
    const b = await finished(id);
    assert.equal(b.status, "failed");
    t.diagnostic(`error: ${b.error}`);
    assert.match(b.error ?? "", /rdb_last_bgsave_status:err/);
    assert.match(b.error ?? "", /Failed opening the temp RDB file .*No such file or directory/);
    assert.equal(b.file, null);
    assert.equal(b.download, null);
    assert.equal((await api(`/api/backups/${id}/file`)).status, 404);
  });

  test("a node whose dir is not trusted is fetched with redis-cli --rdb (password by environment)", async () => {
    // A slow fetch (1 s for its one key), so the monitor polls the node while redis-cli is attached
    // as an RDB-only replica (INFO lists it as slave0:ip=127.0.0.1,port=0).
    const lockedCli = (...args: string[]) => execFileSync("redis-cli", ["-p", String(locked.port), "--no-auth-warning", "-a", "locked-pass-123", ...args], { encoding: "utf8" });
    lockedCli("CONFIG", "SET", "rdb-key-save-delay", "1000000");
    const id = await start(locked.id, "locked");
    const seen = new Set<string>();
    let attached = false;
    const b = await waitFor(
      `backup ${id} finished`,
      async () => {
        attached ||= /slave0:ip=[^,]+,port=0/.test(lockedCli("INFO", "replication"));
        const topo = (await (await api("/api/topology")).json()) as { topologies: { name: string; nodes: { id: string }[] }[] };
        for (const t of topo.topologies) for (const n of t.nodes) seen.add(n.id);
        return get(id);
      },
      (x) => x.status !== "running",
      60_000,
      100,
    );
    lockedCli("CONFIG", "SET", "rdb-key-save-delay", "0");
    assert.ok(attached, "the fetch was seen attached as a replica");
    assert.deepEqual([...seen].filter((n) => n.endsWith(":0")), [], "the fetch never shows up as a node to dial");
    assert.equal(b.status, "done", b.error ?? "");
    assert.equal(b.source, "replication");
    assert.equal(b.meta?.position?.source, "rdb-aux");
    assert.equal(b.replid, /master_replid:([0-9a-f]+)/.exec(execFileSync("redis-cli", ["-p", String(locked.port), "--no-auth-warning", "-a", "locked-pass-123", "INFO", "replication"], { encoding: "utf8" }))?.[1]);
    assert.equal(b.checkStatus, "ok");
    assert.equal(b.keys, 1);
    const stored = path.join(server.dataDir, "backups", b.file!);
    assert.equal(execFileSync("sha256sum", [stored], { encoding: "utf8" }).split(" ")[0], b.sha256);
    // Why it was not copied is on record, and no password is anywhere in the entry.
    assert.ok(!JSON.stringify(b).includes("locked-pass-123"));
  });

  test("a user without SYNC permission: failed, saying the server refused", async (t) => {
    const id = await start(locked.id, "nosync");
    const b = await finished(id);
    assert.equal(b.status, "failed");
    t.diagnostic(`error: ${b.error}`);
    assert.match(b.error ?? "", /refused/);
    assert.match(b.error ?? "", /NOPERM|permission/i);
    assert.ok(!(b.error ?? "").includes("nosync-pass-123"));
  });

  test("a schedule runs on a replica and its retention keeps the last 2", async () => {
    const manual = (await (await api("/api/backups?topology=main")).json()) as { backups: BackupJson[] };
    const res = await api("/api/backup-schedules", { method: "POST", body: JSON.stringify({ topology: "main", everyHours: 24, keepLast: 2 }) });
    assert.equal(res.status, 201);
    const sch = (await res.json()) as { id: string };
    const mine = async () => ((await (await api("/api/backups?topology=main")).json()) as { backups: BackupJson[] }).backups.filter((b) => b.origin === `schedule:${sch.id}`);
    const ids: string[] = [];
    for (let run = 1; run <= 3; run++) {
      if (run > 1) assert.equal((await api(`/api/backup-schedules/${sch.id}`, { method: "PATCH", body: JSON.stringify({ nextRunAt: Date.now() }) })).status, 200);
      const list = await waitFor(`scheduled run ${run}`, mine, (l) => l.some((b) => !ids.includes(b.id) && b.status !== "running"), 60_000, 200);
      const fresh = list.find((b) => !ids.includes(b.id))!;
      assert.equal(fresh.status, "done", fresh.error ?? "");
      assert.equal(fresh.node, topo.replicas[0]!.id, "a replica by preference");
      ids.push(fresh.id);
    }
    // The oldest went: row and file. The manual backups stay.
    const kept = await waitFor("retention", mine, (l) => l.length === 2, 30_000, 200);
    assert.deepEqual(kept.map((b) => b.id).sort(), ids.slice(1).sort());
    assert.equal((await api(`/api/backups/${ids[0]}`)).status, 404);
    assert.equal(existsSync(path.join(server.dataDir, "backups", `${ids[0]}.rdb`)), false);
    const now = (await (await api("/api/backups?topology=main")).json()) as { backups: BackupJson[] };
    for (const m of manual.backups.filter((b) => b.origin === "manual")) assert.ok(now.backups.some((b) => b.id === m.id), `manual ${m.id} kept`);
    const schedules = (await (await api("/api/backup-schedules")).json()) as { schedules: { id: string; lastBackupId: string; nextRunAt: number }[] };
    assert.ok((schedules.schedules.find((s) => s.id === sch.id)?.nextRunAt ?? 0) > Date.now() + 23 * 3600_000);
    assert.equal((await api(`/api/backup-schedules/${sch.id}`, { method: "DELETE" })).status, 200);
  });

  test("deleting a backup removes its file and its entry, and is audited", async () => {
    const list = (await (await api("/api/backups?topology=main")).json()) as { backups: BackupJson[] };
    const victim = list.backups.find((b) => b.origin === "manual" && b.status === "done")!;
    const res = await api(`/api/backups/${victim.id}`, { method: "DELETE" });
    assert.equal(res.status, 200);
    assert.equal((await api(`/api/backups/${victim.id}`)).status, 404);
    assert.equal(existsSync(path.join(server.dataDir, "backups", victim.file!)), false);
    const audit = (await (await api("/api/audit?action=backup:delete")).json()) as { entries: { params?: { id?: string }; result: string }[] };
    assert.ok(audit.entries.some((e) => e.params?.id === victim.id && e.result === "ok"));
  });

  test("bad input is a 4xx JSON error", async () => {
    const cases: [string, RequestInit, number][] = [
      ["/api/backups", { method: "POST", body: "{}" }, 400],
      ["/api/backups", { method: "POST", body: JSON.stringify({ node: "not a node" }) }, 400],
      ["/api/backups", { method: "POST", body: JSON.stringify({ node: "127.0.0.1:1", extra: 1 }) }, 400],
      ["/api/backups", { method: "POST", body: JSON.stringify({ node: "127.0.0.1:1" }) }, 404],
      ["/api/backups", { method: "POST", body: JSON.stringify({ node: topo.master.id, topology: "nope" }) }, 404],
      ["/api/backups?limit=0", {}, 400],
      ["/api/backups?what=1", {}, 400],
      ["/api/backups/not-an-id", {}, 400],
      ["/api/backups/20261130T000000Z-00000000", {}, 404],
      ["/api/backups/20261130T000000Z-00000000/file", {}, 404],
      ["/api/backups/20261130T000000Z-00000000", { method: "DELETE" }, 404],
      ["/api/backup-schedules", { method: "POST", body: JSON.stringify({ topology: "main" }) }, 400],
      ["/api/backup-schedules", { method: "POST", body: JSON.stringify({ topology: "main", everyHours: 2, dailyAt: "03:00" }) }, 400],
      ["/api/backup-schedules", { method: "POST", body: JSON.stringify({ topology: "main", dailyAt: "25:00" }) }, 400],
      ["/api/backup-schedules", { method: "POST", body: JSON.stringify({ topology: "main", everyHours: 0.001 }) }, 400],
      ["/api/backup-schedules", { method: "POST", body: JSON.stringify({ topology: "nope", everyHours: 2 }) }, 404],
      ["/api/backup-schedules/0123456789abcdef", { method: "PATCH", body: JSON.stringify({ enabled: false }) }, 404],
      ["/api/backup-schedules/xyz", { method: "DELETE" }, 400],
      ["/api/backups", { method: "PUT", body: "{}" }, 405],
    ];
    for (const [p, init, status] of cases) {
      const res = await api(p, init);
      const body = (await res.json()) as { error?: unknown };
      assert.equal(res.status, status, `${init.method ?? "GET"} ${p} ${String(init.body ?? "")}: ${JSON.stringify(body)}`);
      assert.equal(typeof body.error, "string");
    }
  });
});
