// Watches a set of Sentinels for one topology. Per sentinel: one self-scheduling poll loop (never
// overlapping, every command bounded by the timeout, so a dead or frozen sentinel only delays
// itself) and one PSUBSCRIBE * connection that puts every Sentinel event on the timeline live,
// tagged with the sentinel that reported it. Never depends on one sentinel: views() shows each
// sentinel's own belief, masters() the majority belief of the sentinels that answer.
import type Redis from "ioredis";
import { setTimeout as sleep } from "node:timers/promises";
import { formatAddress } from "../redis/address";
import { exponentialBackoff } from "../retry/backoff";
import { connectionError, createConnection, describeRedisError, withTimeout, type ConnectOptions } from "../redis/connection";
import {
  failoverStateAfter,
  parseCkquorum,
  parseMaster,
  parseMasters,
  parseReplicas,
  parseSentinels,
  sentinelMessageToEvent,
  type SentinelEventOut,
  type SentinelMasterRecord,
} from "./parse";

import { discoverMasters, type DiscoveredMaster, type SentinelMasterView, type SentinelView } from "./discover";

export type { SentinelEventOut } from "./parse";
export type { DiscoveredMaster, SentinelMasterView, SentinelView } from "./discover";

export interface SentinelAddress {
  host: string;
  port: number;
  username?: string;
  password?: string;
}

export interface SentinelWatcherOptions {
  topology: string;
  sentinels: SentinelAddress[];
  /** Only this master; otherwise every master in SENTINEL MASTERS. */
  masterName?: string;
  pollMs?: number;
  timeoutMs?: number;
  /** Cap for the poll and reconnect backoff after failures. */
  maxBackoffMs?: number;
  onEvent(e: SentinelEventOut): void;
}

class SentinelHandle {
  readonly id: string;
  readonly view: SentinelView;
  private readonly failoverStates = new Map<string, string | null>();

  constructor(readonly address: SentinelAddress) {
    this.id = formatAddress(address.host, address.port);
    this.view = { id: this.id, status: "down", lastError: "not polled yet", lastOkAt: null, downSince: null, latencyMs: null, subscribed: false, masters: [] };
  }

  failoverState(master: string): string | null {
    return this.failoverStates.get(master) ?? null;
  }

  noteEvent(e: SentinelEventOut): void {
    const master = e.event?.masterName;
    if (!master) return;
    const next = failoverStateAfter(e.event?.type ?? "");
    if (next === undefined) return;
    this.failoverStates.set(master, next);
    const mv = this.view.masters.find((m) => m.name === master);
    if (mv) mv.failoverState = next;
  }
}

export class SentinelWatcher {
  private readonly handles: SentinelHandle[];
  private readonly abort = new AbortController();
  private readonly connections = new Set<Redis>();
  private started = false;
  private readonly pollMs: number;
  private readonly timeoutMs: number;
  private readonly maxBackoffMs: number;

  constructor(private readonly o: SentinelWatcherOptions) {
    this.handles = o.sentinels.map((s) => new SentinelHandle(s));
    this.pollMs = o.pollMs ?? 1000;
    this.timeoutMs = o.timeoutMs ?? 1000;
    this.maxBackoffMs = o.maxBackoffMs ?? Math.max(this.pollMs, 2000);
  }

  get topology(): string {
    return this.o.topology;
  }

  start(): void {
    if (this.started || this.abort.signal.aborted) return;
    this.started = true;
    for (const h of this.handles) {
      void this.pollLoop(h);
      void this.subscribeLoop(h);
    }
  }

  stop(): void {
    this.abort.abort();
    for (const c of this.connections) c.disconnect();
    this.connections.clear();
  }

  /** Each sentinel's own view, in configuration order. Copies; safe to serialise. */
  views(): SentinelView[] {
    return this.handles.map((h) => structuredClone(h.view));
  }

  /** Per master name: the address most answering sentinels believe in, and its replicas. */
  masters(): DiscoveredMaster[] {
    return discoverMasters(this.views());
  }

  private connect(h: SentinelHandle, name: string): Redis {
    const conn: ConnectOptions = {
      host: h.address.host,
      port: h.address.port,
      username: h.address.username,
      password: h.address.password,
      timeoutMs: this.timeoutMs,
      connectionName: name,
    };
    const redis = createConnection(conn);
    this.connections.add(redis);
    redis.once("end", () => this.connections.delete(redis));
    return redis;
  }

  private emit(e: SentinelEventOut): void {
    try {
      this.o.onEvent(e);
    } catch (err) {
      console.error("replscope: sentinel event listener failed", err);
    }
  }

  private statusEvent(h: SentinelHandle, up: boolean, at: number): void {
    const error = h.view.lastError;
    this.emit({
      kind: up ? "sentinel:up" : "sentinel:down",
      node: h.id,
      sentinel: h.id,
      severity: up ? "info" : "warning",
      text: up ? `Sentinel ${h.id} answers again` : `Sentinel ${h.id} does not answer: ${error ?? "unknown error"}`,
      data: { sentinel: h.id, error: up ? null : error },
      at,
      event: null,
    });
  }

