// One per instance: a self-scheduling loop that heartbeats into the coordination Redis, works out
// from the live member list which topologies this instance should own (rendezvous hashing), gives
// up the ones it should not hold (emitting lost BEFORE releasing, so the new owner starts only
// after this one stopped), acquires/renews the others, and emits owned/lost. If the coordination
// Redis cannot be reached, each lease is dropped as soon as it could have expired there: an
// instance never keeps believing it owns a topology someone else may have taken.
import { randomUUID } from "node:crypto";
import type Redis from "ioredis";
import { acquireLease, heartbeat, leave, liveMemberIds, releaseLease, renewLease, type MemberInfo } from "./coordination";
import { FencedLease, monotonicMs } from "./lease";
import { desiredFor } from "./rendezvous";

export type LostReason =
  /** Rebalanced away or no longer configured: released after stopping work. */
  | "released"
  /** Could not be renewed in time (coordination Redis unreachable or slow). */
  | "expired"
  /** Redis says someone else holds it now (or it vanished, e.g. the coordination Redis lost its data). */
  | "taken"
  /** The coordinator was stopped. */
  | "stopped";

export interface FleetCoordinatorOptions {
  redis: Redis;
  address: string;
  /** All configured topology ids (every instance sees the same configuration). */
  topologies: () => readonly string[];
  id?: string;
  startedAt?: number;
  /** Loop period (default 1000 ms). */
  periodMs?: number;
  /** Lease TTL in Redis (default 5000 ms). */
  leaseTtlMs?: number;
  /** Heartbeat TTL: how long a silent member still counts as live (default 3000 ms). */
  memberTtlMs?: number;
  /** Validity is cut this much short of the TTL (default max(100, leaseTtlMs / 5)). */
  safetyMs?: number;
  onOwned?: (lease: FencedLease) => void | Promise<void>;
  onLost?: (topology: string, reason: LostReason) => void | Promise<void>;
  /**
   * The lease vanished from Redis (it restarted without its data) and was taken again at once with
   * a new token: the work goes on uninterrupted; writes must use the new token from now on.
   */
  onRetoken?: (lease: FencedLease) => void;
  /**
   * A topology this instance must not give up to a rebalance yet (a failover drill runs on it and
   * follows it through this instance's monitor): it keeps renewing the lease, and releases it once
   * this says false. Expiry and loss to another holder still end it.
   */
  keep?: (topology: string) => boolean;
  log?: (message: string) => void;
}

export interface LeaseStatus {
  topology: string;
  token: number;
  acquiredAt: number;
  remainingMs: number;
}

