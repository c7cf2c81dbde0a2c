// The restore drill runner's refusals and records, on a real store (SQLite) and a real RDB: 404 for
// an unknown backup, 409 while it runs / when it failed or has no file, 503 with the clear message
// when redis-server is missing, one drill per backup at a time, the backup's verify columns, and a
// "running" row a crash left behind marked failed at the next open.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Redis from "ioredis";
import { RestoreDrillRunner, type RestoreDrillDeps } from "../../lib/backup/drill-runner";
import { SandboxPool } from "../../lib/backup/sandbox";
import type { Backup } from "../../lib/backup/types";
import { startRedis, stopAll, type LocalRedis } from "../../lib/redis/local-server";
import { openStore, type Store } from "../../lib/store";
import { exportNode } from "../../lib/backup/logical/export";
import { waitFor } from "../support/wait";

let store: Store;
let dir: string;
let source: LocalRedis;
const verified: { id: string; status: string; detail: string | null }[] = [];

const base: Backup = {
  id: "20261130T010000Z-00000001", kind: "rdb", topology: "main", node: "127.0.0.1:1", status: "done", origin: "manual", requestedBy: "alice",
  startedAt: 1, finishedAt: 2, replid: null, offset: null, bytes: null, sha256: null, file: "x.rdb", source: "file", checkStatus: "ok",
  checkDetail: null, error: null, keys: null, meta: null, verifiedAt: null, verifyStatus: null, verifyDetail: null,
};

function deps(catalogue: Record<string, Backup>, files: Record<string, string>, pool?: SandboxPool): RestoreDrillDeps {
  return {
    pool: pool ?? new SandboxPool({ parentDir: path.join(dir, "sandboxes") }),
    repo: store.restoreDrills,
    backups: {
      get: async (id) => catalogue[id] ?? null,
      file: async (id) => (catalogue[id] && files[id] ? { backup: catalogue[id], path: files[id] } : null),
      isRunning: (id) => catalogue[id]?.status === "running",
    },
    setVerification: async (id, v) => verified.push({ id, status: v.status, detail: v.detail }),
  };
}

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "replscope-drill-runner-"));
  store = await openStore({ dataDir: dir });
  source = await startRedis();
  const r = new Redis({ port: source.port, host: "127.0.0.1" });
  for (let i = 0; i < 50; i++) await r.set(`k${i}`, "v");
  await r.save();
  r.disconnect();
});

