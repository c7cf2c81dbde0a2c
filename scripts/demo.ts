// `npm run demo`: a real local topology (master, two replicas, one chained replica) with sample data
// and a light write load, and the production dashboard pointed at it (built first when the build is
// missing or older than the sources; `npm run demo -- --rebuild` forces a build). Ctrl-C stops
// everything it started.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { generatePassword } from "../lib/auth/password";
import { ConfigError, loadConfig } from "../lib/config/load";
import { redisServerBinary, startRedis, stopAll, type LocalRedis } from "../lib/redis/local-server";
import { startFluentdWriter } from "../lib/demo/fluentd";
import { followMaster } from "../lib/demo/master-follower";
import { startWriteLoad, writeSampleData } from "../lib/demo/sample-data";
import { ensureBuild } from "./ensure-build";
import { SERVER_OUT_DIR } from "./build-server";

const ROOT = path.resolve(__dirname, "..");

/** The URL and password in a box, printed last so they are the last thing on the terminal. */
function boxed(lines: string[]): string {
  const width = Math.max(...lines.map((l) => l.length));
  const bar = "─".repeat(width + 4);
  return [`┌${bar}┐`, ...lines.map((l) => `│  ${l.padEnd(width)}  │`), `└${bar}┘`].join("\n");
}

function options(): { rebuild: boolean } {
  try {
    return parseArgs({ options: { rebuild: { type: "boolean", default: false } } }).values;
  } catch (err) {
    console.error(`replscope demo: ${err instanceof Error ? err.message : String(err)}\nusage: npm run demo [-- --rebuild]`);
    process.exit(2);
  }
}

async function main(): Promise<void> {
  const { rebuild } = options();
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
  try {
    ensureBuild(ROOT, rebuild);
  } catch {
    console.error("replscope demo: the build failed (its output is above).");
    process.exit(1);
  }
  // The server as `npm start` runs it: the compiled dist/server.js, not server.ts through tsx.
  const { startReplscope } = (await import(pathToFileURL(path.join(ROOT, SERVER_OUT_DIR, "server.js")).href)) as typeof import("../server");
  const root = mkdtempSync(path.join(tmpdir(), "replscope-demo-"));
  const servers: LocalRedis[] = [];
  let stopLoad: (() => Promise<void>) | null = null;
  let stopFluentd: (() => Promise<void>) | null = null;
  let stopFollower: (() => void) | null = null;
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
    stopFollower?.();
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
    // Both writers follow the master: after a promote drill or REPLICAOF NO ONE they move with it.
    const follower = followMaster(servers, master);
    stopFollower = follower.close;
    stopLoad = startWriteLoad(follower);
    stopFluentd = startFluentdWriter(follower);

    const password = process.env.REPLSCOPE_PASSWORD || generatePassword();
    const config = loadConfig({ ...process.env, REPLSCOPE_PASSWORD: password, REPLSCOPE_SEEDS: `redis://127.0.0.1:${master.port}`, REPLSCOPE_CONFIG: undefined });
    config.topologies = config.topologies.map((t) => ({
      ...t,
      name: "demo",
      drills: true,
      nodes: Object.fromEntries(servers.map((s) => [s.id, { logFile: s.logFile }])),
      // Nodes started by hand in the demo folder (redis-cli, extra replicas) get their logs followed too.
      logDirs: [...(t.logDirs ?? []), root],
      // The demo's own servers: their RDBs are copied from disk for backups (no redis-cli fetch).
      backupSourceDirs: [...(t.backupSourceDirs ?? []), root],
    }));
    const server = await startReplscope(config, { dev: false, quiet: true });
    closeServer = server.close;
    // Load the login page once so the first real visit does not pay for loading its code.
    await fetch(`${server.url}/login`).catch(() => undefined);
    console.log(`
  master      ${master.id}
  replica     ${replicaA.id}
  replica     ${replicaB.id}
  chained     ${chained.id}  (replica of ${replicaA.id})

  Data and logs: ${root}
  Try: redis-cli -p ${replicaB.port} REPLICAOF NO ONE   (and watch the map)
  The demo's writers follow the master and say so here when it moves.
`);
    console.log(boxed(["replscope demo is ready", "", `Dashboard:  ${server.url}`, `Password:   ${password}`, "", "Ctrl-C stops everything."]));
  } catch (err) {
    console.error("replscope demo failed:", err instanceof ConfigError ? err.message : err);
    await cleanup(1);
  }
}

void main();
