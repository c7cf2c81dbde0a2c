// Pure login throttle: after a few failures per (client, user) every further attempt waits longer,
// doubling up to a cap. Bounded: the oldest entries are evicted past maxEntries.

export interface LimiterOptions {
  freeFailures: number;
  baseDelayMs: number;
  maxDelayMs: number;
  maxEntries: number;
  /** Failures older than this are forgotten. */
  forgetAfterMs: number;
}

const DEFAULTS: LimiterOptions = { freeFailures: 5, baseDelayMs: 1000, maxDelayMs: 15 * 60_000, maxEntries: 10_000, forgetAfterMs: 60 * 60_000 };

interface Entry {
  failures: number;
  lockedUntil: number;
  lastFailure: number;
}

export class LoginLimiter {
  private readonly entries = new Map<string, Entry>();
  private readonly o: LimiterOptions;

  constructor(opts: Partial<LimiterOptions> = {}) {
    this.o = { ...DEFAULTS, ...opts };
  }

  /** May this key try now? If not, how long until it may. */
  check(key: string, now: number): { allowed: true } | { allowed: false; retryAfterMs: number } {
    const e = this.entries.get(key);
    if (!e) return { allowed: true };
    if (now - e.lastFailure > this.o.forgetAfterMs) {
      this.entries.delete(key);
      return { allowed: true };
    }
    return e.lockedUntil > now ? { allowed: false, retryAfterMs: e.lockedUntil - now } : { allowed: true };
  }

  fail(key: string, now: number): void {
    const e = this.entries.get(key) ?? { failures: 0, lockedUntil: 0, lastFailure: now };
    e.failures++;
    e.lastFailure = now;
    const over = e.failures - this.o.freeFailures;
    if (over >= 0) e.lockedUntil = now + Math.min(this.o.maxDelayMs, this.o.baseDelayMs * 2 ** Math.min(over, 30));
    this.entries.delete(key);
    this.entries.set(key, e);
    // A Map iterates in insertion order: the first entries are the oldest.
    for (const [oldest] of this.entries) {
      if (this.entries.size <= this.o.maxEntries) break;
      this.entries.delete(oldest);
    }
  }

  succeed(key: string): void {
    this.entries.delete(key);
  }
}