  private async pollOnce(h: SentinelHandle, redis: Redis): Promise<SentinelMasterView[]> {
    const t = this.timeoutMs;
    const call = (...args: string[]) => withTimeout(redis.call("SENTINEL", ...args), t);
    let records: SentinelMasterRecord[];
    if (this.o.masterName) {
      const one = parseMaster(await call("MASTER", this.o.masterName));
      records = one ? [one] : [];
    } else {
      records = parseMasters(await call("MASTERS"));
    }
    return Promise.all(
      records.map(async (m): Promise<SentinelMasterView> => {
        const [replicas, sentinels, ckquorum] = await Promise.all([
          call("REPLICAS", m.name).then(parseReplicas),
          call("SENTINELS", m.name).then(parseSentinels),
          // NOQUORUM comes back as an error reply: an answer, not a failure of the sentinel.
          call("CKQUORUM", m.name).then(parseCkquorum, (err: unknown) => {
            if (/^NOQUORUM\b/.test(String((err as Error)?.message))) return parseCkquorum(err);
            throw err;
          }),
        ]);
        const tracked = h.failoverState(m.name);
        return {
          name: m.name,
          address: m.address,
          flags: m.flags,
          quorum: m.quorum,
          numOtherSentinels: m.numOtherSentinels,
          downAfterMs: m.downAfterMs,
          numReplicas: m.numReplicas,
          configEpoch: m.configEpoch,
          ckquorum,
          failoverState: m.failoverState ?? (m.flags.includes("failover_in_progress") ? (tracked ?? "in-progress") : null),
          replicas: replicas.map((r) => ({ address: r.address, flags: r.flags, masterLinkStatus: r.masterLinkStatus })),
          otherSentinels: sentinels.map((s) => ({ address: s.address, flags: s.flags })),
        };
      }),
    );
  }

  private async pollLoop(h: SentinelHandle): Promise<void> {
    const signal = this.abort.signal;
    let redis: Redis | null = null;
    let failures = 0;
    let wasUp: boolean | null = null;
    const drop = () => {
      redis?.disconnect();
      redis = null;
    };
    while (!signal.aborted) {
      const started = Date.now();
      let waitMs = this.pollMs;
      try {
        if (!redis) {
          const fresh = this.connect(h, "replscope-sentinel");
          redis = fresh;
          await withTimeout(fresh.connect(), this.timeoutMs);
        }
        const masters = await this.pollOnce(h, redis);
        if (signal.aborted) break;
        failures = 0;
        const now = Date.now();
        Object.assign(h.view, { status: "up", lastError: null, lastOkAt: now, downSince: null, latencyMs: now - started, masters });
        if (wasUp === false) this.statusEvent(h, true, now);
        wasUp = true;
      } catch (err) {
        if (signal.aborted) break;
        failures++;
        const error = describeRedisError(connectionError(redis, err));
        // A fresh connection next time: a timed-out command may still be queued on the old one.
        drop();
        const now = Date.now();
        Object.assign(h.view, { status: "down", lastError: error, downSince: h.view.downSince ?? now, latencyMs: null });
        if (wasUp !== false) this.statusEvent(h, false, now);
        wasUp = false;
        waitMs = exponentialBackoff(failures - 1, { baseMs: this.pollMs, capMs: this.maxBackoffMs });
      }
      try {
        await sleep(Math.max(0, waitMs - (Date.now() - started)), undefined, { signal });
      } catch {
        break;
      }
    }
    drop();
  }

  private async subscribeLoop(h: SentinelHandle): Promise<void> {
    const signal = this.abort.signal;
    let failures = 0;
    while (!signal.aborted) {
      const sub = this.connect(h, "replscope-sentinel-events");
      const closed = new Promise<void>((resolve) => sub.once("close", () => resolve()));
      const onAbort = () => sub.disconnect();
      signal.addEventListener("abort", onAbort, { once: true });
      sub.on("pmessage", (_pattern: string, channel: string, message: string) => {
        const e = sentinelMessageToEvent(h.id, channel, message, Date.now());
        if (!e) return;
        // Watching one master name: drop other masters' events (epoch and TILT events name none).
        if (this.o.masterName && e.event?.masterName && e.event.masterName !== this.o.masterName) return;
        h.noteEvent(e);
        this.emit(e);
      });
      try {
        await withTimeout(sub.connect(), this.timeoutMs);
        await withTimeout(sub.psubscribe("*"), this.timeoutMs);
        h.view.subscribed = true;
        failures = 0;
        await closed;
      } catch {
        failures++;
      } finally {
        h.view.subscribed = false;
        signal.removeEventListener("abort", onAbort);
        sub.disconnect();
        this.connections.delete(sub);
      }
      if (signal.aborted) break;
      // Events published while we were away are lost; the poll loop still shows the current state.
      const waitMs = exponentialBackoff(failures, { baseMs: this.pollMs, capMs: this.maxBackoffMs });
      try {
        await sleep(waitMs, undefined, { signal });
      } catch {
        break;
      }
    }
  }
}
