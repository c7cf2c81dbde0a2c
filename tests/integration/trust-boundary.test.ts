// What a Redis server reports is data, never an instruction (issue 9, finding 2), against real
// servers and hostile fake nodes registered as replicas through REPLCONF:
//  - log paths a node names are read only as regular files inside allowed dirs (symlinks resolved,
//    re-checked when the tailer reopens), never /proc or the data dir, and the refusal says why;
//  - discovery.allow keeps announced addresses outside it from ever being dialled;
//  - announced nodes that never answered are notes on the node naming them, not down nodes with
//    critical alerts, and nodes no live node names any more are forgotten and their alerts resolve.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync, appendFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TopologyConfig } from "../../lib/config/load";
import { AlertRulesSchema } from "../../lib/alerts/rules";
import { guardedOpener } from "../../lib/logs/log-access";
import { tailFile, type TailState } from "../../lib/logs/tail";
import { buildTopologyMonitor } from "../../lib/monitor/build";
import type { TopologyMonitor } from "../../lib/monitor/topology-monitor";
import type { TimelineEvent } from "../../lib/timeline/types";
import { parseAllowEntry, type AllowEntry } from "../../lib/redis/allow-list";
import { freePort, startRedis, stopAll, type LocalRedis } from "../../lib/redis/local-server";
import { announceReplica, startFakeRedis, type FakeRedis } from "../support/fake-redis";
import { startServer, TEST_PASSWORD, TEST_TOKEN, type ServerProcess } from "../support/server";
import { cli, FAST_SYNC, startTopology, testConfig, type Topology } from "../support/topology";
import { waitFor } from "../support/wait";

const root = mkdtempSync(path.join(tmpdir(), "replscope-trust-"));
after(() => rmSync(root, { recursive: true, force: true }));

const instantAlerts = AlertRulesSchema.parse({ forSeconds: 0 });
const allow = (...entries: string[]): AllowEntry[] => entries.map((e) => parseAllowEntry(e) as AllowEntry);

function monitor(cfg: TopologyConfig): { m: TopologyMonitor; events: TimelineEvent[] } {
  const m = buildTopologyMonitor(cfg);
  const events: TimelineEvent[] = [];
  m.onChange((_t, c) => events.push(...c.events));
  m.start();
  return { m, events };
}

/**
 * Resolves once the monitor's once-a-second loop (which evaluates alerts, forgets stale nodes and
 * then records a history point) has run `n` more times.
 */
async function loopRuns(m: TopologyMonitor, nodeId: string, n: number): Promise<void> {
  const from = Date.now();
  await waitFor(`${n} monitor loop runs`, () => m.history(nodeId, from)?.t.length ?? 0, (k) => k >= n, n * 1000 + 5000);
}

/** The master's own INFO lists this address as a replica (or no longer does). */
async function masterLists(master: LocalRedis, ids: string[], listed = true): Promise<void> {
  const entry = (id: string) => {
    const i = id.lastIndexOf(":");
    return `ip=${id.slice(0, i)},port=${id.slice(i + 1)},`;
  };
  await waitFor(`master ${listed ? "lists" : "dropped"} ${ids.length} announced replicas`, () => cli(master.port, "INFO", "replication"), (out) => ids.every((id) => out.includes(entry(id)) === listed), 10_000);
}

