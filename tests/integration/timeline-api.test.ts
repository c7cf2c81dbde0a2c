// Step 2 through the real server: events persist across a restart, a missing log file is explained,
// a writable replica raises an alert, and /api/events filters and validates.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { io, type Socket } from "socket.io-client";
import type { ClientToServerEvents, ServerToClientEvents, TopologySnapshot } from "../../lib/realtime/events";
import type { TimelineEvent } from "../../lib/timeline/types";
import { startServer, TEST_TOKEN, type ServerProcess } from "../support/server";
import { cli, startTopology, type Topology } from "../support/topology";
import { waitFor } from "../support/wait";

const auth = { authorization: `Bearer ${TEST_TOKEN}` };

describe("timeline, logs and alerts through the API", () => {
  let topo: Topology;
  let server: ServerProcess;
  let dir: string;
  let configFile: string;
  before(async () => {
    topo = await startTopology({ replicas: 2 });
    dir = mkdtempSync(path.join(tmpdir(), "replscope-tl-"));
    configFile = path.join(dir, "config.json");
    writeFileSync(
      configFile,
      JSON.stringify({
        topologies: [
          {
            name: "main",
            seeds: [`redis://127.0.0.1:${topo.master.port}`],
            pollMs: 100,
            nodes: { [topo.replicas[1]!.id]: { logFile: path.join(dir, "no-such-dir", "redis.log") } },
            alerts: { forSeconds: 0 },
          },
        ],
      }),
    );
    server = await startServer({ REPLSCOPE_CONFIG: configFile });
  });
  after(async () => {
    await server?.stop();
    await topo?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const events = async (query = "") =>
    ((await (await fetch(`${server.url}/api/events${query}`, { headers: auth })).json()) as { events: TimelineEvent[] }).events;

  test("a node's log is tailed when readable, and explained when not", async () => {
    type Logs = { source: { status: string; reason?: string; path?: string }; lines: { message: string }[] };
    const get = async (id: string) => (await (await fetch(`${server.url}/api/nodes/${encodeURIComponent(id)}/logs`, { headers: auth })).json()) as Logs;
    const ok = await waitFor("master log readable", () => get(topo.master.id), (l) => l.source.status === "readable" && l.lines.length > 0, 10_000);
    assert.equal(ok.source.path, topo.master.logFile);
    assert.ok(ok.lines.some((l) => /Ready to accept connections/.test(l.message)));
    const bad = await waitFor("replica log unreadable", () => get(topo.replicas[1]!.id), (l) => l.source.status === "unreadable", 10_000);
    assert.match(bad.source.reason ?? "", /does not exist|no such|not found|ENOENT/i);
    const badQuery = await fetch(`${server.url}/api/nodes/${encodeURIComponent(topo.master.id)}/logs?after=-1`, { headers: auth });
    assert.equal(badQuery.status, 400);
  });

  test("a writable replica raises an alert live and on the timeline", async () => {
    const sock: Socket<ServerToClientEvents, ClientToServerEvents> = io(server.url, { transports: ["websocket"], auth: { token: TEST_TOKEN } });
    try {
      await new Promise<TopologySnapshot>((resolve) => sock.once("topology:snapshot", resolve));
      const seen = new Promise<string>((resolve) =>
        sock.on("topology:delta", (d) => {
          const a = d.topologies.flatMap((t) => t.alerts ?? []).find((x) => x.rule === "writable-replica");
          if (a) resolve(a.node ?? "");
        }),
      );
      await cli(topo.replicas[0]!.port, "CONFIG", "SET", "replica-read-only", "no");
      assert.equal(await seen, topo.replicas[0]!.id);
      const evs = await waitFor("alert event", () => events("?kind=alert:"), (e) => e.some((x) => x.kind === "alert:writable-replica"), 5000);
      assert.ok(evs.every((e) => e.kind.startsWith("alert:")), "prefix filter");
    } finally {
      sock.close();
      await cli(topo.replicas[0]!.port, "CONFIG", "SET", "replica-read-only", "yes");
    }
  });

  test("events survive a restart of the dashboard, and bad queries are 400", async () => {
    await cli(topo.replicas[0]!.port, "CLIENT", "KILL", "TYPE", "master");
    const before = await waitFor("a resync on the timeline", () => events("?kind=sync:"), (e) => e.some((x) => x.node === topo.replicas[0]!.id), 15_000);
    const ids = new Set(before.map((e) => e.id));
    // The node page's chart comes from the store's metric tiers: it survives the restart too.
    const from = Date.now() - 10 * 60_000;
    const chart = async () => ((await (await fetch(`${server.url}/api/nodes/${encodeURIComponent(topo.master.id)}?since=${from}`, { headers: auth })).json()) as { history: { t: number[] } | null }).history?.t ?? [];
    const chartBefore = await waitFor("history points", chart, (t) => t.length >= 2, 10_000);
    const dataDir = server.dataDir;
    // The store commits every 50 ms: what is older than 200 ms must survive a kill -9. Waited on the
    // events' own time (with room for the commit itself), not on when the API happened to show them.
    const newest = Math.max(...before.map((e) => e.at));
    await waitFor("the resync events past the store's 200 ms window", () => Date.now() - newest, (age) => age >= 500, 5000, 20);
    server.child.kill("SIGKILL");
    await new Promise((r) => server.child.once("exit", r));
    server = await startServer({ REPLSCOPE_CONFIG: configFile, REPLSCOPE_DATA_DIR: dataDir });
    const after = await events("?kind=sync:&limit=5000");
    for (const id of ids) assert.ok(after.some((e) => e.id === id), `event ${id} survived kill -9`);
    const chartAfter = await chart();
    for (const t of chartBefore) assert.ok(chartAfter.includes(t), `history point ${t} survived kill -9`);
    const fresh = await waitFor("new events", () => events(), (e) => e.some((x) => x.id > Math.max(...ids)), 10_000);
    assert.ok(fresh.length > 0);
    for (const q of ["?limit=0", "?limit=abc", "?since=-5", "?nope=1", `?kind=${"x".repeat(600)}`]) {
      const res = await fetch(`${server.url}/api/events${q}`, { headers: auth });
      assert.equal(res.status, 400, q);
    }
  });
});
