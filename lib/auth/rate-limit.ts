// Pure login throttle in two layers, so that neither can be flushed through the other:
// - per client address: every failed login from an address counts, whatever the user name;
// - per (client address, user name): a name that keeps failing waits even below the address limit.
// Past the free failures each further failure doubles the wait, up to a cap. Memory is bounded by
// separate caps (addresses, names per address, names in all); eviction drops forgotten entries
// first, then entries still below their lock threshold, and an entry that has reached it (locked
// now, or locked again by its next failure) only when every entry has. So a flood of unknown names
// from one address fills only that address's own small table and cannot reset anyone's lock.

import { exponentialBackoff } from "../retry/backoff";

export interface LimiterOptions {
  /** Failures per (client, user) before that name from that client has to wait. */
  freeFailures: number;
  /** Failures per client (all names together) before the client has to wait. */
  freeFailuresPerClient: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Client entries kept at most. */
  maxClients: number;
  /** (client, user) entries kept at most, all clients together. */
  maxUsers: number;
  /** (client, user) entries kept at most for one client. */
  usersPerClient: number;
  /** Failures older than this are forgotten. */
  forgetAfterMs: number;
}

export const LIMITER_DEFAULTS: Readonly<LimiterOptions> = {
  freeFailures: 5,
  freeFailuresPerClient: 20,
  baseDelayMs: 1000,
  maxDelayMs: 15 * 60_000,
  maxClients: 10_000,
  maxUsers: 10_000,
  usersPerClient: 100,
  forgetAfterMs: 60 * 60_000,
};

interface Entry {
  failures: number;
  lockedUntil: number;
  lastFailure: number;
  /** The current lock has already been refused once (the audit log records one line per lock). */
  reported: boolean;
}

export type Verdict =
  | { allowed: true }
  | { allowed: false; retryAfterMs: number; scope: "client" | "user"; firstRefusal: boolean };

/**
 * The address a throttle counts by: IPv4-mapped IPv6 as IPv4, and IPv6 by its /64 (one host
 * usually owns a whole /64, so counting single addresses there would count nothing).
 */
export function clientKey(address: string): string {
  const a = address.trim().toLowerCase().replace(/%.*$/, "");
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(a);
  if (mapped?.[1]) return mapped[1];
  if (!a.includes(":")) return a;
  const [head = "", tail] = a.split("::");
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(Math.max(0, 8 - h.length - t.length)).fill("0"), ...t];
  return `${groups
    .slice(0, 4)
    .map((g) => (/^[0-9a-f]{1,4}$/.test(g) ? parseInt(g, 16).toString(16) : "0"))
    .join(":")}::/64`;
}

/**
 * What the login route asks: the in-process LoginLimiter answers at once, the shared one (several
 * instances, lib/auth/shared-rate-limit.ts) after a round trip to the coordination Redis. After an
 * allowed check() the caller calls exactly one of fail() or succeed() for that attempt (the shared
 * limiter counts the attempt inside check(), so parallel attempts cannot all pass before one is
 * counted). `now` is this process's clock (the shared limiter times its locks in Redis instead).
 */
export interface LoginThrottle {
  check(client: string, user: string, now: number): Verdict | Promise<Verdict>;
  fail(client: string, user: string, now: number): void | Promise<void>;
  succeed(client: string, user: string): void | Promise<void>;
}

export class LoginLimiter implements LoginThrottle {
  private readonly clients = new Map<string, Entry>();
  /** client → (user → entry); both levels in least-recently-failed-first order. */
  private readonly users = new Map<string, Map<string, Entry>>();
  private userCount = 0;
  private readonly o: LimiterOptions;

  constructor(opts: Partial<LimiterOptions> = {}) {
    this.o = { ...LIMITER_DEFAULTS, ...opts };
  }

