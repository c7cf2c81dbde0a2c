// Real Redis Clusters for integration tests: N masters × R replicas of redis-server (cluster mode),
// each in its own temp dir with its own nodes.conf, joined by `redis-cli --cluster create`, and
// stopped by PID through lib/redis/local-server like every other node.
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { keySlot, tagForSlot } from "../../lib/cluster/slot";
import { localRedisRoot, startRedis, stopAll, type LocalRedis } from "../../lib/redis/local-server";
import { cli } from "./topology";
import { waitFor } from "./wait";

export interface ClusterOptions {
  masters?: number;
  replicasPerMaster?: number;
  /** Extra redis-server arguments for every node. */
  args?: string[];
  nodeTimeoutMs?: number;
}

export interface Cluster {
  /** In creation order: redis-cli makes the first `masters` nodes masters (it may reorder replicas). */
  nodes: LocalRedis[];
  nodeTimeoutMs: number;
  stop(): Promise<void>;
}

/** Resolves true when the port can be bound on loopback right now. */
function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

const taken = new Set<number>();

/**
 * A port whose cluster bus port (port + 10000) is free too. Drawn below the ephemeral range so the
 * bus port stays ≤ 65535 and is unlikely to be grabbed by an outgoing connection meanwhile.
 */
export async function freeClusterPort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (port === 6379 || taken.has(port) || taken.has(port + 10_000)) continue;
    if ((await canBind(port)) && (await canBind(port + 10_000))) {
      taken.add(port);
      return port;
    }
  }
  throw new Error("no free port pair (port, port+10000) found on 127.0.0.1");
}

/** Runs redis-cli with a deadline; rejects with its output when it fails or hangs. */
export function redisCli(args: string[], timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("redis-cli", args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const keep = (d: Buffer) => {
      if (out.length < 64_000) out += d.toString("utf8");
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      // redis-cli --cluster prints "[ERR] ..." and may still exit 0 on some failures.
      if (code === 0 && !/^\[ERR\]/m.test(out)) resolve(out);
      else reject(new Error(`redis-cli ${args.join(" ")} failed (${signal ?? `exit ${code}`}):\n${out.slice(-4000)}`));
    });
  });
}

export function clusterNodeArgs(dir: string, nodeTimeoutMs: number): string[] {
  return [
    "--cluster-enabled", "yes",
    "--cluster-config-file", path.join(dir, "nodes.conf"),
    "--cluster-node-timeout", String(nodeTimeoutMs),
    // Loopback only: without it a node announces the address it sees itself on, which is loopback
    // here anyway, but a test must never depend on that.
    "--cluster-announce-ip", "127.0.0.1",
    "--appendonly", "no",
    "--save", "",
    "--repl-diskless-sync-delay", "0",
  ];
}

/** Waits until every live node says cluster_state:ok and every replica's link is up. */
export async function waitClusterHealthy(nodes: LocalRedis[], timeoutMs = 30_000): Promise<void> {
  for (const n of nodes) {
    await waitFor(`${n.id} cluster_state:ok`, () => cli(n.port, "CLUSTER", "INFO"), (out) => out.includes("cluster_state:ok"), timeoutMs, 100);
  }
  for (const n of nodes) {
    await waitFor(
      `${n.id} replication settled`,
      () => cli(n.port, "INFO", "replication"),
      (out) => out.includes("role:master") || out.includes("master_link_status:up"),
      timeoutMs,
      100,
    );
  }
}

export async function startCluster(opts: ClusterOptions = {}): Promise<Cluster> {
  const masters = opts.masters ?? 3;
  const replicasPerMaster = opts.replicasPerMaster ?? 1;
  const nodeTimeoutMs = opts.nodeTimeoutMs ?? 2000;
  const nodes: LocalRedis[] = [];
  try {
    for (let i = 0; i < masters * (1 + replicasPerMaster); i++) {
      const port = await freeClusterPort();
      const dir = mkdtempSync(path.join(localRedisRoot(), `cluster-${port}-`));
      nodes.push(await startRedis({ port, dir, args: [...clusterNodeArgs(dir, nodeTimeoutMs), ...(opts.args ?? [])] }));
    }
    await redisCli(
      ["--cluster", "create", ...nodes.map((n) => n.id), "--cluster-replicas", String(replicasPerMaster), "--cluster-yes"],
      60_000,
    );
    await waitClusterHealthy(nodes);
    return { nodes, nodeTimeoutMs, stop: () => stopAll(nodes) };
  } catch (err) {
    await stopAll(nodes);
    throw err;
  }
}

/** The slot of a key and a hash tag for a slot (lib/cluster/slot; checked against CLUSTER KEYSLOT by the tests). */
export { keySlot, tagForSlot };
