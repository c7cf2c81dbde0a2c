// Several instances: the coordination Redis (REPLSCOPE_COORDINATION_URL) carries socket.io's
// messages between them through the Redis Streams adapter, which resumes its stream after a
// disconnect instead of losing what was sent meanwhile (the PUB/SUB adapter would). Off, and not
// even loaded, without the URL: one instance then runs exactly as before.
import { createAdapter } from "@socket.io/redis-streams-adapter";
import { Redis } from "ioredis";

export interface Coordination {
  /** For `io.adapter(...)`. */
  adapter: ReturnType<typeof createAdapter>;
  /** The adapter's connection: what must reach other instances in order with socket messages uses it. */
  client: Redis;
  /** host:port of the coordination Redis: never its user name or password. */
  description: string;
  close(): void;
}

/** Where the coordination Redis is, for logs: the URL may hold a password. */
export function describeCoordinationUrl(url: string): string {
  const u = new URL(url);
  return `${u.protocol === "rediss:" ? "rediss" : "redis"}://${u.host}${u.pathname && u.pathname !== "/" ? u.pathname : ""}`;
}

export function openCoordination(url: string, opts: { streamName?: string } = {}): Coordination {
  const description = describeCoordinationUrl(url);
  let lastError = "";
  // ioredis takes rediss:// as TLS. While the Redis is away, commands wait in the offline queue for
  // a few reconnect attempts only (bounded memory); the adapter's stream reader resumes by itself.
  const client = new Redis(url, {
    maxRetriesPerRequest: 5,
    retryStrategy: (times) => Math.min(100 * times, 2000),
    connectionName: "replscope-coordination",
  });
  client.on("error", (err: Error) => {
    // Once per distinct error, not once per reconnect attempt; the message never holds the URL's password.
    if (err.message === lastError) return;
    lastError = err.message;
    console.error(`replscope: coordination Redis ${description}: ${err.message}`);
  });
  client.on("ready", () => {
    if (lastError) console.log(`replscope: coordination Redis ${description} is back`);
    lastError = "";
  });
  // The stream is trimmed (MAXLEN ~) so the coordination Redis holds a bounded backlog.
  const adapter = createAdapter(client, { streamName: opts.streamName ?? "replscope:socket.io", maxLen: 10_000, onlyPlaintext: true });
  return {
    adapter,
    client,
    description,
    close: () => client.disconnect(),
  };
}
