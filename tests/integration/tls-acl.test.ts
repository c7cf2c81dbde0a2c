// The monitor against TLS-only servers (throwaway CA from openssl) and restricted ACL users:
// each misconfiguration shows one clear error on the node instead of a hang or a crash.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import type { TlsSettings, TopologyConfig } from "../../lib/config/load";
import { buildTopologyMonitor } from "../../lib/monitor/build";
import type { TopologyMonitor } from "../../lib/monitor/topology-monitor";
import type { NodeView } from "../../lib/monitor/types";
import { startRedis, stopAll, type LocalRedis } from "../../lib/redis/local-server";
import { makeTlsFiles, startTlsRedis, type TlsFiles, type TlsRedis } from "../support/tls";
import { cli, FAST_SYNC } from "../support/topology";
import { waitFor } from "../support/wait";

const TIMEOUT_MS = 500;

function config(seed: { host: string; port: number }, extra: Partial<TopologyConfig> & { seedTls?: boolean } = {}): TopologyConfig {
  const { seedTls, ...rest } = extra;
  return {
    name: "t",
    seeds: [{ host: seed.host, port: seed.port, tls: seedTls ?? false }],
    nodes: {},
    pollMs: 100,
    infoMs: 1000,
    timeoutMs: TIMEOUT_MS,
    drills: false,
    ...rest,
  };
}

function view(m: TopologyMonitor, id: string): NodeView | undefined {
  return m.views().find((v) => v.id === id);
}

/** Runs a monitor until `ok` holds for the node's view; returns that view and when the node was first seen down. */
async function watchNode(cfg: TopologyConfig, id: string, ok: (v: NodeView | undefined) => boolean, timeoutMs = 5000): Promise<{ v: NodeView; firstDownAfterMs: number | null }> {
  const m = buildTopologyMonitor(cfg);
  const startedAt = Date.now();
  let firstDownAt: number | null = null;
  m.onChange((_t, c) => {
    if (c.nodeId === id && firstDownAt === null && m.state(id)?.status === "down" && m.state(id)?.lastError) firstDownAt = Date.now();
  });
  m.start();
  try {
    const v = await waitFor(`${id} view`, () => view(m, id), ok, timeoutMs);
    assert.ok(v);
    return { v, firstDownAfterMs: firstDownAt === null ? null : firstDownAt - startedAt };
  } finally {
    m.stop();
  }
}

const rejections: unknown[] = [];
const onRejection = (reason: unknown) => rejections.push(reason);
before(() => {
  process.on("unhandledRejection", onRejection);
});
after(() => {
  process.removeListener("unhandledRejection", onRejection);
  assert.deepEqual(rejections.map(String), [], "no unhandled rejection in this file");
});

