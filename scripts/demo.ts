// `npm run demo`: a real local topology (master, two replicas, one chained replica) with sample data
// and a light write load, and the dashboard pointed at it. Ctrl-C stops everything it started.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { generatePassword } from "../lib/auth/password";
import { ConfigError, loadConfig } from "../lib/config/load";
import { redisServerBinary, startRedis, stopAll, type LocalRedis } from "../lib/redis/local-server";
import { startFluentdWriter } from "../lib/demo/fluentd";
import { startWriteLoad, writeSampleData } from "../lib/demo/sample-data";
import { startReplscope } from "../server";

async function main(): Promise<void> {
  if (!redisServerBinary()) {
    console.error(
      "replscope demo: redis-server was not found on PATH.\n" +
        "Install it, then run `npm run demo` again:\n" +
        "  Debian/Ubuntu:  sudo apt-get install redis-server\n" +
        "  macOS:          brew install redis\n" +
        "(or set REDIS_SERVER=/path/to/redis-server)",
    );
    process.exit(1);
  }
  const root = mkdtempSync(path.join(tmpdir(), "replscope-demo-"));
  const servers: LocalRedis[] = [];
  let stopLoad: (() => Promise<void>) | null = null;
  let stopFluentd: (() => Promise<void>) | null = null;
  let closeServer: (() => Promise<void>) | null = null;
  let stopping = false;
  const cleanup = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log("\nreplscope demo: stopping the dashboard and the redis-server processes…");
    // Never hang on the way out: exiting kills any redis-server still running (local-server's exit hook).
    setTimeout(() => process.exit(code || 1), 10_000).unref();
    await stopLoad?.().catch(() => undefined);
    await stopFluentd?.().catch(() => undefined);
    await closeServer?.().catch(() => undefined);
    await stopAll(servers, false);
    rmSync(root, { recursive: true, force: true });
    process.exit(code);
  };
  process.on("SIGINT", () => void cleanup(0));
  process.on("SIGTERM", () => void cleanup(0));

  try {
    const node = (name: string, replicaOf?: LocalRedis) =>
      startRedis({ dir: path.join(root, name), replicaOf: replicaOf && { host: replicaOf.host, port: replicaOf.port } });
    const master = await node("master");
    servers.push(master);
    await writeSampleData(master.port);
    const replicaA = await node("replica-a", master);
    const replicaB = await node("replica-b", master);
    servers.push(replicaA, replicaB);
    const chained = await node("replica-a1", replicaA);
    servers.push(chained);
    stopLoad = startWriteLoad(master.port);
    stopFluentd = startFluentdWriter(master.port);

    const password = process.env.REPLSCOPE_PASSWORD || generatePassword();
    const config = loadConfig({ ...process.env, REPLSCOPE_PASSWORD: password, REPLSCOPE_SEEDS: `redis://127.0.0.1:${master.port}`, REPLSCOPE_CONFIG: undefined });
    config.topologies = config.topologies.map((t) => ({
      ...t,
      name: "demo",
      drills: true,
      nodes: Object.fromEntries(servers.map((s) => [s.id, { logFile: s.logFile }])),
      // Nodes started by hand in the demo folder (redis-cli, extra replicas) get their logs followed too.
      logDirs: [...(t.logDirs ?? []), root],
    }));
    const server = await startReplscope(config, { quiet: true });
    closeServer = server.close;
    console.log(`
replscope demo is running.

  Dashboard:  ${server.url}
  Password:   ${password}

  master      ${master.id}
  replica     ${replicaA.id}
  replica     ${replicaB.id}
  chained     ${chained.id}  (replica of ${replicaA.id})

  Data and logs: ${root}
  Try: redis-cli -p ${replicaB.port} REPLICAOF NO ONE   (and watch the map)
  Ctrl-C stops everything.
`);
  } catch (err) {
    console.error("replscope demo failed:", err instanceof ConfigError ? err.message : err);
    await cleanup(1);
  }
}

void main();
