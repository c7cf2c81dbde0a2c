// Real Redis Sentinels for integration tests: one temp dir and one writable sentinel.conf per
// sentinel (Sentinel rewrites it), started through lib/redis/local-server like every other node.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort, startRedis, stopAll, type LocalRedis } from "../../lib/redis/local-server";
import { cli } from "./topology";
import { waitFor } from "./wait";

export interface SentinelOptions {
  count?: number;
  name?: string;
  quorum?: number;
  downAfterMs?: number;
  failoverTimeoutMs?: number;
  /** Password of the monitored master and replicas (sentinel auth-pass). */
  auth?: string;
}

export interface Sentinels {
  sentinels: LocalRedis[];
  name: string;
  stop(): Promise<void>;
}

export function sentinelConf(o: {
  port: number;
  dir: string;
  name: string;
  master: { host: string; port: number };
  quorum: number;
  downAfterMs: number;
  failoverTimeoutMs: number;
  auth?: string;
}): string {
  return [
    `port ${o.port}`,
    `dir ${o.dir}`,
    "sentinel resolve-hostnames no",
    `sentinel monitor ${o.name} ${o.master.host} ${o.master.port} ${o.quorum}`,
    `sentinel down-after-milliseconds ${o.name} ${o.downAfterMs}`,
    `sentinel failover-timeout ${o.name} ${o.failoverTimeoutMs}`,
    `sentinel parallel-syncs ${o.name} 1`,
    ...(o.auth ? [`sentinel auth-pass ${o.name} ${o.auth}`] : []),
    "",
  ].join("\n");
}

export async function startSentinels(master: { host: string; port: number }, opts: SentinelOptions = {}): Promise<Sentinels> {
  const count = opts.count ?? 3;
  const name = opts.name ?? "mymaster";
  const sentinels: LocalRedis[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const port = await freePort();
      const dir = mkdtempSync(path.join(tmpdir(), `replscope-sentinel-${port}-`));
      const conf = path.join(dir, "sentinel.conf");
      writeFileSync(
        conf,
        sentinelConf({
          port,
          dir,
          name,
          master,
          quorum: opts.quorum ?? 2,
          downAfterMs: opts.downAfterMs ?? 1000,
          failoverTimeoutMs: opts.failoverTimeoutMs ?? 5000,
          auth: opts.auth,
        }),
      );
      sentinels.push(await startRedis({ sentinel: true, port, dir, args: [conf] }));
    }
    // Sentinels find each other through hello messages on the master (every 2 s).
    for (const s of sentinels) {
      await waitFor(
        `${s.id} sees ${count - 1} other sentinels`,
        () => cli(s.port, "SENTINEL", "SENTINELS", name),
        (out) => (out.match(/^name$/gm)?.length ?? 0) === count - 1,
        20_000,
        200,
      );
    }
    return { sentinels, name, stop: () => stopAll(sentinels) };
  } catch (err) {
    await stopAll(sentinels);
    throw err;
  }
}