export interface CoordinatorStatus {
  id: string;
  address: string;
  startedAt: number;
  /** False while the coordination Redis cannot be reached (last error in lastError). */
  reachable: boolean;
  lastError: string | null;
  members: string[];
  leases: LeaseStatus[];
  acquisitions: number;
  losses: Record<LostReason, number>;
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/** Waits (up to `ms`) for a connecting/reconnecting client to be ready, so a tick does not fail for nothing. */
function whenReady(redis: Redis, ms: number, signal: AbortSignal): Promise<void> {
  if (redis.status === "ready" || redis.status === "end" || redis.status === "wait") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      redis.off("ready", done);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    redis.once("ready", done);
    signal.addEventListener("abort", done, { once: true });
  });
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export class FleetCoordinator {
  readonly id: string;
  readonly address: string;
  readonly startedAt: number;
  private readonly redis: Redis;
  private readonly topologies: () => readonly string[];
  private readonly periodMs: number;
  private readonly leaseTtlMs: number;
  private readonly memberTtlMs: number;
  private readonly safetyMs: number;
  private readonly onOwned: NonNullable<FleetCoordinatorOptions["onOwned"]>;
  private readonly onLost: NonNullable<FleetCoordinatorOptions["onLost"]>;
  private readonly onRetoken: NonNullable<FleetCoordinatorOptions["onRetoken"]>;
  private readonly keep: NonNullable<FleetCoordinatorOptions["keep"]>;
  /** The member list of the previous tick: new leases are taken only while it holds still. */
  private previousMembers = "";
  private readonly log: (m: string) => void;
  private readonly held = new Map<string, FencedLease>();
  private members: string[] = [];
  private reachable = true;
  private lastError: string | null = null;
  private acquisitions = 0;
  private readonly losses: Record<LostReason, number> = { released: 0, expired: 0, taken: 0, stopped: 0 };
  private loop: { abort: AbortController; done: Promise<void> } | null = null;
  private expiryTimer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(o: FleetCoordinatorOptions) {
    this.redis = o.redis;
    this.address = o.address;
    this.topologies = o.topologies;
    this.id = o.id ?? randomUUID();
    this.startedAt = o.startedAt ?? Date.now();
    this.periodMs = o.periodMs ?? 1000;
    this.leaseTtlMs = o.leaseTtlMs ?? 5000;
    this.memberTtlMs = o.memberTtlMs ?? 3000;
    this.safetyMs = o.safetyMs ?? Math.max(100, Math.round(this.leaseTtlMs / 5));
    this.onOwned = o.onOwned ?? (() => undefined);
    this.onLost = o.onLost ?? (() => undefined);
    this.onRetoken = o.onRetoken ?? (() => undefined);
    this.keep = o.keep ?? (() => false);
    this.log = o.log ?? ((m) => console.warn(`[fleet ${this.id}] ${m}`));
    // At least two renewals must fit in a lease's validity, or one slow tick loses every lease.
    if (this.leaseTtlMs - this.safetyMs < 2 * this.periodMs) {
      throw new Error(`fleet: leaseTtlMs - safetyMs (${this.leaseTtlMs - this.safetyMs}) must be at least 2 × periodMs (${this.periodMs})`);
    }
    if (this.memberTtlMs < 2 * this.periodMs) throw new Error(`fleet: memberTtlMs must be at least 2 × periodMs`);
  }

  /** Starts (or resumes) the loop. */
  start(): void {
    if (this.loop || this.stopped) return;
    // A resumed instance first drops whatever could have expired while it was not running.
    this.dropInvalid();
    const abort = new AbortController();
    this.loop = { abort, done: this.run(abort.signal) };
  }

  /**
   * Freezes the loop and the expiry timer as a stopped process would be (SIGSTOP, long GC pause):
   * held leases stay in memory and turn invalid by time. For drills and tests; resume with start().
   */
  async pause(): Promise<void> {
    const loop = this.loop;
    this.loop = null;
    this.clearExpiryTimer();
    if (loop) {
      loop.abort.abort();
      await loop.done;
    }
  }

  /**
   * Stops for good. `release: true` (graceful): emits lost(stopped), releases every lease and leaves
   * the member list, so others take over at once. `release: false` leaves everything to expire, as
   * a killed process would.
   */
  async stop(opts: { release?: boolean } = {}): Promise<void> {
    await this.pause();
    this.stopped = true;
    if (opts.release === false) return;
    for (const [topology, lease] of [...this.held.entries()]) {
      await this.drop(topology, lease, "stopped");
      await releaseLease(this.redis, topology, this.id, lease.token).catch(() => false);
    }
    await leave(this.redis, this.id).catch(() => undefined);
  }

  /** The lease held on `topology`, if any (check isValid() before acting on it). */
  lease(topology: string): FencedLease | undefined {
    return this.held.get(topology);
  }

  /** Topologies currently owned (leases still valid). */
  owned(): string[] {
    const now = monotonicMs();
    const out: string[] = [];
    for (const [t, lease] of this.held.entries()) if (lease.isValid(now)) out.push(t);
    return out.sort();
  }

  status(): CoordinatorStatus {
    const now = monotonicMs();
    const leases: LeaseStatus[] = [];
    for (const [topology, l] of this.held.entries()) {
      leases.push({ topology, token: l.token, acquiredAt: l.acquiredAt, remainingMs: Math.round(l.remainingMs(now)) });
    }
    return {
      id: this.id,
      address: this.address,
      startedAt: this.startedAt,
      reachable: this.reachable,
      lastError: this.lastError,
      members: [...this.members],
      leases,
      acquisitions: this.acquisitions,
      losses: { ...this.losses },
    };
  }

  private async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const started = monotonicMs();
      try {
        await this.tick(signal);
      } catch (err) {
        this.log(`tick failed: ${message(err)}`);
      }
      if (!signal.aborted) this.armExpiryTimer();
      await abortableSleep(Math.max(0, this.periodMs - (monotonicMs() - started)), signal);
    }
  }

  private async tick(signal: AbortSignal): Promise<void> {
    let members: string[];
    await whenReady(this.redis, this.periodMs, signal);
    if (signal.aborted) return;
    try {
      const info: MemberInfo = { id: this.id, address: this.address, startedAt: this.startedAt };
      await heartbeat(this.redis, info, this.memberTtlMs);
      members = await liveMemberIds(this.redis);
    } catch (err) {
      this.unreachable(err);
      return;
    }
    if (!this.reachable) this.log("coordination Redis reachable again");
    this.reachable = true;
    this.lastError = null;
    if (!members.includes(this.id)) members.push(this.id);
    members.sort();
    this.members = members;
    // Right after a start, or after the coordination Redis restarted empty, the others may not have
    // heartbeaten yet: an instance that saw only itself would take everything, to give most of it
    // back a second later. New leases wait until the member list is the same two ticks running.
    const key = members.join("\n");
    const settled = key === this.previousMembers;
    this.previousMembers = key;
    if (signal.aborted) return;

    const desired = desiredFor(this.id, this.topologies(), members);
    // Give up first (lost, then release), so whoever should own these can take them next tick.
    for (const [topology, lease] of [...this.held.entries()]) {
      if (desired.has(topology) || signal.aborted) continue;
      if (this.keep(topology) && this.topologies().includes(topology)) {
        desired.add(topology); // renewed below with the rest
        continue;
      }
      await this.drop(topology, lease, "released");
      await releaseLease(this.redis, topology, this.id, lease.token).catch(() => false); // else it expires
    }
    const work: Promise<void>[] = [];
    for (const topology of desired) {
      const lease = this.held.get(topology);
      if (lease) work.push(this.renew(topology, lease));
      else if (settled) work.push(this.acquire(topology, signal));
    }
    await Promise.all(work);
  }

  private async renew(topology: string, lease: FencedLease): Promise<void> {
    const sentAt = monotonicMs();
    let ok: boolean;
    try {
      ok = await renewLease(this.redis, topology, this.id, lease.token, this.leaseTtlMs);
    } catch (err) {
      this.unreachable(err); // the expiry timer drops it once it could have expired
      return;
    }
    if (this.held.get(topology) !== lease) return; // dropped meanwhile; the next tick re-acquires
    if (ok) return lease.renewed(sentAt);
    // Not ours any more. If nobody holds it (the coordination Redis lost its data), take it again
    // now, with a new token, and keep working; if someone else does, stop.
    try {
      const res = await acquireLease(this.redis, topology, this.id, this.leaseTtlMs);
      if (res.acquired && this.held.get(topology) === lease) {
        const next = new FencedLease(topology, this.id, res.token, this.leaseTtlMs, this.safetyMs, sentAt);
        if (next.isValid()) {
          lease.invalidate();
          this.held.set(topology, next);
          this.onRetoken(next);
          return;
        }
      }
    } catch (err) {
      this.unreachable(err); // the expiry timer drops it once it could have expired
      return;
    }
    await this.drop(topology, lease, "taken");
  }

  private async acquire(topology: string, signal: AbortSignal): Promise<void> {
    const sentAt = monotonicMs();
    let res: Awaited<ReturnType<typeof acquireLease>>;
    try {
      res = await acquireLease(this.redis, topology, this.id, this.leaseTtlMs);
    } catch (err) {
      this.unreachable(err);
      return;
    }
    if (!res.acquired) return; // the current owner releases it on its next tick, or it expires
    if (this.held.has(topology)) return; // already ours (same token): nothing to start
    if (signal.aborted) {
      // Paused or stopped while acquiring: start no work, and give it back rather than let it expire.
      await releaseLease(this.redis, topology, this.id, res.token).catch(() => false);
      return;
    }
    const lease = new FencedLease(topology, this.id, res.token, this.leaseTtlMs, this.safetyMs, sentAt);
    if (!lease.isValid()) return; // the reply came too late to trust
    this.held.set(topology, lease);
    this.acquisitions++;
    try {
      await this.onOwned(lease);
    } catch (err) {
      this.log(`owned(${topology}) callback failed: ${message(err)}`);
    }
  }

  private async drop(topology: string, lease: FencedLease, reason: LostReason): Promise<void> {
    if (this.held.get(topology) !== lease) return;
    this.held.delete(topology);
    lease.invalidate();
    this.losses[reason]++;
    if (reason === "expired") this.log(`no longer owner of ${topology}: its lease could have expired (coordination Redis: ${this.lastError ?? "no renewal in time"})`);
    try {
      await this.onLost(topology, reason);
    } catch (err) {
      this.log(`lost(${topology}) callback failed: ${message(err)}`);
    }
  }

  private unreachable(err: unknown): void {
    if (this.reachable) this.log(`coordination Redis unreachable (${message(err)}); leases will be dropped when they could have expired`);
    this.reachable = false;
    this.lastError = message(err);
  }

  private dropInvalid(): void {
    const now = monotonicMs();
    for (const [topology, lease] of [...this.held.entries()]) {
      if (!lease.isValid(now)) void this.drop(topology, lease, "expired");
    }
  }

  /** Wakes up exactly when the first held lease could expire, even if a tick is stuck on I/O. */
  private armExpiryTimer(): void {
    this.clearExpiryTimer();
    let soonest = Infinity;
    const now = monotonicMs();
    for (const lease of this.held.values()) soonest = Math.min(soonest, lease.remainingMs(now));
    if (soonest === Infinity) return;
    this.expiryTimer = setTimeout(() => {
      this.expiryTimer = null;
      this.dropInvalid();
      if (this.loop) this.armExpiryTimer();
    }, Math.ceil(soonest) + 1);
    this.expiryTimer.unref();
  }

  private clearExpiryTimer(): void {
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.expiryTimer = null;
  }
}