describe("TLS", () => {
  let files: TlsFiles;
  let strict: TlsRedis;
  let optional: TlsRedis;
  before(async () => {
    files = await makeTlsFiles();
    strict = await startTlsRedis(files, { authClients: "yes" });
    optional = await startTlsRedis(files, { authClients: "optional" });
  });
  after(async () => {
    await strict?.stop();
    await optional?.stop();
    if (files) rmSync(files.dir, { recursive: true, force: true });
  });

  const good = (): TlsSettings => ({ ca: files.ca, cert: files.clientCert, key: files.clientKey });

  test("a TLS-only node with client certificates (tls-auth-clients yes) is up with its role", async () => {
    const { v } = await watchNode(config(strict, { seedTls: true, tls: good() }), strict.id, (x) => x?.status === "up" && x.role !== "unknown");
    assert.equal(v.role, "master");
    assert.equal(v.lastError, null);
    assert.match(v.runId ?? "", /^[0-9a-f]{40}$/);
  });

  test("tls-auth-clients optional: CA only, no client certificate, is enough", async () => {
    const { v } = await watchNode(config(optional, { seedTls: true, tls: { ca: files.ca } }), optional.id, (x) => x?.status === "up");
    assert.equal(v.role, "master");
  });

  test("a CA that did not sign the server's certificate shows a TLS error", async () => {
    const { v, firstDownAfterMs } = await watchNode(
      config(strict, { seedTls: true, tls: { ...good(), ca: files.otherCa } }),
      strict.id,
      (x) => x?.status === "down" && x.lastError !== null,
    );
    assert.match(v.lastError ?? "", /^TLS error: .*(certificate|issuer)/i, `got ${v.lastError}`);
    assert.ok(firstDownAfterMs !== null && firstDownAfterMs < TIMEOUT_MS, `failed fast (${firstDownAfterMs} ms), not by timeout`);
    assert.equal(v.role, "unknown");
  });

  test("no client certificate where the server requires one shows a clear error, fast", async () => {
    const { v, firstDownAfterMs } = await watchNode(config(strict, { seedTls: true, tls: { ca: files.ca } }), strict.id, (x) => x?.status === "down" && x.lastError !== null);
    // TLS 1.3: the server's "certificate required" alert arrives after the client's handshake is done.
    assert.match(v.lastError ?? "", /TLS error|certificate|connection (reset|closed)/i, `got ${v.lastError}`);
    assert.doesNotMatch(v.lastError ?? "", /timeout/i);
    assert.ok(firstDownAfterMs !== null && firstDownAfterMs < TIMEOUT_MS + 200, `failed in ${firstDownAfterMs} ms`);
  });

  test("plain TCP to the TLS port fails with a clear error, not a hang past the timeout", async () => {
    const { v, firstDownAfterMs } = await watchNode(config(strict), strict.id, (x) => x?.status === "down" && x.lastError !== null);
    assert.doesNotMatch(v.lastError ?? "", /timeout/i, `the server hangs up on plaintext; got ${v.lastError}`);
    assert.match(v.lastError ?? "", /connection (closed|reset)/i);
    assert.ok(firstDownAfterMs !== null && firstDownAfterMs < TIMEOUT_MS, `failed in ${firstDownAfterMs} ms`);
  });
  test("TLS to a plain (non-TLS) port: an error that names TLS, no later than the timeout", async () => {
    // Redis reads the ClientHello as the start of an inline command and waits for more, so the
    // client can only give up at its timeout; the error must then point at TLS, not read as a
    // frozen node ("no reply within 500 ms").
    const plain = await startRedis({ args: FAST_SYNC });
    try {
      const { v, firstDownAfterMs } = await watchNode(config(plain, { seedTls: true, tls: good() }), plain.id, (x) => x?.status === "down" && x.lastError !== null);
      assert.match(v.lastError ?? "", /TLS/, `got ${v.lastError}`);
      assert.ok(firstDownAfterMs !== null && firstDownAfterMs < TIMEOUT_MS + 300, `failed in ${firstDownAfterMs} ms`);
    } finally {
      await stopAll([plain]);
    }
  });
});

describe("ACL users", () => {
  let node: LocalRedis;
  before(async () => {
    node = await startRedis({
      args: [
        ...FAST_SYNC,
        // Only INFO and PING: no CONFIG, no ROLE, no CLIENT SETNAME.
        "--user", "watcher", "on", ">watch-pw-1", "+info", "+ping",
        "--user", "pinger", "on", ">ping-pw-1", "+ping",
      ],
    });
  });
  after(async () => {
    await stopAll(node ? [node] : []);
  });

  test("a user allowed only INFO and PING sees the node up with its role", async () => {
    const { v } = await watchNode(config(node, { username: "watcher", password: "watch-pw-1" }), node.id, (x) => x?.status === "up" && x.role !== "unknown");
    assert.equal(v.role, "master");
    assert.equal(v.lastError, null);
    // Stays up: CONFIG (NOPERM) is just "unknown", not a failure.
    const m = buildTopologyMonitor(config(node, { username: "watcher", password: "watch-pw-1" }));
    const downs: string[] = [];
    m.onChange((_t, c) => downs.push(...c.events.filter((e) => e.kind === "node:down").map((e) => e.text)));
    let polls = 0;
    m.onPollTimed((_t, id) => (polls += id === node.id ? 1 : 0));
    m.start();
    try {
      await waitFor("up", () => view(m, node.id), (x) => x?.status === "up");
      // Past the next full INFO (every 1000 ms at 100 ms polls): a dozen more successful polls.
      const seen = polls;
      await waitFor("12 more successful polls", () => polls - seen, (n) => n >= 12, 10_000);
      assert.deepEqual(downs, []);
      assert.equal(m.state(node.id)?.nodeConfig, null, "CONFIG is not permitted, so the config is unknown");
    } finally {
      m.stop();
    }
  });

  test("a user without +info shows 'not permitted'", async () => {
    const { v } = await watchNode(config(node, { username: "pinger", password: "ping-pw-1" }), node.id, (x) => x?.status === "down" && x.lastError !== null);
    assert.match(v.lastError ?? "", /^not permitted: NOPERM/, `got ${v.lastError}`);
    assert.doesNotMatch(v.lastError ?? "", /ping-pw-1/);
  });

  test("a wrong password shows 'authentication failed' and never the password", async () => {
    const { v } = await watchNode(config(node, { username: "watcher", password: "not-the-pw" }), node.id, (x) => x?.status === "down" && x.lastError !== null);
    assert.match(v.lastError ?? "", /^authentication failed/, `got ${v.lastError}`);
    assert.doesNotMatch(JSON.stringify(v), /not-the-pw/);
  });
});

