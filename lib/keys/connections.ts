// Dedicated connections for key browsing, one per (topology, node, db), reused across requests.
// One per db because lib/keys readers SELECT lazily and must never share a connection with a
// caller on another db (see lib/redis/db.ts); one per node so the monitor's polling connection
// never waits behind a page of SCAN. Built once by server.ts (the composition root) and closed
// on shutdown.
import type Redis from "ioredis";
import { connectionError, createConnection, type ConnectOptions } from "../redis/connection";

/** Above this many, the least recently used connection idle for BUSY_MS is closed first. */
const MAX_CONNECTIONS = 64;
/** A whole-cluster page uses one connection per master at once: those are never evicted mid-use. */
const BUSY_MS = 5_000;
/** Never more than this many, whatever is in use (a cluster of more masters is browsed shard by shard). */
const HARD_MAX_CONNECTIONS = 512;
const IDLE_MS = 60_000;
const SWEEP_MS = 15_000;

interface Entry {
  redis: Redis;
  ready: Promise<void>;
  lastUsed: number;
}

/** What the key readers need from the pool (tests may pass their own). */
export interface KeyConnector {
  connection(scope: string, conn: ConnectOptions, db: number): Promise<Redis>;
}

export class KeyConnectionPool implements KeyConnector {
  private readonly map = new Map<string, Entry>();
  private sweepTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(private readonly opts: { maxConnections?: number; idleMs?: number; busyMs?: number } = {}) {
    this.scheduleSweep();
  }

  /** Self-scheduling, unref'd: it never keeps the process alive and never overlaps itself. */
  private scheduleSweep(): void {
    if (this.closed) return;
    this.sweepTimer = setTimeout(() => {
      this.sweep(Date.now() - (this.opts.idleMs ?? IDLE_MS));
      this.scheduleSweep();
    }, SWEEP_MS).unref();
  }

  private sweep(idleBefore: number): void {
    for (const [k, e] of this.map) {
      if (e.lastUsed < idleBefore || e.redis.status === "end" || e.redis.status === "close") {
        this.map.delete(k);
        e.redis.disconnect();
      }
    }
  }

  get size(): number {
    return this.map.size;
  }

  /** A ready connection to this node on this db; a dead one (these never auto-reconnect) is replaced. */
  async connection(scope: string, conn: ConnectOptions, db: number): Promise<Redis> {
    if (this.closed) throw new Error("key connection pool is closed");
    const map = this.map;
    const key = `${scope}|${conn.host}:${conn.port}|${db}`;
    let entry = map.get(key);
    if (entry && ["end", "close"].includes(entry.redis.status)) {
      map.delete(key);
      entry = undefined;
    }
    if (!entry) {
      if (map.size >= (this.opts.maxConnections ?? MAX_CONNECTIONS)) {
        let oldest: [string, Entry] | undefined;
        for (const e of map.entries()) if (!oldest || e[1].lastUsed < oldest[1].lastUsed) oldest = e;
        if (oldest && Date.now() - oldest[1].lastUsed >= (this.opts.busyMs ?? BUSY_MS)) {
          map.delete(oldest[0]);
          oldest[1].redis.disconnect();
        } else if (map.size >= HARD_MAX_CONNECTIONS) {
          throw new Error(`${map.size} key-browser connections are in use; try again in a few seconds`);
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

  /** Drops every connection; later calls to connection() fail. */
  close(): void {
    this.closed = true;
    clearTimeout(this.sweepTimer);
    for (const e of this.map.values()) e.redis.disconnect();
    this.map.clear();
  }
}
