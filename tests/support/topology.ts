// Real redis-server topologies for integration tests: free ports, temp dirs, always cleaned up.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { TopologyConfig } from "../../lib/config/load";
import { localRedisRoot, startRedis, stopAll, type LocalRedis } from "../../lib/redis/local-server";
import { waitFor } from "./wait";

const execFileP = promisify(execFile);
export const FAST_SYNC = ["--repl-diskless-sync-delay", "0"];

export interface Topology {
  master: LocalRedis;
  replicas: LocalRedis[];
  /** Replicas of replicas[0]. */
  chained: LocalRedis[];
  all: LocalRedis[];
  stop(): Promise<void>;
}

export async function startTopology(opts: { replicas?: number; chained?: number; args?: string[] } = {}): Promise<Topology> {
  const args = [...FAST_SYNC, ...(opts.args ?? [])];
  const all: LocalRedis[] = [];
  try {
    const master = await startRedis({ args });
    all.push(master);
    const replicas: LocalRedis[] = [];
    for (let i = 0; i < (opts.replicas ?? 2); i++) {
      const r = await startRedis({ args, replicaOf: { host: master.host, port: master.port } });
      replicas.push(r);
      all.push(r);
    }
    const chained: LocalRedis[] = [];
    const parent = replicas[0];
    for (let i = 0; parent && i < (opts.chained ?? 0); i++) {
      const r = await startRedis({ args, replicaOf: { host: parent.host, port: parent.port } });
      chained.push(r);
      all.push(r);
    }
    for (const r of [...replicas, ...chained]) {
      await waitFor(`${r.id} link up`, () => cli(r.port, "INFO", "replication"), (out) => out.includes("master_link_status:up"), 15_000);
    }
    return { master, replicas, chained, all, stop: () => stopAll(all) };
  } catch (err) {
    await stopAll(all);
    throw err;
  }
}

export async function cli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await execFileP("redis-cli", ["-h", "127.0.0.1", "-p", String(port), ...args], { timeout: 10_000 });
  return stdout.trim();
}

/**
 * A topology config for monitor-level tests: fast polls, short timeouts, drills off unless asked,
 * and the test servers' folder allowed for log files (servers started without `dir` live there).
 */
export function testConfig(seeds: { host: string; port: number }[], extra: Partial<TopologyConfig> = {}): TopologyConfig {
  return {
    name: "t",
    seeds: seeds.map((s) => ({ host: s.host, port: s.port, tls: false })),
    nodes: {},
    pollMs: 100,
    infoMs: 1000,
    timeoutMs: 500,
    drills: false,
    logDirs: [localRedisRoot()],
    ...extra,
  };
}