describe("LOADING and MASTERDOWN", () => {
  test("a replica with replica-serve-stale-data no and its master down still answers INFO: up, link down (no MASTERDOWN)", async () => {
    const master = await startRedis({ args: FAST_SYNC });
    const replica = await startRedis({ args: [...FAST_SYNC, "--replica-serve-stale-data", "no"], replicaOf: { host: master.host, port: master.port } });
    const m = buildTopologyMonitor(config(replica));
    m.start();
    try {
      await waitFor("replica link up", () => view(m, replica.id), (v) => v?.status === "up" && v.linkStatus === "up", 10_000);
      master.signal("SIGKILL");
      await waitFor("replica link down", () => view(m, replica.id), (v) => v?.linkStatus === "down", 5000);
      // Redis really refuses data commands here…
      await assert.rejects(cli(replica.port, "GET", "k").then((out) => {
        if (out.startsWith("MASTERDOWN")) throw new Error(out);
        return out;
      }), /MASTERDOWN/);
      // …but INFO is flagged "stale" and keeps working, so the node stays up: polls keep succeeding.
      let polls = 0;
      m.onPollTimed((_t, id) => (polls += id === replica.id ? 1 : 0));
      await waitFor("5 more successful polls of the replica", () => polls, (n) => n >= 5, 5000);
      const v = view(m, replica.id);
      assert.equal(v?.status, "up", `got ${v?.lastError}`);
      assert.equal(v?.role, "replica");
      assert.ok(v?.linkDownSince !== null);
    } finally {
      m.stop();
      await stopAll([master, replica]);
    }
  });

  test("a node loading its dataset still answers INFO (INFO is allowed while loading), so it shows up, not LOADING", async () => {
    const args = ["--save", "3600 1", "--enable-debug-command", "local"];
    const node = await startRedis({ args });
    let starting: Promise<LocalRedis> | null = null;
    const m = buildTopologyMonitor(config(node));
    try {
      await cli(node.port, "DEBUG", "POPULATE", "20000");
      assert.equal(await cli(node.port, "DBSIZE"), "20000");
      await cli(node.port, "SAVE");
      await node.stop();
      // key-load-delay (hidden config, µs per key) stretches the load to about 2 s.
      starting = startRedis({ port: node.port, dir: node.dir, args: [...args, "--key-load-delay", "100", "--loading-process-events-interval-bytes", "1024"] });
      m.start();
      await waitFor("INFO says loading", () => cli(node.port, "INFO", "persistence"), (out) => out.includes("loading:1"), 5000);
      const during = await waitFor("up while loading", () => view(m, node.id), (x) => x?.status === "up", 1500);
      assert.equal(during?.role, "master");
      assert.match(await cli(node.port, "INFO", "persistence"), /loading:1/, "still loading when the monitor showed it up");
      await starting;
      await waitFor("up after the load", () => view(m, node.id), (x) => x?.status === "up" && x.keys === 20000, 5000);
    } finally {
      m.stop();
      const reloaded = starting ? await starting.catch(() => null) : null;
      await stopAll(reloaded ? [reloaded, node] : [node]);
    }
  });
});
