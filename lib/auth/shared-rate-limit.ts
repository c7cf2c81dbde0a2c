// The failed-login throttle shared by every instance (several instances): the same two layers and
// doubling waits as LoginLimiter, counted in the coordination Redis, so spreading attempts over N
// instances gives no more tries than one instance would.
//
// In Redis, per client and per (client, user name): a failure counter that lives forgetAfterMs past
// the last failure (INCR + PEXPIRE) and a lock key whose TTL is the wait (SET PX), so every
// instance reads the same remaining wait from Redis's clock, not its own. The lock's value says
// whether it was already refused once (one audit line per lock). Each call is one script, so
// concurrent failures on several instances cannot lose a count. Names are hashed: bounded key
// length and no user names or addresses in plain text in a shared Redis (a hash of an IPv4
// address can be guessed, so this is tidiness, not secrecy). Every key expires (at most
// forgetAfterMs for counters, maxDelayMs for locks).
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
 * KEYS: client lock, user lock. Returns {ms left, scope, first refusal} of the lock that holds
 * longer, or {0, "", 0}; marks that lock as refused once.
 */
const CHECK = `
local best, left, scope = nil, 0, ''
local c = redis.call('PTTL', KEYS[1])
if c > 0 then best = KEYS[1]; left = c; scope = 'client' end
local u = redis.call('PTTL', KEYS[2])
if u > 0 and u > left then best = KEYS[2]; left = u; scope = 'user' end
if not best then return {0, '', 0} end
local first = 0
if redis.call('GET', best) == '0' then
  redis.call('SET', best, '1', 'KEEPTTL')
  first = 1
end
return {left, scope, first}`;

/**
 * KEYS: client count, user count, client lock, user lock. ARGV: free failures per client, per
 * user, base delay, max delay, forget-after (ms). Counts one failure in both layers; a layer past
 * its free failures is locked for base · 2^(failures - free), at most the max delay.
 */
const FAIL = `
local function bump(countKey, lockKey, free)
  local n = redis.call('INCR', countKey)
  redis.call('PEXPIRE', countKey, ARGV[5])
  local over = n - tonumber(free)
  if over >= 0 then
    local wait = math.min(tonumber(ARGV[4]), tonumber(ARGV[3]) * 2 ^ math.min(over, 30))
    redis.call('SET', lockKey, '0', 'PX', string.format('%d', math.max(1, wait)))
  end
  return n
end
return {bump(KEYS[1], KEYS[3], ARGV[1]), bump(KEYS[2], KEYS[4], ARGV[2])}`;

/** Pure: the verdict from CHECK's reply. */
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

export class SharedLoginLimiter implements LoginThrottle {
  private readonly o: LimiterOptions;
  private readonly prefix: string | undefined;
  private readonly log: (m: string) => void;
  private shared = true;

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
    try {
      const v = verdictOf(await runScript(this.redis, CHECK, [k.clientLock, k.userLock], []));
      this.reached();
      return v;
    } catch (err) {
      this.unreachable(err);
      return this.local.check(client, user, now);
    }
  }

  async fail(client: string, user: string, now: number): Promise<void> {
    this.local.fail(client, user, now);
    const k = throttleKeys(client, user, this.prefix);
    const o = this.o;
    try {
      await runScript(this.redis, FAIL, [k.clientCount, k.userCount, k.clientLock, k.userLock], [o.freeFailuresPerClient, o.freeFailures, o.baseDelayMs, o.maxDelayMs, o.forgetAfterMs]);
      this.reached();
    } catch (err) {
      this.unreachable(err);
    }
  }

  /** Clears that name's failures and lock everywhere; the client's count stays, as in LoginLimiter. */
  async succeed(client: string, user: string): Promise<void> {
    this.local.succeed(client, user);
    const k = throttleKeys(client, user, this.prefix);
    try {
      await this.redis.del(k.userCount, k.userLock);
      this.reached();
    } catch (err) {
      this.unreachable(err);
    }
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
