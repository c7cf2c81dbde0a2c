// The socket's page channels against real redis-servers (no Next): a node subscription gets a
// snapshot then deltas (a write moves ops and offsets, a promotion changes the role), the log tail
// arrives, subscriptions are validated and bounded per socket, and a drill's progress is pushed by
// the drill manager's onUpdate to the drill's room and as a summary to every socket.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { io, type Socket } from "socket.io-client";
import { hashPassword } from "../../lib/auth/password";
import { SESSION_COOKIE } from "../../lib/auth/session";
import { openAuth, type AuthService } from "../../lib/auth/store";
import { CompareRunner } from "../../lib/compare/runner";
import { DrillManager } from "../../lib/drills/runner";
import { DrillStore } from "../../lib/drills/store";
import { MonitorHub } from "../../lib/monitor/hub";
import { openStore, type Store } from "../../lib/store";
import type { ClientToServerEvents, CompareUpdate, DrillUpdate, LogLines, NodeDelta, NodeSnapshot, ServerToClientEvents, SubscribeAck } from "../../lib/realtime/events";
import { LIMITS } from "../../lib/realtime/channels";
import { attachSocketServer } from "../../lib/realtime/socket-server";
import { cli, startTopology, testConfig, type Topology } from "../support/topology";
import { waitFor } from "../support/wait";

const TOKEN = "channel-test-token-0123456789";
type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

