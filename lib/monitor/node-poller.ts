// One self-scheduling poll loop per node: never overlaps, never dies silently, and a frozen node
// only ever delays itself (every round trip is bounded by the node's timeout).
import type Redis from "ioredis";
import { parseMasterLink, type MasterLink } from "../redis/client-list";
import type { InfoSelection } from "../redis/info";
import { connectionError, createConnection, describeRedisError, TimeoutError, withTimeout, type ConnectOptions } from "../redis/connection";
import { pollResultOf, UnexpectedReplyError } from "./poll-result";
import { exponentialBackoff } from "../retry/backoff";
import type { PollResult } from "./reduce";
import type { NodeConfig } from "./types";

export interface PollerOptions {
  conn: ConnectOptions;
  pollMs: number;
  infoMs: number;
  /** Cap for the reconnect backoff after failures. */
  maxBackoffMs?: number;
  onResult: (r: PollResult) => void;
}

const CONFIG_NAMES = ["logfile", "dir", "repl-diskless-sync", "repl-diskless-sync-delay", "repl-backlog-ttl", "repl-timeout", "min-replicas-to-write", "save", "appendonly"];
/**
 * CONFIG is read on connect and again this often: `save` and `appendonly` are changed at runtime
 * (CONFIG SET), and the persistence panel must not call a node safe on an hour-old reading.
 */
const CONFIG_REFRESH_MS = 60_000;
/** A reply from the server (auth refused, NOPERM, LOADING …), as opposed to no answer at all. */
function isReply(err: unknown): boolean {
  return err instanceof UnexpectedReplyError || (err as { name?: unknown } | null)?.name === "ReplyError";
}

const FULL_SECTIONS = ["server", "clients", "memory", "persistence", "stats", "keyspace", "replication"];
/** What a frequent poll reads of its INFO replication stats: all of replication, the sync counters of stats. */
const FAST_FIELDS: InfoSelection = { replication: "", stats: "sync_" };

export class NodePoller {
  private redis: Redis | null = null;
  private readonly abort = new AbortController();
  private failures = 0;
  private lastFullAt = 0;
  private configPending = true;
  private configReadAt = 0;
  /** A replica whose link is not up also gets ROLE, the only place Redis names its handshake state. */
  private withRole = false;
  /**
   * Every poll also sends CLIENT LIST TYPE master (an empty reply on a master): the link's identity
   * shows a reconnection made between two polls, and a master turned replica between two polls
   * must show its link on the first poll that sees it as a replica, or the next poll could not
   * tell whether it reconnected again. False once refused on this connection (ACL NOPERM,
   * renamed command), so it is not retried every poll.
   */
  private withLink = true;
  /** An early poll was asked for (pollSoon); it ends the current rest when that one is wakeable. */
  private soon = false;
  /**
   * The pause under way between polls: `end` finishes it now. A plain timer and a callback rather
   * than an AbortSignal per poll: AbortSignal.any and timers/promises cost more than the poll itself.
   */
  private napping: { end: () => void; wakeable: boolean } | null = null;
  commandsSent = 0;

  constructor(private readonly o: PollerOptions) {}

  start(): void {
    void this.loop();
  }

  stop(): void {
    this.abort.abort();
    this.napping?.end();
    this.drop();
  }

  /**
   * Poll again soon rather than after the full period: a replica's resync is decided once this
   * node's counters were read after it. Never sooner than a quarter period (20 ms at least) after
   * the last poll started, and not while failing (the backoff stays).
   */
  pollSoon(): void {
    if (this.failures > 0) return;
    this.soon = true;
    if (this.napping?.wakeable) this.napping.end();
  }

  /** Ask for the slow sections on the next round (e.g. after a role change). */
  refreshFactsSoon(): void {
    this.lastFullAt = 0;
  }

  private drop(): void {
    this.redis?.disconnect();
    this.redis = null;
    this.configPending = true;
    this.withLink = true;
  }

