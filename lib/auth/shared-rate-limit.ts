// The failed-login throttle shared by every instance (several instances): the same two layers and
// doubling waits as LoginLimiter, counted in the coordination Redis, so spreading attempts over N
// instances gives no more tries than one instance would.
//
// In Redis, per client and per (client, user name): a failure counter that lives forgetAfterMs past
// the last failure (INCR + PEXPIRE) and a lock key whose TTL is the wait (SET PX), so every
// instance reads the same remaining wait from Redis's clock, not its own. The lock's value says
// whether it was already refused once (one audit line per lock). Names are hashed: bounded key
// length and no user names or addresses in plain text in a shared Redis (a hash of an IPv4
// address can be guessed, so this is tidiness, not secrecy). Every key expires (at most
// forgetAfterMs for counters, maxDelayMs for locks).
//
// An allowed attempt is counted as a failure by the same script that checks the locks, before the
// password is verified; a successful login then takes it back. Checking first and counting after
// the verification would leave a round trip in between, and a burst of parallel attempts would
// all pass the check before any of them was counted.
//
// When the coordination Redis cannot be reached, the in-process LoginLimiter decides. It has seen
// every failure made on this instance (failures are always counted there too), so the fallback
// still limits each instance as a lone one would: an attacker gains at most N× the tries while
// Redis is away, and operators can still log in. Refusing every login instead (fail closed) would
// turn a coordination outage, which someone may be able to cause, into a lockout for everyone
// during the very incident they need the dashboard for.
import { createHash } from "node:crypto";
import type Redis from "ioredis";
import { FLEET_PREFIX } from "../fleet/keys";
import { runScript } from "../fleet/scripts";
import { LIMITER_DEFAULTS, LoginLimiter, type LimiterOptions, type LoginThrottle, type Verdict } from "./rate-limit";

const h = (s: string): string => createHash("sha256").update(s).digest("hex").slice(0, 32);

export interface ThrottleKeys {
  clientCount: string;
  userCount: string;
  clientLock: string;
  userLock: string;
}

/** Key names for (client, user); one hash tag per client keeps a call's keys in one slot. */
export function throttleKeys(client: string, user: string, prefix = `${FLEET_PREFIX}login:`): ThrottleKeys {
  const c = `${prefix}{${h(client)}}`;
  const u = `${c}:u:${h(`${client}\u0000${user}`)}`;
  return { clientCount: `${c}:c`, clientLock: `${c}:c:lock`, userCount: u, userLock: `${u}:lock` };
}

/**
 * KEYS: client count, user count, client lock, user lock. ARGV: free failures per client, per
 * user, base delay, max delay, forget-after (ms).
 * Locked: returns {ms left, scope, first refusal} of the lock that holds longer, and marks that
 * lock as refused once. Else counts this attempt as a failure in both layers (a layer past its
 * free failures is locked for base · 2^(failures - free), at most the max delay); returns {0, "", 0}.
 */
const ATTEMPT = `
local best, left, scope = nil, 0, ''
local c = redis.call('PTTL', KEYS[3])
if c > 0 then best = KEYS[3]; left = c; scope = 'client' end
local u = redis.call('PTTL', KEYS[4])
if u > 0 and u > left then best = KEYS[4]; left = u; scope = 'user' end
if best then
  local first = 0
  if redis.call('GET', best) == '0' then
    redis.call('SET', best, '1', 'KEEPTTL')
    first = 1
  end
  return {left, scope, first}
end
local function bump(countKey, lockKey, free)
  local n = redis.call('INCR', countKey)
  redis.call('PEXPIRE', countKey, ARGV[5])
  local over = n - tonumber(free)
  if over >= 0 then
    local wait = math.min(tonumber(ARGV[4]), tonumber(ARGV[3]) * 2 ^ math.min(over, 30))
    redis.call('SET', lockKey, '0', 'PX', string.format('%d', math.max(1, wait)))
  end
end
bump(KEYS[1], KEYS[3], ARGV[1])
bump(KEYS[2], KEYS[4], ARGV[2])
return {0, '', 0}`;

/**
 * KEYS: client count, user count, client lock, user lock. ARGV: free failures per client. A login
 * succeeded: that name's failures and lock go (as in LoginLimiter), and the attempt counted in
 * advance is taken back from the client's count, with the client lock only it could have set.
 */