  /** May this client try this user name now? If not, how long until it may, and which lock holds. */
  check(client: string, user: string, now: number): Verdict {
    const c = this.live(this.clients, client, now);
    let u: Entry | undefined;
    const inner = this.users.get(client);
    if (inner) {
      const before = inner.size;
      u = this.live(inner, user, now);
      this.userCount -= before - inner.size;
      if (inner.size === 0) this.users.delete(client);
    }
    // The lock that holds longer is the one to report.
    let held: { e: Entry; scope: "client" | "user" } | undefined;
    if (c && c.lockedUntil > now) held = { e: c, scope: "client" };
    if (u && u.lockedUntil > now && (!held || u.lockedUntil > held.e.lockedUntil)) held = { e: u, scope: "user" };
    if (!held) return { allowed: true };
    const firstRefusal = !held.e.reported;
    held.e.reported = true;
    return { allowed: false, retryAfterMs: held.e.lockedUntil - now, scope: held.scope, firstRefusal };
  }

  fail(client: string, user: string, now: number): void {
    this.bump(this.clients, client, this.o.freeFailuresPerClient, now);
    while (this.clients.size > this.o.maxClients) evictOne(this.clients, now, this.o.forgetAfterMs, this.o.freeFailuresPerClient);

    let inner = this.users.get(client);
    if (inner) this.users.delete(client);
    inner ??= new Map<string, Entry>();
    this.users.set(client, inner);
    const before = inner.size;
    this.bump(inner, user, this.o.freeFailures, now);
    this.userCount += inner.size - before;
    while (inner.size > this.o.usersPerClient) {
      evictOne(inner, now, this.o.forgetAfterMs, this.o.freeFailures);
      this.userCount--;
    }
    while (this.userCount > this.o.maxUsers) this.evictUser(now);
  }

  /** A successful login clears that name's failures; the client's count stays (a valid account must not reset it). */
  succeed(client: string, user: string): void {
    const inner = this.users.get(client);
    if (!inner?.delete(user)) return;
    this.userCount--;
    if (inner.size === 0) this.users.delete(client);
  }

  /** Entry counts, for tests and metrics. */
  sizes(): { clients: number; users: number } {
    return { clients: this.clients.size, users: this.userCount };
  }

  private bump(map: Map<string, Entry>, key: string, free: number, now: number): void {
    const e = this.live(map, key, now) ?? { failures: 0, lockedUntil: 0, lastFailure: now, reported: false };
    e.failures++;
    e.lastFailure = now;
    const over = e.failures - free;
    if (over >= 0) {
      e.lockedUntil = now + exponentialBackoff(over, { baseMs: this.o.baseDelayMs, capMs: this.o.maxDelayMs });
      e.reported = false;
    }
    // Re-inserted: a Map iterates in insertion order, so the first entries failed least recently.
    map.delete(key);
    map.set(key, e);
  }

  /** The entry, unless its failures are old enough to forget (then it is dropped; callers count sizes). */
  private live(map: Map<string, Entry>, key: string, now: number): Entry | undefined {
    const e = map.get(key);
    if (e && now - e.lastFailure > this.o.forgetAfterMs) {
      map.delete(key);
      return undefined;
    }
    return e;
  }

  /** Drops one (client, user) entry across all clients: forgotten or below the threshold first, a lock last. */
  private evictUser(now: number): void {
    for (const [client, inner] of this.users) {
      for (const [user, e] of inner) {
        if (expendable(e, now, this.o.forgetAfterMs, this.o.freeFailures)) {
          this.dropUser(client, inner, user);
          return;
        }
      }
    }
    for (const [client, inner] of this.users) {
      for (const [user] of inner) {
        this.dropUser(client, inner, user);
        return;
      }
    }
  }

  private dropUser(client: string, inner: Map<string, Entry>, user: string): void {
    inner.delete(user);
    this.userCount--;
    if (inner.size === 0) this.users.delete(client);
  }
}

/**
 * Forgotten, or never reached its lock threshold. An entry whose lock merely ran out is not
 * expendable: its count is what makes the next failure lock again, for longer.
 */
function expendable(e: Entry, now: number, forgetAfterMs: number, free: number): boolean {
  return now - e.lastFailure > forgetAfterMs || e.failures < free;
}

/** Drops the least recently failed expendable entry; only if there is none, the oldest lock. */
function evictOne(map: Map<string, Entry>, now: number, forgetAfterMs: number, free: number): void {
  let oldest: string | undefined;
  for (const [key, e] of map) {
    oldest ??= key;
    if (expendable(e, now, forgetAfterMs, free)) {
      map.delete(key);
      return;
    }
  }
  if (oldest !== undefined) map.delete(oldest);
}
