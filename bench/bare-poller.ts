// The yardstick of bench:poll, run as its own process: one plain ioredis loop per node sending what
// replscope's NodePoller sends (lib/monitor/node-poller.ts), at the same cadence, and nothing else.
// Per connection: CLIENT SETNAME (ioredis, from connectionName), CONFIG GET of the same 7 names.
// Per poll: ROLE while a replica's link is not up, CLIENT LIST TYPE master, INFO replication stats
// (all 7 sections every infoMs), pipelined on one connection. Replies are awaited, not parsed.
// Usage (from bench/poll.ts): node --import tsx bench/bare-poller.ts <pollMs> <infoMs> <port>…
// Answers the IPC message "report" with the commands it sent per port.
import Redis from "ioredis";

const FULL = ["server", "clients", "memory", "persistence", "stats", "keyspace", "replication"];
const FAST = ["replication", "stats"];
const CONFIG = ["logfile", "dir", "repl-diskless-sync", "repl-diskless-sync-delay", "repl-backlog-ttl", "repl-timeout", "min-replicas-to-write"];

interface Counts {
  info: number;
  client: number;
  role: number;
  config: number;
}

const [pollArg, infoArg, ...portArgs] = process.argv.slice(2);
const pollMs = Number(pollArg);
const infoMs = Number(infoArg);
const ports = portArgs.map(Number);
const counts = new Map<number, Counts>();
let running = true;

async function loop(port: number): Promise<void> {
  const c: Counts = { info: 0, client: 0, role: 0, config: 0 };
  counts.set(port, c);
  const redis = new Redis({
    host: "127.0.0.1",
    port,
    lazyConnect: true,
    enableOfflineQueue: false,
    enableReadyCheck: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1000,
    commandTimeout: 1000,
    connectionName: "replscope-bare",
  });
  redis.on("error", () => undefined);
  await redis.connect();
  c.config++;
  await redis.call("CONFIG", "GET", ...CONFIG);
  let lastFull = 0;
  let withRole = false;
  while (running) {
    const started = Date.now();
    const full = started - lastFull >= infoMs;
    // In NodePoller's order: ROLE (when asked), CLIENT LIST, INFO.
    const role = withRole ? (c.role++, redis.call("ROLE")) : null;
    c.client++;
    const link = redis.call("CLIENT", "LIST", "TYPE", "master");
    c.info++;
    const info = redis.call("INFO", ...(full ? FULL : FAST)) as Promise<string>;
    const text = await info;
    await role;
    await link;
    if (full) lastFull = started;
    withRole = text.includes("role:slave") && (!text.includes("master_link_status:up") || text.includes("master_sync_in_progress:1"));
    await new Promise((r) => setTimeout(r, Math.max(0, pollMs - (Date.now() - started))));
  }
  redis.disconnect();
}

for (const port of ports) {
  loop(port).catch((err: unknown) => {
    console.error(`bare-poller: port ${port}:`, err);
    process.exit(1);
  });
}

process.on("message", (m) => {
  if (m === "report") process.send?.(Object.fromEntries(counts));
  if (m === "stop") {
    running = false;
    setTimeout(() => process.exit(0), pollMs + 100);
  }
});