const SUCCEED = `
redis.call('DEL', KEYS[2], KEYS[4])
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n > 0 then
  n = redis.call('DECR', KEYS[1])
  if n < tonumber(ARGV[1]) then redis.call('DEL', KEYS[3]) end
end
return n`;

/** Pure: the verdict from ATTEMPT's reply. */
export function verdictOf(reply: unknown): Verdict {
  const [left, scope, first] = Array.isArray(reply) ? (reply as unknown[]) : [];
  const ms = Number(left);
  if (!Number.isFinite(ms) || ms <= 0 || (scope !== "client" && scope !== "user")) return { allowed: true };
  return { allowed: false, retryAfterMs: ms, scope, firstRefusal: Number(first) === 1 };
}

export interface SharedLimiterOptions extends Partial<LimiterOptions> {
  /** Key prefix (tests); default under the fleet's prefix. */
  prefix?: string;
  /** Told once each time the limiter falls back to this instance's counts, and when it is back. */
  log?: (message: string) => void;
}

/**
 * check() counts an allowed attempt at once; the caller then calls exactly one of fail() (nothing
 * more to count in Redis) or succeed() (takes it back), as the login route does.
 */
export class SharedLoginLimiter implements LoginThrottle {
  private readonly o: LimiterOptions;
  private readonly prefix: string | undefined;
  private readonly log: (m: string) => void;
  private shared = true;
  /**
   * Attempts counted in Redis and not yet settled by fail()/succeed(), per (client, user): only
   * those are taken back on success (one allowed while Redis was away was never counted there).
   * Entries go when settled, so this holds the logins in flight.
   */
  private readonly counted = new Map<string, number>();

  constructor(
    private readonly redis: Redis,
    /** Decides while the coordination Redis is unreachable; counts every failure on this instance. */
    readonly local: LoginLimiter = new LoginLimiter(),
    opts: SharedLimiterOptions = {},
  ) {
    const { prefix, log, ...limits } = opts;
    this.o = { ...LIMITER_DEFAULTS, ...limits };
    this.prefix = prefix;
    this.log = log ?? ((m) => console.warn(`replscope: ${m}`));
  }

  /** "shared" while the last call reached the coordination Redis, else "local". */
  mode(): "shared" | "local" {
    return this.shared ? "shared" : "local";
  }

  async check(client: string, user: string, now: number): Promise<Verdict> {
    const k = throttleKeys(client, user, this.prefix);
    const o = this.o;
    let v: Verdict;
    try {
      v = verdictOf(await runScript(this.redis, ATTEMPT, [k.clientCount, k.userCount, k.clientLock, k.userLock], [o.freeFailuresPerClient, o.freeFailures, o.baseDelayMs, o.maxDelayMs, o.forgetAfterMs]));
      this.reached();
    } catch (err) {
      this.unreachable(err);
      return this.local.check(client, user, now);
    }
    if (v.allowed) this.counted.set(k.userCount, (this.counted.get(k.userCount) ?? 0) + 1);
    return v;
  }

  /** Counted in Redis by check() already; this instance's own counts learn of it for the fallback. */
  fail(client: string, user: string, now: number): void {
    this.local.fail(client, user, now);
    this.settle(throttleKeys(client, user, this.prefix));
  }

  /** Clears that name's failures and lock everywhere; the client's count keeps its real failures. */
  async succeed(client: string, user: string): Promise<void> {
    this.local.succeed(client, user);
    const k = throttleKeys(client, user, this.prefix);
    const counted = this.settle(k);
    try {
      if (counted) await runScript(this.redis, SUCCEED, [k.clientCount, k.userCount, k.clientLock, k.userLock], [this.o.freeFailuresPerClient]);
      else await this.redis.del(k.userCount, k.userLock);
      this.reached();
    } catch (err) {
      this.unreachable(err);
    }
  }

  /** Settles one attempt of (client, user); true when it had been counted in Redis. */
  private settle(k: ThrottleKeys): boolean {
    const n = this.counted.get(k.userCount) ?? 0;
    if (n <= 1) this.counted.delete(k.userCount);
    else this.counted.set(k.userCount, n - 1);
    return n > 0;
  }

  private reached(): void {
    if (!this.shared) this.log("login throttle: coordination Redis reachable again; failed logins are counted across instances");
    this.shared = true;
  }

  private unreachable(err: unknown): void {
    if (this.shared) {
      const why = err instanceof Error ? err.message : String(err);
      this.log(`login throttle: coordination Redis unreachable (${why}); failed logins are counted on this instance only until it is back`);
    }
    this.shared = false;
  }
}