  private async pollOnce(): Promise<PollResult> {
    const started = Date.now();
    const full = started - this.lastFullAt >= this.o.infoMs;
    const timeout = this.o.conn.timeoutMs;
    if (!this.redis) {
      const redis = createConnection(this.o.conn);
      this.redis = redis;
      try {
        await withTimeout(redis.connect(), timeout);
      } catch (err) {
        // TCP is up but the TLS handshake never answers: usually TLS spoken to a plain port.
        if (err instanceof TimeoutError && this.o.conn.tls && redis.stream && !redis.stream.connecting) {
          throw new TimeoutError(timeout, "TCP connected but no TLS handshake reply");
        }
        throw err;
      }
    }
    if (full && started - this.configReadAt >= CONFIG_REFRESH_MS) this.configPending = true;
    const config = this.configPending ? await this.readConfig(timeout) : undefined;
    // Every node sends its sync counters every poll, so resyncs are attributed fast: a replica too,
    // since it can serve a sub-replica between two polls (psync2 chains), and a count needs a baseline.
    const args = full ? FULL_SECTIONS : ["replication", "stats"];
    this.commandsSent++;
    const sentAt = Date.now();
    // The poll's commands leave in one write (corked until all are queued): one syscall, not three.
    const stream = this.redis.stream;
    stream?.cork();
    let infoReply: Promise<unknown>;
    let roleReply: Promise<unknown>;
    let linkReply: Promise<MasterLink | null | undefined>;
    try {
      // No withTimeout around the poll's commands: the connection's commandTimeout (the same
      // timeout, armed first) already rejects each of them, so a second timer never won the race.
      roleReply = this.withRole ? this.redis.call("ROLE").catch(() => null) : Promise.resolve(null);
      // Written with INFO on the same connection: one round trip, and at most one client line.
      linkReply = this.withLink ? this.readMasterLink() : Promise.resolve(undefined);
      infoReply = this.redis.call("INFO", ...args);
    } finally {
      stream?.uncork();
    }
    const text = (await infoReply) as string;
    const role = await roleReply;
    const masterLink = await linkReply;
    // A fast poll parses what it uses: replication and the sync counters of stats.
    const result = pollResultOf({ info: text, fields: full ? undefined : FAST_FIELDS, at: Date.now(), sentAt, latencyMs: Date.now() - started, role, masterLink, config });
    if (full) this.lastFullAt = started;
    const repl = result.repl;
    this.withRole = repl.role === "replica" && (repl.linkStatus !== "up" || repl.syncInProgress);
    return result;
  }

  /** The master-link client, null when there is none; undefined when not known (refused, failed). */
  private async readMasterLink(): Promise<MasterLink | null | undefined> {
    this.commandsSent++;
    try {
      return parseMasterLink(String(await this.redis!.call("CLIENT", "LIST", "TYPE", "master")));
    } catch (err) {
      // A refusal is an error reply; a timeout is the connection's problem and INFO reports it.
      if (!(err instanceof TimeoutError)) this.withLink = false;
      return undefined;
    }
  }

  /** Once per connection: where the log is and how full syncs start. NOPERM etc. just mean "unknown". */
  private async readConfig(timeout: number): Promise<NodeConfig | undefined> {
    this.configPending = false;
    this.configReadAt = Date.now();
    try {
      this.commandsSent++;
      const reply = (await withTimeout(
        this.redis!.call("CONFIG", "GET", ...CONFIG_NAMES),
        timeout,
      )) as string[];
      const map = new Map<string, string>();
      for (let i = 0; i + 1 < reply.length; i += 2) map.set(reply[i]!, reply[i + 1]!);
      const int = (name: string): number | null => {
        const v = map.get(name);
        return v !== undefined && v !== "" && Number.isFinite(Number(v)) ? Number(v) : null;
      };
      return {
        logfile: map.get("logfile") ?? null,
        dir: map.get("dir") ?? null,
        disklessSync: map.has("repl-diskless-sync") ? map.get("repl-diskless-sync") === "yes" : null,
        disklessSyncDelay: int("repl-diskless-sync-delay"),
        replBacklogTtl: int("repl-backlog-ttl"),
        replTimeout: int("repl-timeout"),
        minReplicasToWrite: int("min-replicas-to-write"),
        save: map.get("save") ?? null,
        appendonly: map.has("appendonly") ? map.get("appendonly") === "yes" : null,
        readAt: Date.now(),
      };
    } catch (err) {
      if (/timeout|no reply/i.test(String(err))) throw err;
      return undefined;
    }
  }

