// Records survive `kill -9` of the dashboard: a compare and a drill cut off mid-run read back as
// "interrupted" with what they had done (keys scanned, the commands already sent), and the
// compare's DELETE works on them.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import Redis from "ioredis";
import { startServer, TEST_TOKEN, type ServerProcess } from "../support/server";
import { cli, startTopology, type Topology } from "../support/topology";
import { waitFor } from "../support/wait";

const AUTH = { authorization: `Bearer ${TEST_TOKEN}` };
type Json = Record<string, unknown>;
type Step = { name: string; status: string; detail: string };

/** One JSON column of one row, read from the database file by a connection of our own (what is committed on disk). */
function readStored(dataDir: string, sql: string, id: string): Json | null {
  const file = path.join(dataDir, "replscope.db");
  if (!existsSync(file)) return null;
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare(sql).get(id) as { v: string } | undefined;
    return row ? (JSON.parse(row.v) as Json) : null;
  } finally {
    db.close();
  }
}

describe("records after kill -9", () => {
  let topo: Topology;
  let dir: string;
  let dataDir: string;
  let config: string;
  const servers: ServerProcess[] = [];

  const api = async (server: ServerProcess, url: string, init: RequestInit = {}) => {
    const res = await fetch(`${server.url}${url}`, { ...init, headers: { ...AUTH, ...(init.body ? { "content-type": "application/json" } : {}) } });
    const text = await res.text();
    let body: Json = {};
    try {
      body = JSON.parse(text) as Json;
    } catch {
      body = { text };
    }
    return { status: res.status, body, text };
  };
  const allUp = (server: ServerProcess) =>
    waitFor(
      "2 nodes up",
      async () => ((await api(server, "/api/topology")).body.topologies as { nodes: { status: string; role: string; linkStatus: string | null }[] }[])[0]?.nodes ?? [],
      (nodes) => nodes.length === 2 && nodes.every((n) => n.status === "up" && (n.role === "master" || n.linkStatus === "up")),
      20_000,
      200,
    );

  before(async () => {
    topo = await startTopology({ replicas: 1 });
    const m = new Redis({ port: topo.master.port, host: "127.0.0.1" });
    const p = m.pipeline();
    for (let i = 0; i < 3000; i++) p.set(`k:${i}`, `v${i}`);
    await p.exec();
    await m.call("WAIT", "1", "10000");
    m.disconnect();
    dir = mkdtempSync(path.join(tmpdir(), "replscope-crash-"));
    dataDir = path.join(dir, "data");
    config = path.join(dir, "config.json");
    writeFileSync(config, JSON.stringify({ topologies: [{ name: "main", seeds: [`redis://127.0.0.1:${topo.master.port}`], pollMs: 100, drills: true }] }));
  });

  after(async () => {
    for (const s of servers) {
      if (s.child.exitCode === null && s.child.signalCode === null) await s.stop();
    }
    await topo?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("a compare and a drill killed mid-run read back as interrupted, with what was done", async () => {
    const first = await startServer({ REPLSCOPE_CONFIG: config, REPLSCOPE_DATA_DIR: dataDir });
    servers.push(first);
    await allUp(first);

    // A slow compare (100 keys/s over 6000 keys): it is mid-run when the process dies.
    const started = await api(first, "/api/compare", { method: "POST", body: JSON.stringify({ maxKeysPerSec: 100 }) });
    assert.equal(started.status, 202, started.text);
    const compareId = started.body.id as string;
    // Progress reaches the disk while the job runs, not only when it ends.
    await waitFor("compare progress on disk", () => readStored(dataDir, "select summary as v from compare_reports where id = ?", compareId), (s) => (s?.scanned as number) > 0, 20_000, 100);

    // An outage drill pauses the master for 5 s (and waits that long): it is mid-run when the
    // process dies, its CLIENT PAUSE already sent.
    const drill = await api(first, "/api/drills", { method: "POST", body: JSON.stringify({ topology: "main", scenario: "outage", options: { outageMs: 5000 } }) });
    assert.equal(drill.status, 201, drill.text);
    const drillId = drill.body.id as string;
    await waitFor("the CLIENT PAUSE step on disk", () => readStored(dataDir, "select body as v from drills where id = ?", drillId), (d) => ((d?.steps as Step[] | undefined) ?? []).some((s) => s.detail.includes("CLIENT PAUSE")), 20_000, 50);

    const gone = new Promise((resolve) => first.child.once("exit", resolve));
    first.child.kill("SIGKILL");
    await gone;
    // CLIENT PAUSE ALL holds even CLIENT UNPAUSE: a PING answers once the pause is over.
    assert.equal(await cli(topo.master.port, "PING"), "PONG");

    const second = await startServer({ REPLSCOPE_CONFIG: config, REPLSCOPE_DATA_DIR: dataDir });
    servers.push(second);

    const report = await api(second, `/api/compare/${compareId}`);
    assert.equal(report.status, 200);
    assert.equal(report.body.status, "interrupted", report.text.slice(0, 400));
    assert.ok((report.body.scanned as number) > 0, "what was done is kept");
    assert.ok((report.body.scanned as number) < (report.body.total as number));
    assert.match(report.body.error as string, /interrupted/);
    const jobs = (await api(second, "/api/compare")).body.jobs as { id: string; status: string }[];
    assert.equal(jobs.find((j) => j.id === compareId)?.status, "interrupted");
    // Nothing runs: the two compare slots are free.
    const fresh = await api(second, "/api/compare", { method: "POST", body: JSON.stringify({ maxKeysPerSec: 100 }) });
    assert.equal(fresh.status, 202, fresh.text);
    await api(second, `/api/compare/${fresh.body.id as string}`, { method: "DELETE" });
    const del = await api(second, `/api/compare/${compareId}`, { method: "DELETE" });
    assert.equal(del.status, 200, del.text);
    assert.equal((await api(second, `/api/compare/${compareId}`)).status, 404);

    const d = await api(second, `/api/drills/${drillId}`);
    assert.equal(d.status, 200);
    assert.equal(d.body.status, "interrupted", d.text.slice(0, 400));
    const steps = d.body.steps as Step[];
    const pause = steps.find((s) => s.detail === `CLIENT PAUSE 5000 ALL on ${topo.master.id}`);
    assert.ok(pause, JSON.stringify(steps));
    assert.equal(steps.at(-1)?.name, "interrupted");
    assert.match(steps.at(-1)?.detail ?? "", /CLIENT PAUSE/, "the interruption says what had been sent");
    assert.match(d.body.error as string, /interrupted|stopped/);
    assert.equal(((await api(second, "/api/drills")).body.drills as { id: string; status: string }[]).find((x) => x.id === drillId)?.status, "interrupted");
    assert.equal((await api(second, `/api/drills/${drillId}/abort`, { method: "POST" })).status, 409);
    const md = await api(second, `/api/drills/${drillId}/report.md`);
    assert.match(md.text, /\*\*interrupted\*\*/);
  });
});
