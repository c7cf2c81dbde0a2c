// One self-scheduling poll loop per node: never overlaps, never dies silently, and a frozen node
// only ever delays itself (every round trip is bounded by the node's timeout).
import type Redis from "ioredis";
import { setTimeout as sleep } from "node:timers/promises";
import { parseInfo, parseReplication, parseServerFacts } from "../redis/info";
import { connectionError, createConnection, describeRedisError, withTimeout, type ConnectOptions } from "../redis/connection";
import type { PollResult } from "./reduce";

export interface PollerOptions {
  conn: ConnectOptions;
  pollMs: number;
  infoMs: number;
  /** Cap for the reconnect backoff after failures. */
  maxBackoffMs?: number;
  onResult: (r: PollResult) => void;
}

const FULL_SECTIONS = ["server", "clients", "memory", "persistence", "stats", "keyspace", "replication"];

export class NodePoller {
  private redis: Redis | null = null;
  private readonly abort = new AbortController();
  private failures = 0;
  private lastFullAt = 0;
  commandsSent = 0;

  constructor(private readonly o: PollerOptions) {}

  start(): void {
    void this.loop();
  }

  stop(): void {
    this.abort.abort();
    this.drop();
  }

  /** Ask for the slow sections on the next round (e.g. after a role change). */
  refreshFactsSoon(): void {
    this.lastFullAt = 0;
  }

  private drop(): void {
    this.redis?.disconnect();
    this.redis = null;
  }

  private async pollOnce(): Promise<PollResult> {
    const started = Date.now();
    const full = started - this.lastFullAt >= this.o.infoMs;
    const timeout = this.o.conn.timeoutMs;
    if (!this.redis) {
      const redis = createConnection(this.o.conn);
      this.redis = redis;
      await withTimeout(redis.connect(), timeout);
    }
    const args = full ? FULL_SECTIONS : ["replication"];
    this.commandsSent++;
    const text = (await withTimeout(this.redis.call("INFO", ...args), timeout)) as string;
    const sections = parseInfo(text);
    if (!sections.replication) throw new Error("INFO has no replication section (is this a Sentinel?)");
    if (full) this.lastFullAt = started;
    return {
      ok: true,
      at: Date.now(),
      latencyMs: Date.now() - started,
      repl: parseReplication(sections.replication),
      facts: full ? parseServerFacts(sections) : undefined,
      info: full ? sections : undefined,
    };
  }

  private async loop(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      const started = Date.now();
      let waitMs = this.o.pollMs;
      let result: PollResult;
      try {
        result = await this.pollOnce();
        this.failures = 0;
      } catch (err) {
        this.failures++;
        const error = describeRedisError(connectionError(this.redis, err));
        // A fresh connection next time: a timed-out command may still be queued on the old one.
        this.drop();
        this.lastFullAt = 0;
        result = { ok: false, at: Date.now(), error };
        waitMs = Math.min(this.o.maxBackoffMs ?? 1000, this.o.pollMs * 2 ** Math.min(this.failures - 1, 8));
      }
      if (signal.aborted) break;
      try {
        this.o.onResult(result);
      } catch (err) {
        // A bug in a listener must not stop the loop; make it visible instead.
        console.error("replscope: poll listener failed", err);
      }
      try {
        await sleep(Math.max(0, waitMs - (Date.now() - started)), undefined, { signal });
      } catch {
        break;
      }
    }
    this.drop();
  }
}