  /**
   * A node that does not answer within two poll periods is reported as not answering right
   * then, not only when the (longer) command timeout fires: everything it showed becomes
   * last-seen. Only for a connection that answered before (a fresh connect has its own timeout).
   */
  private watchdog(): { settle: () => void } {
    let pending = true;
    // The unanswered poll was sent about now: "not answering since" dates from it, not from when
    // the watchdog noticed.
    const sentAt = Date.now();
    const afterMs = Math.max(2 * this.o.pollMs, 100);
    const timer = this.redis
      ? setTimeout(() => {
          // Let I/O that arrived in this same turn settle the poll first (check phase runs after poll phase).
          setImmediate(() => {
            if (!pending || this.abort.signal.aborted) return;
            try {
              this.o.onResult({ ok: false, at: sentAt, error: `not answering (no reply for ${afterMs} ms)`, pending: true });
            } catch (err) {
              console.error("replscope: poll listener failed", err);
            }
          });
        }, afterMs)
      : null;
    return {
      settle: () => {
        pending = false;
        if (timer) clearTimeout(timer);
      },
    };
  }

  private async loop(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      const started = Date.now();
      let waitMs = this.o.pollMs;
      let result: PollResult;
      const watchdog = this.watchdog();
      try {
        result = await this.pollOnce();
        this.failures = 0;
      } catch (err) {
        this.failures++;
        const cause = connectionError(this.redis, err);
        const error = describeRedisError(cause);
        // A fresh connection next time: a timed-out command may still be queued on the old one.
        this.drop();
        this.lastFullAt = 0;
        result = { ok: false, at: Date.now(), error, answered: isReply(cause) };
        waitMs = exponentialBackoff(this.failures - 1, { baseMs: this.o.pollMs, capMs: this.o.maxBackoffMs ?? 1000 });
      } finally {
        watchdog.settle();
      }
      if (signal.aborted) break;
      try {
        this.o.onResult(result);
      } catch (err) {
        // A bug in a listener must not stop the loop; make it visible instead.
        console.error("replscope: poll listener failed", err);
      }
      if (!(await this.rest(started, waitMs))) break;
    }
    this.drop();
  }

  /** Waits until the next poll is due, or an early one that was asked for; false once stopped. */
  private async rest(started: number, waitMs: number): Promise<boolean> {
    const signal = this.abort.signal;
    if (signal.aborted) return false;
    if (!this.soon || this.failures > 0) await this.nap(Math.max(0, waitMs - (Date.now() - started)), true);
    if (signal.aborted) return false;
    if (this.soon) {
      this.soon = false;
      // The gap after the last poll's start is kept even when asked again (only stop() ends it).
      const gap = started + Math.max(20, this.o.pollMs / 4) - Date.now();
      if (gap > 0) await this.nap(gap, false);
      if (signal.aborted) return false;
    }
    return true;
  }

  /** A pause that stop() ends early, and pollSoon() too when `wakeable`. */
  private nap(ms: number, wakeable: boolean): Promise<void> {
    return new Promise((resolve) => {
      const nap = {
        wakeable,
        end: () => {
          clearTimeout(timer);
          if (this.napping === nap) this.napping = null;
          resolve();
        },
      };
      const timer = setTimeout(nap.end, ms);
      this.napping = nap;
    });
  }
}