after(async () => {
  await store?.close();
  await stopAll(source ? [source] : []);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("refusals: 404 unknown, 409 running / failed / no file, 503 without redis-server", async () => {
  const catalogue = { a: { ...base, id: "a", status: "running" as const }, b: { ...base, id: "b", status: "failed" as const }, c: { ...base, id: "c" } };
  const runner = await RestoreDrillRunner.open(deps(catalogue, {}));
  assert.deepEqual(await runner.startForBackup("nope", { requestedBy: "op" }), { status: 404, error: "no backup nope" });
  assert.deepEqual(await runner.startForBackup("a", { requestedBy: "op" }), { status: 409, error: "backup a is still running" });
  assert.deepEqual(await runner.startForBackup("b", { requestedBy: "op" }), { status: 409, error: "backup b failed: there is nothing to restore" });
  assert.deepEqual(await runner.startForBackup("c", { requestedBy: "op" }), { status: 409, error: "backup c has no file in the backup store" });
  assert.deepEqual(await runner.startForExport("0123456789abcdef", { requestedBy: "op" }), { status: 404, error: "logical exports are not available" });
  const missing = await RestoreDrillRunner.open(deps({ d: { ...base, id: "d" } }, { d: path.join(source.dir, "dump.rdb") }, new SandboxPool({ parentDir: path.join(dir, "sb2"), binary: path.join(dir, "no-redis-server") })));
  const r = await missing.startForBackup("d", { requestedBy: "op" });
  assert.ok("status" in r && r.status === 503, JSON.stringify(r));
  assert.match(r.error, /redis-server is not installed on the dashboard host/);
  assert.deepEqual(await store.restoreDrills.list({ backupId: "d" }), [], "a refused drill leaves no record");
});

test("a drill is recorded, verifies, and sets the backup's verify columns; one per backup at a time", async () => {
  const catalogue = { e: { ...base, id: "e" } };
  const runner = await RestoreDrillRunner.open(deps(catalogue, { e: path.join(source.dir, "dump.rdb") }));
  const r = await runner.startForBackup("e", { requestedBy: "op" });
  assert.ok("id" in r, JSON.stringify(r));
  assert.deepEqual(await runner.startForBackup("e", { requestedBy: "op" }), { status: 409, error: "a restore drill of e is already running" });
  await runner.settle(r.id);
  const d = await runner.get(r.id);
  assert.equal(d?.status, "verified", JSON.stringify(d?.detail));
  assert.equal(d?.keys, 50);
  assert.equal(d?.requestedBy, "op");
  assert.deepEqual(verified.at(-1), { id: "e", status: "verified", detail: d?.line ?? null });
});

test("infrastructure failures stay on the drill record; a file that does not load is the backup's verdict", async () => {
  const catalogue = { f: { ...base, id: "f", verifyStatus: "verified" }, g: { ...base, id: "g" } };
  const bad = path.join(dir, "corrupt.rdb");
  const bytes = readFileSync(path.join(source.dir, "dump.rdb"));
  // The trailing CRC64 flipped: always "Wrong RDB checksum" (bytes flipped in the key data give a
  // different, sometimes inconclusive, error on each run).
  for (let i = bytes.length - 8; i < bytes.length; i++) bytes[i] = (bytes[i] ?? 0) ^ 0x5a;
  writeFileSync(bad, bytes);
  // A 1 ms limit: the drill fails with "ran past its limit", which says nothing about the file.
  const runner = await RestoreDrillRunner.open({ ...deps(catalogue, { f: path.join(source.dir, "dump.rdb"), g: bad }), timeoutMs: 1 });
  const before = verified.length;
  const r = await runner.startForBackup("f", { requestedBy: "op" });
  assert.ok("id" in r, JSON.stringify(r));
  await runner.settle(r.id);
  const d = await runner.get(r.id);
  assert.equal(d?.status, "failed");
  assert.match(d?.line ?? "", /limit/);
  assert.equal(verified.length, before, "a timeout does not overwrite the backup's verdict");
  const plain = await RestoreDrillRunner.open(deps(catalogue, { g: bad }));
  const g = await plain.startForBackup("g", { requestedBy: "op" });
  assert.ok("id" in g, JSON.stringify(g));
  await plain.settle(g.id);
  assert.equal((await plain.get(g.id))?.status, "failed");
  assert.deepEqual(verified.slice(before).map((v) => [v.id, v.status]), [["g", "failed"]]);
});

async function exportFrom(file: string, topology: string | null) {
  const conn = new Redis({ port: source.port, host: "127.0.0.1", lazyConnect: true });
  await conn.connect();
  try {
    await exportNode(conn, createWriteStream(file), { node: source.id, topology });
  } finally {
    conn.disconnect();
  }
}

test("compare-with-live of an export uses the file header's topology (never a guess) and pins the file while the drill runs", async () => {
  const withTopo = path.join(dir, "with.rsd");
  const noTopo = path.join(dir, "none.rsd");
  await exportFrom(withTopo, "blue");
  await exportFrom(noTopo, null);
  const asked: string[] = [];
  const pins: string[] = [];
  const runner = await RestoreDrillRunner.open({
    ...deps({}, {}),
    // The job is gone (a restart): the dependency knows no topology.
    exportFile: async (id) => ({ path: id === "0000000000000001" ? withTopo : noTopo, topology: null }),
    pinExport: (id) => {
      pins.push(`pin ${id}`);
      return () => pins.push(`unpin ${id}`);
    },
    live: async (topology) => {
      asked.push(topology);
      return { error: `no topology "${topology}" here` };
    },
  });
  const a = await runner.startForExport("0000000000000001", { requestedBy: "op", compareWithLive: true });
  assert.ok("id" in a, JSON.stringify(a));
  assert.deepEqual(pins, ["pin 0000000000000001"], "pinned while the drill runs");
  await runner.settle(a.id);
  assert.deepEqual(pins, ["pin 0000000000000001", "unpin 0000000000000001"]);
  assert.deepEqual(asked, ["blue"]);
  const b = await runner.startForExport("0000000000000002", { requestedBy: "op", compareWithLive: true });
  assert.ok("id" in b, JSON.stringify(b));
  await runner.settle(b.id);
  assert.deepEqual(asked, ["blue"], "no live connection for an unknown source topology");
  assert.match((await runner.get(b.id))?.detail?.live?.error ?? "", /source topology is unknown/);
});

test("a row a crash left running is marked failed at the next open", async () => {
  await store.restoreDrills.save({ id: "rd-00000000000000ff", backupId: "z", kind: "rdb", status: "running", startedAt: 5, finishedAt: null, keys: null, differences: null, seconds: null, line: null, detail: {}, requestedBy: "op" });
  await RestoreDrillRunner.open(deps({}, {}));
  const d = await waitFor("marked failed", () => store.restoreDrills.get("rd-00000000000000ff"), (x) => x?.status === "failed");
  assert.match(d?.line ?? "", /interrupted/);
});