describe("socket page channels", () => {
  let topo: Topology;
  let hub: MonitorHub;
  let http: Server;
  let sockets: ReturnType<typeof attachSocketServer>;
  let drills: DrillManager;
  let compare: CompareRunner;
  let auth: AuthService;
  let dir: string;
  let store: Store;
  let url: string;
  const clients: Client[] = [];

  before(async () => {
    topo = await startTopology({ replicas: 1 });
    dir = mkdtempSync(path.join(tmpdir(), "replscope-channels-"));
    hub = new MonitorHub([testConfig([topo.master], { drills: true })]);
    store = await openStore({ dataDir: dir });
    auth = await openAuth(store.auth, "channel-test-password", TOKEN, [{ name: "vera", role: "viewer", passwordHash: hashPassword("viewer-pass-123") }]);
    http = createServer((_req, res) => res.end());
    const ref: { current?: typeof sockets } = {};
    drills = await DrillManager.open(hub, new DrillStore(store.drills), (d) => ref.current?.channels.drillUpdated(d));
    compare = await CompareRunner.open({ hub, reports: store.compare, onUpdate: (s) => ref.current?.channels.compareUpdated(s.id) });
    sockets = attachSocketServer(http, hub, auth, {}, { drills, compare: () => compare, viewerValues: false }, { nodeMs: 200, logsMs: 200, compareMs: 100 });
    ref.current = sockets;
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    hub.start();
    await waitFor("replica seen", () => hub.get("t")!.views(), (v) => v.filter((n) => n.status === "up").length === 2, 15_000);
  });

  after(async () => {
    for (const c of clients) c.close();
    hub?.stop();
    await sockets?.close();
    await topo?.stop();
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The API token is an operator; `viewer` connects with a viewer's session cookie. */
  async function connect(as: "operator" | "viewer" = "operator"): Promise<Client> {
    const c: Client =
      as === "operator"
        ? io(url, { transports: ["websocket"], auth: { token: TOKEN }, reconnection: false })
        : io(url, { transports: ["websocket"], extraHeaders: { cookie: `${SESSION_COOKIE}=${auth.issue({ user: "vera", role: "viewer" })}` }, reconnection: false });
    clients.push(c);
    await new Promise((resolve, reject) => {
      c.once("topology:snapshot", resolve);
      c.once("connect_error", reject);
    });
    return c;
  }

  const subscribe = (c: Client, ev: "node:subscribe" | "logs:subscribe", t: { id: string; topology?: string }) =>
    new Promise<SubscribeAck>((resolve) => c.emit(ev, t, resolve));

  test("node: a snapshot, then deltas with new chart points; a write moves ops, a promotion the role", async () => {
    const c = await connect();
    const replica = topo.replicas[0]!;
    const snapshot = new Promise<NodeSnapshot>((resolve) => c.once("node:snapshot", resolve));
    const deltas: NodeDelta[] = [];
    c.on("node:delta", (d) => deltas.push(d));
    assert.deepEqual(await subscribe(c, "node:subscribe", { id: replica.id }), { ok: true });
    const snap = await snapshot;
    assert.equal(snap.detail.node.id, replica.id);
    assert.equal(snap.detail.node.role, "replica");
    const offset = snap.detail.node.replOffset ?? 0;
    assert.ok(snap.detail.info, "INFO in the snapshot");

    await cli(topo.master.port, "EVAL", "for i=1,2000 do redis.call('SET','live:'..i,'v') end return 1", "0");
    await waitFor("a delta with a higher offset", () => deltas.map((d) => d.node?.replOffset ?? 0), (offs) => offs.some((o) => o > offset), 10_000);
    await waitFor("new chart points", () => deltas.filter((d) => d.points).length, (n) => n > 0, 10_000);
    const lastSnapPoint = snap.detail.history?.t.at(-1) ?? 0;
    for (const d of deltas) for (const t of d.points?.t ?? []) assert.ok(t > lastSnapPoint, "points are only new ones");

    await cli(replica.port, "REPLICAOF", "NO", "ONE");
    try {
      await waitFor("the role change as a delta", () => deltas.some((d) => d.node?.role === "master"), (v) => v, 10_000);
      await waitFor("its event", () => deltas.flatMap((d) => d.events ?? []).map((e) => e.text).join("\n"), (t) => t.includes("promoted to master"), 10_000);
    } finally {
      await cli(replica.port, "REPLICAOF", topo.master.host, String(topo.master.port));
    }
    // Unsubscribing leaves the node's room: nothing more is built or sent for this socket.
    c.emit("node:unsubscribe", { id: replica.id });
    await waitFor("the room emptied", () => sockets.io.sockets.adapter.rooms.get(`node:*/${replica.id}`)?.size ?? 0, (n) => n === 0);
  });

  test("subscriptions are validated and bounded per socket", async () => {
    const c = await connect();
    const bad = await subscribe(c, "node:subscribe", { id: "not an id" });
    assert.equal(bad.ok, false);
    assert.equal(!bad.ok && bad.status, 400);
    const missing = await subscribe(c, "node:subscribe", { id: "127.0.0.1:1" });
    assert.equal(!missing.ok && missing.status, 404);
    // Distinct keys for the same node: the topology name and "any" count separately.
    const keys = [{ id: topo.master.id }, { id: topo.master.id, topology: "t" }, { id: topo.replicas[0]!.id }, { id: topo.replicas[0]!.id, topology: "t" }];
    assert.equal(keys.length, LIMITS.node);
    for (const k of keys) assert.deepEqual(await subscribe(c, "node:subscribe", k), { ok: true });
    const over = await subscribe(c, "node:subscribe", { id: "127.0.0.1:2" });
    assert.equal(!over.ok && over.status, 429, JSON.stringify(over));
    // Subscribing again to one it holds is not a new one.
    assert.deepEqual(await subscribe(c, "node:subscribe", keys[0]!), { ok: true });
    // Junk without an acknowledgement callback does not break the socket.
    const raw = c as unknown as { emit(ev: string, ...a: unknown[]): void };
    raw.emit("node:subscribe", "junk");
    raw.emit("logs:subscribe", { id: 5 });
    raw.emit("drill:subscribe", null);
    assert.deepEqual(await subscribe(c, "logs:subscribe", { id: topo.master.id }), { ok: true }, "still answering");
  });

  test("logs: the last lines at once, then new ones", async () => {
    const c = await connect();
    const batches: LogLines[] = [];
    c.on("logs:lines", (l) => batches.push(l));
    assert.deepEqual(await subscribe(c, "logs:subscribe", { id: topo.replicas[0]!.id }), { ok: true });
    await waitFor("the first batch", () => batches.length, (n) => n > 0);
    assert.equal(batches[0]!.reset, true);
    // A replica re-pointed at its master logs the new sync: the lines arrive without asking again.
    await cli(topo.replicas[0]!.port, "REPLICAOF", topo.master.host, String(topo.master.port));
    const known = new Set(batches.flatMap((b) => b.lines.map((l) => l.seq)));
    await cli(topo.replicas[0]!.port, "REPLICAOF", "NO", "ONE");
    await cli(topo.replicas[0]!.port, "REPLICAOF", topo.master.host, String(topo.master.port));
    await waitFor("new log lines pushed", () => batches.filter((b) => !b.reset).flatMap((b) => b.lines).filter((l) => !known.has(l.seq)).length, (n) => n > 0, 15_000);
    await waitFor("replica link up again", () => cli(topo.replicas[0]!.port, "INFO", "replication"), (o) => o.includes("master_link_status:up"), 15_000);
  });

  test("compare: progress is pushed while the job runs, then the final report", { timeout: 60_000 }, async () => {
    const c = await connect();
    await cli(topo.master.port, "EVAL", "for i=1,3000 do redis.call('SET','cmp:'..i,'v') end return 1", "0");
    await waitFor("replica caught up", () => hub.get("t")!.views(), (v) => v.every((n) => n.role !== "replica" || n.lagBytes === 0), 15_000);
    const updates: CompareUpdate[] = [];
    c.on("compare:update", (u) => updates.push(u));
    const started = await compare.start({ db: 0, maxKeysPerSec: 2000 });
    assert.ok("id" in started, JSON.stringify(started));
    const ack = await new Promise<SubscribeAck>((resolve) => c.emit("compare:subscribe", { id: started.id }, resolve));
    assert.deepEqual(ack, { ok: true });
    await waitFor("the final report on the socket", () => updates.at(-1)?.report.status, (s) => s !== undefined && s !== "running", 45_000);
    assert.equal(updates.at(-1)?.report.status, "done", updates.at(-1)?.report.error ?? "");
    const running = updates.filter((u) => u.report.status === "running").map((u) => u.report.scanned);
    assert.ok(running.length >= 2, `progress while running (${running.length} updates)`);
    assert.ok(running.at(-1)! > running[0]!, `scanned grew: ${running.join(",")}`);
    const unknown = await new Promise<SubscribeAck>((resolve) => c.emit("compare:subscribe", { id: "0123456789abcdef" }, resolve));
    assert.equal(!unknown.ok && unknown.status, 404);
  });

  test("compare: a viewer gets the report without value-derived details when viewerValues is off", { timeout: 60_000 }, async () => {
    // A difference to report: a key only the replica has (a writable replica takes the write).
    const replica = topo.replicas[0]!;
    await cli(replica.port, "CONFIG", "SET", "replica-read-only", "no");
    await cli(replica.port, "SET", "only-here", "secret-value");
    const started = await compare.start({ db: 0, maxKeysPerSec: 100_000 });
    assert.ok("id" in started, JSON.stringify(started));
    await waitFor("the job done", async () => (await compare.get(started.id))?.status, (s) => s !== "running", 45_000);
    await cli(replica.port, "DEL", "only-here");
    await cli(replica.port, "CONFIG", "SET", "replica-read-only", "yes");
    const full = (await compare.get(started.id))!;
    const diff = full.differences.find((d) => d.display.includes("only-here"));
    assert.ok(diff, JSON.stringify(full.differences.slice(0, 3)));
    const reportOn = async (c: Client) => {
      const got = new Promise<CompareUpdate>((resolve) => c.once("compare:update", resolve));
      assert.deepEqual(await new Promise<SubscribeAck>((resolve) => c.emit("compare:subscribe", { id: started.id }, resolve)), { ok: true });
      return (await got).report.differences.find((d) => d.display.includes("only-here"));
    };
    assert.equal((await reportOn(await connect("operator")))?.detail, diff.detail, "the operator sees the detail");
    const viewerSees = await reportOn(await connect("viewer"));
    assert.ok(viewerSees, "the viewer sees the difference");
    assert.notEqual(viewerSees.detail, diff.detail, "but not its value-derived detail");
  });

  test("drills: progress is pushed to the drill's room and a summary to every socket", { timeout: 60_000 }, async () => {
    const watcher = await connect();
    const follower = await connect();
    await waitFor("topology settled", () => hub.get("t")!.views(), (v) => v.filter((n) => n.role === "replica" && n.linkStatus === "up").length === 1, 15_000);
    const summaries: string[] = [];
    watcher.on("drills:summary", (s) => summaries.push(`${s.drill.id}:${s.drill.status}:${s.drill.steps.length}`));
    const updates: DrillUpdate[] = [];
    follower.on("drill:update", (u) => updates.push(u));
    const drill = await drills.start({ topology: "t", scenario: "promote", user: "test", options: { includeOldMaster: true } });
    const ack = await new Promise<SubscribeAck>((resolve) => follower.emit("drill:subscribe", { id: drill.id }, resolve));
    assert.deepEqual(ack, { ok: true });
    await waitFor("the drill done on the socket", () => updates.at(-1)?.drill.status, (s) => s === "done" || s === "failed", 45_000);
    assert.equal(updates.at(-1)?.drill.status, "done", updates.at(-1)?.drill.error ?? "");
    assert.ok(updates.length >= 3, `several updates, not one at the end (${updates.length})`);
    const stepCounts = updates.map((u) => u.drill.steps.length);
    assert.ok(new Set(stepCounts).size >= 2, `steps grew across updates: ${stepCounts.join(",")}`);
    assert.ok(updates.at(-1)?.drill.report, "the report arrives with the final update");
    // Events: each update carries only the ones after the previous, contiguous.
    let have = 0;
    for (const u of updates) {
      assert.ok(u.eventsFrom <= have, `no gap (${u.eventsFrom} > ${have})`);
      have = Math.max(have, u.eventsFrom + u.events.length);
    }
    await waitFor("the summary of the finished drill on another socket", () => summaries, (s) => s.some((x) => x.startsWith(`${drill.id}:done:`)), 5000);
    assert.ok(summaries.some((x) => x.startsWith(`${drill.id}:running:`)), "and while it ran");
    const unknown = await new Promise<SubscribeAck>((resolve) => follower.emit("drill:subscribe", { id: "00000000-0000-4000-8000-000000000000" }, resolve));
    assert.equal(!unknown.ok && unknown.status, 404);
  });
});