describe("log files named by a node", () => {
  test("a symlink in an allowed dir to a file outside is refused with the reason; a real file there is followed", async () => {
    const allowed = path.join(root, "allowed");
    const outside = path.join(root, "outside");
    mkdirSync(allowed);
    mkdirSync(outside);
    writeFileSync(path.join(outside, "secret.txt"), "SECRET-OUTSIDE-THE-ALLOWED-DIR\n");
    symlinkSync(path.join(outside, "secret.txt"), path.join(allowed, "link.log"));
    writeFileSync(path.join(allowed, "real.log"), "1:M 01 Jan 2026 00:00:00.000 * an allowed log line\n");
    const viaLink = await startFakeRedis({ config: { logfile: "link.log", dir: allowed } });
    const real = await startFakeRedis({ config: { logfile: path.join(allowed, "real.log"), dir: "/" } });
    const { m } = monitor(testConfig([viaLink, real], { logDirs: [allowed] }));
    try {
      const refused = await waitFor("symlinked log refused", () => m.logs.state(viaLink.id), (s) => s.status === "unreadable", 10_000);
      assert.equal(refused.status, "unreadable");
      assert.match(refused.status === "unreadable" ? refused.reason : "", /secret\.txt is outside the allowed log directories/);
      await waitFor("allowed log followed", () => m.logs.lines(real.id), (l) => l.some((x) => x.message === "an allowed log line"), 10_000);
      assert.deepEqual(m.logs.lines(viaLink.id), [], "nothing from the file outside is kept");
    } finally {
      m.stop();
      await Promise.all([viaLink.stop(), real.stop()]);
    }
  });

  test("a rotation that swaps the log for a symlink to a file outside is refused at reopen", async () => {
    const allowed = path.join(root, "rotating");
    mkdirSync(allowed);
    const secret = path.join(root, "rotated-secret.txt");
    writeFileSync(secret, "SECRET-AFTER-ROTATION\n");
    const file = path.join(allowed, "redis.log");
    writeFileSync(file, "before rotation\n");
    const lines: string[] = [];
    const states: TailState[] = [];
    const stop = tailFile(file, {
      fromLastLines: 10,
      pollMs: 50,
      retryMs: 100,
      openFile: guardedOpener({ logDirs: [allowed] }),
      onLines: (ls) => lines.push(...ls),
      onState: (s) => states.push(s),
    });
    try {
      await waitFor("first line", () => lines, (l) => l.includes("before rotation"), 5000);
      appendFileSync(file, "last line of the old file\n");
      renameSync(file, `${file}.1`);
      symlinkSync(secret, file);
      const last = await waitFor("refused after the rotation", () => states.at(-1), (s) => s?.status === "unreadable", 5000);
      assert.equal(last?.status === "unreadable" && last.code, "EREFUSED");
      assert.match(last?.status === "unreadable" ? last.reason : "", /rotated-secret\.txt is outside the allowed log directories/);
      assert.deepEqual(lines, ["before rotation", "last line of the old file"], "the old file is finished, the outside file never read");
    } finally {
      await stop();
    }
  });
});

describe("discovery.allow", () => {
  let topo: Topology;
  before(async () => {
    topo = await startTopology({ replicas: 1 });
  });
  after(async () => {
    await topo?.stop();
  });

  test("an announced address outside the list is never dialled and shows as not contacted; allowed ones are", async () => {
    const fake = await startFakeRedis({ host: "127.0.0.2", masterOf: topo.master });
    const unannounce = await announceReplica(topo.master, { ip: fake.host, port: fake.port });
    const polls: number[] = [];
    const { m } = monitor(testConfig([topo.master], { discoveryAllow: allow("127.0.0.1/32", "fd00::/8", "redis-a.internal") }));
    m.onPollTimed((_t, id) => {
      if (id === topo.master.id) polls.push(Date.now());
    });
    try {
      await masterLists(topo.master, [fake.id]);
      // Ten master polls after the master lists it, each seeing the announcement, dial nothing.
      const seen = polls.length;
      await waitFor("10 more master polls", () => polls.length, (n) => n >= seen + 10, 10_000);
      await waitFor("the allowed replica is up", () => m.views(), (vs) => vs.find((v) => v.id === topo.replicas[0]!.id)?.status === "up", 10_000);
      assert.equal(fake.connections(), 0, "replscope never connected to the address outside discovery.allow");
      assert.equal(m.state(fake.id), undefined);
      assert.ok(!m.views().some((v) => v.id === fake.id));
      const note = `lists replica ${fake.id} (not contacted: outside the allowed addresses)`;
      assert.ok(m.views().find((v) => v.id === topo.master.id)?.peerNote?.includes(note), "the master says which replica was not contacted, and why");
    } finally {
      m.stop();
      await unannounce();
      await fake.stop();
    }
  });
});

