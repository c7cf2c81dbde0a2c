// Dedicated connections for key browsing, one per (topology, node, db), reused across requests.
// One per db because lib/keys readers SELECT lazily and must never share a connection with a
// caller on another db (see lib/keys/db.ts); one per node so the monitor's polling connection
// never waits behind a page of SCAN. Kept on globalThis: Next bundles each route separately.
import type Redis from "ioredis";
import { connectionError, createConnection, type ConnectOptions } from "../redis/connection";

const MAX_CONNECTIONS = 32;
const IDLE_MS = 60_000;

interface Entry {
  redis: Redis;
  ready: Promise<void>;
  lastUsed: number;
}

const SLOT = Symbol.for("replscope.keyConnections");
type Slot = { [SLOT]?: Map<string, Entry> };

function pool(): Map<string, Entry> {
  const g = globalThis as Slot;
  if (!g[SLOT]) {
    const map = new Map<string, Entry>();
    g[SLOT] = map;
    // Self-scheduling, unref'd: it never keeps the process alive and never overlaps itself.
    const tick = () => {
      sweep(map, Date.now() - IDLE_MS);
      setTimeout(tick, 15_000).unref();
    };
    setTimeout(tick, 15_000).unref();
  }
  return g[SLOT];
}

function sweep(map: Map<string, Entry>, idleBefore: number): void {
  for (const [k, e] of map) {
    if (e.lastUsed < idleBefore || e.redis.status === "end" || e.redis.status === "close") {
      map.delete(k);
      e.redis.disconnect();
    }
  }
}

/** A ready connection to this node on this db; a dead one (these never auto-reconnect) is replaced. */
export async function keyConnection(scope: string, conn: ConnectOptions, db: number): Promise<Redis> {
  const map = pool();
  const key = `${scope}|${conn.host}:${conn.port}|${db}`;
  let entry = map.get(key);
  if (entry && ["end", "close"].includes(entry.redis.status)) {
    map.delete(key);
    entry = undefined;
  }
  if (!entry) {
    if (map.size >= MAX_CONNECTIONS) {
      const oldest = [...map.entries()].sort((a, b) => a[1].lastUsed - b[1].lastUsed)[0];
      if (oldest) {
        map.delete(oldest[0]);
        oldest[1].redis.disconnect();
      }
    }
    // SELECT explicitly rather than via the `db` option: ioredis swallows a failed SELECT on
    // connect and would then browse db 0 while the operator asked for another one.
    const redis = createConnection({ ...conn, db: 0 });
    const ready = redis.connect().then(async () => {
      if (db !== 0) await redis.select(db);
    });
    const created: Entry = { redis, ready, lastUsed: Date.now() };
    created.ready.catch(() => map.get(key) === created && map.delete(key));
    map.set(key, created);
    entry = created;
  }
  entry.lastUsed = Date.now();
  try {
    await entry.ready;
  } catch (err) {
    entry.redis.disconnect();
    throw connectionError(entry.redis, err);
  }
  return entry.redis;
}