describe("announced nodes that never answer, and nodes that left", () => {
  let topo: Topology;
  before(async () => {
    topo = await startTopology({ replicas: 1 });
  });
  after(async () => {
    await topo?.stop();
  });

  test("40 forged announcements of dead addresses raise no alert and are forgotten once they go", async () => {
    const ports = await Promise.all(Array.from({ length: 40 }, () => freePort()));
    const forged = ports.map((port) => `127.0.0.1:${port}`);
    const unannounce = await Promise.all(ports.map((port) => announceReplica(topo.master, { ip: "127.0.0.1", port })));
    const { m, events } = monitor(testConfig([topo.master], { alerts: instantAlerts, forgetAfterMs: 1500 }));
    try {
      await masterLists(topo.master, forged);
      await waitFor("every forged address dialled and refused", () => forged.map((id) => m.state(id)?.lastError ?? null), (errs) => errs.every((e) => e !== null), 15_000);
      // Let two alert evaluations see the refused addresses.
      await loopRuns(m, topo.master.id, 2);
      assert.deepEqual(m.alerts.active().filter((a) => a.rule === "node-down"), [], "no node-down alert for addresses that never answered");
      assert.ok(!m.views().some((v) => forged.includes(v.id)), "never answered: not nodes on the map");
      assert.ok(!events.some((e) => e.kind === "node:down" && forged.includes(e.node)));
      assert.match(m.views().find((v) => v.id === topo.master.id)?.peerNote ?? "", /^lists replica 127\.0\.0\.1:\d+, which does not answer; .*; and 30 more$/);

      await Promise.all(unannounce.map((close) => close()));
      await masterLists(topo.master, forged, false);
      await waitFor("all 40 forgotten", () => forged.filter((id) => m.state(id) !== undefined).length, (n) => n === 0, 10_000);
      await waitFor("master note gone", () => m.views().find((v) => v.id === topo.master.id)?.peerNote, (n) => n === null, 5000);
      assert.ok(!events.some((e) => e.kind === "node:forgotten"), "announcements that never answered leave no timeline entry");
    } finally {
      m.stop();
      await Promise.all(unannounce.map((close) => close()));
    }
  });

  test("40 fake replicas that answered, then vanished: down with alerts, then forgotten and the alerts resolve", async () => {
    const fakes: FakeRedis[] = [];
    const closers: (() => Promise<void>)[] = [];
    const { m, events } = monitor(testConfig([topo.master], { alerts: instantAlerts, forgetAfterMs: 1500 }));
    try {
      for (let i = 0; i < 40; i++) {
        const f = await startFakeRedis({ masterOf: topo.master });
        fakes.push(f);
        closers.push(await announceReplica(topo.master, { ip: f.host, port: f.port }));
      }
      const ids = fakes.map((f) => f.id);
      await waitFor("40 fake replicas up", () => m.views(), (vs) => ids.every((id) => vs.find((v) => v.id === id)?.status === "up"), 20_000);
      await Promise.all(closers.map((close) => close()));
      await Promise.all(fakes.map((f) => f.stop()));
      const downAlerts = () => m.alerts.active().filter((a) => a.rule === "node-down" && ids.includes(a.node ?? ""));
      await waitFor("node-down alerts fire", () => downAlerts().length, (n) => n === 40, 15_000);
      await waitFor("all forgotten", () => ids.filter((id) => m.state(id) !== undefined).length, (n) => n === 0, 15_000);
      await waitFor("their alerts resolve", () => downAlerts().length, (n) => n === 0, 5000);
      const resolved = events.filter((e) => e.kind === "alert:node-down" && e.data?.state === "resolved" && ids.includes(e.node));
      assert.equal(resolved.length, 40, "every node-down alert resolved");
      assert.equal(events.filter((e) => e.kind === "node:forgotten" && ids.includes(e.node)).length, 40);
      assert.ok(!m.views().some((v) => ids.includes(v.id)));
      assert.ok(m.views().some((v) => v.id === topo.replicas[0]!.id && v.status === "up"), "the real replica stays");
    } finally {
      m.stop();
      await Promise.all(closers.map((close) => close()));
      await Promise.all(fakes.map((f) => f.stop()));
    }
  });

  test("a replica pointing at 127.0.0.1:1 says so; 127.0.0.1:1 is no node and raises no node-down alert", async () => {
    const replica = await startRedis({ args: [...FAST_SYNC, "--replicaof", "127.0.0.1", "1"] });
    const { m } = monitor(testConfig([replica], { alerts: instantAlerts, forgetAfterMs: 1500 }));
    try {
      await waitFor("127.0.0.1:1 dialled and refused", () => m.state("127.0.0.1:1")?.lastError ?? null, (e) => e !== null, 10_000);
      await waitFor("link-down alert on the replica", () => m.alerts.active(), (a) => a.some((x) => x.rule === "link-down" && x.node === replica.id), 5000);
      await loopRuns(m, replica.id, 2);
      assert.deepEqual(m.alerts.active().filter((a) => a.node === "127.0.0.1:1"), [], "no alert for an address that never answered");
      assert.ok(!m.views().some((v) => v.id === "127.0.0.1:1"), "not a node on the map");
      const view = m.views().find((v) => v.id === replica.id);
      assert.equal(view?.masterId, "127.0.0.1:1");
      assert.equal(view?.peerNote, "points at 127.0.0.1:1, which does not answer");

      // Pointed at a real master, the dead address is named by no one and forgotten.
      await cli(replica.port, "REPLICAOF", topo.master.host, String(topo.master.port));
      await waitFor("127.0.0.1:1 forgotten", () => m.state("127.0.0.1:1"), (s) => s === undefined, 10_000);
      await waitFor("note gone", () => m.views().find((v) => v.id === replica.id)?.peerNote, (n) => n === null, 5000);
    } finally {
      m.stop();
      await stopAll([replica]);
    }
  });
});

describe("through the API: a fake replica naming /proc/self/environ and a file in the data dir", () => {
  let topo: Topology;
  let server: ServerProcess;
  let dataDir: string;
  const fakes: FakeRedis[] = [];
  const closers: (() => Promise<void>)[] = [];
  const MARKER = "DATA-DIR-SECRET-7f3a";
  before(async () => {
    topo = await startTopology({ replicas: 1 });
    dataDir = mkdtempSync(path.join(tmpdir(), "replscope-trust-data-"));
    writeFileSync(path.join(dataDir, "secret.log"), `${MARKER}\n`);
    fakes.push(await startFakeRedis({ masterOf: topo.master, config: { logfile: "/proc/self/environ", dir: "/tmp" } }));
    fakes.push(await startFakeRedis({ masterOf: topo.master, config: { logfile: "secret.log", dir: dataDir } }));
    for (const f of fakes) closers.push(await announceReplica(topo.master, { ip: f.host, port: f.port }));
    const configFile = path.join(root, "api-config.json");
    // Both /proc and the data dir listed on purpose: they are refused even then.
    writeFileSync(configFile, JSON.stringify({ logDirs: ["/proc", dataDir], topologies: [{ name: "main", seeds: [`redis://127.0.0.1:${topo.master.port}`], pollMs: 100 }] }));
    server = await startServer({ REPLSCOPE_CONFIG: configFile, REPLSCOPE_DATA_DIR: dataDir });
  });
  after(async () => {
    await server?.stop();
    await Promise.all(closers.map((close) => close()));
    await Promise.all(fakes.map((f) => f.stop()));
    await topo?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test("both are refused with the reason, and no content is ever served", async () => {
    const auth = { authorization: `Bearer ${TEST_TOKEN}` };
    type Logs = { source: { status: string; reason?: string }; lines: { message: string }[] };
    const get = async (id: string) => {
      const res = await fetch(`${server.url}/api/nodes/${encodeURIComponent(id)}/logs`, { headers: auth });
      return { text: await res.text(), status: res.status };
    };
    const [environ, dataFile] = fakes as [FakeRedis, FakeRedis];
    const a = await waitFor("environ refused", () => get(environ.id), (r) => r.status === 200 && (JSON.parse(r.text) as Logs).source.status === "unreadable", 15_000);
    assert.match((JSON.parse(a.text) as Logs).source.reason ?? "", /under \/proc, which replscope never reads as a log/);
    const b = await waitFor("data dir file refused", () => get(dataFile.id), (r) => r.status === 200 && (JSON.parse(r.text) as Logs).source.status === "unreadable", 15_000);
    assert.match((JSON.parse(b.text) as Logs).source.reason ?? "", /replscope's own data/);
    for (const r of [a, b]) assert.deepEqual((JSON.parse(r.text) as Logs).lines, []);
    // Three more runs of the dashboard's 1 s loop: the tailers (retrying every second) still serve nothing.
    const from = Date.now();
    type Node = { history: { t: number[] } | null };
    const node = async () => (await (await fetch(`${server.url}/api/nodes/${encodeURIComponent(topo.master.id)}?since=${from}`, { headers: auth })).json()) as Node;
    await waitFor("3 more history points", node, (n) => (n.history?.t.length ?? 0) >= 3, 10_000);
    for (const f of fakes) {
      const { text } = await get(f.id);
      assert.deepEqual((JSON.parse(text) as Logs).lines, []);
      for (const secret of [TEST_PASSWORD, TEST_TOKEN, MARKER, "REPLSCOPE_"]) assert.ok(!text.includes(secret), `${f.id}: the log API leaked ${secret}`);
    }
  });
});
