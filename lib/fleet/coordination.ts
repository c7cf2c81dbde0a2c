// Typed operations on the coordination Redis: membership heartbeats and lease acquire / renew /
// release / fenced writes. Each is one script call, so each is atomic; none loops over keys.
import Redis from "ioredis";
import { fenceKey, leaseKey, memberKey, membersKey } from "./keys";
import { ACQUIRE, FENCED_SET, HEARTBEAT, LIVE_MEMBERS, RELEASE, RENEW, runScript } from "./scripts";

export interface MemberInfo {
  id: string;
  /** A label for people (e.g. "10.0.0.5:3000"); never used to connect. */
  address: string;
  /** Wall-clock ms when the instance started. */
  startedAt: number;
}

/** Upper bound on members listed, so a misconfigured fleet cannot make a tick unbounded. */
export const MAX_MEMBERS = 1000;

/** A connection for coordination: reconnects by itself, fails commands fast while disconnected. */
export function createCoordinationRedis(url: string, opts: { commandTimeoutMs?: number; connectionName?: string } = {}): Redis {
  const u = new URL(url);
  if (u.protocol !== "redis:" && u.protocol !== "rediss:") throw new Error(`coordination URL must be redis:// or rediss://, not ${u.protocol}`);
  const timeout = opts.commandTimeoutMs ?? 1000;
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    enableReadyCheck: false,
    commandTimeout: timeout,
    connectTimeout: timeout,
    retryStrategy: (times: number) => Math.min(50 * times, 1000),
    connectionName: opts.connectionName ?? "replscope-fleet",
  });
  // Errors surface through the failing commands; without a listener ioredis would crash the process.
  redis.on("error", () => undefined);
  return redis;
}

/** Refreshes this member's heartbeat; returns the Redis clock in ms. */
export async function heartbeat(redis: Redis, info: MemberInfo, ttlMs: number): Promise<number> {
  return Number(await runScript(redis, HEARTBEAT, [membersKey(), memberKey(info.id)], [info.id, ttlMs, JSON.stringify(info)]));
}

/** Ids of the live members, sorted. */
export async function liveMemberIds(redis: Redis, limit = MAX_MEMBERS): Promise<string[]> {
  const ids = (await runScript(redis, LIVE_MEMBERS, [membersKey()], [limit])) as string[];
  return [...ids].sort();
}

/** Live members with their details (a member whose detail key just expired is left out). */
export async function listMembers(redis: Redis, limit = MAX_MEMBERS): Promise<MemberInfo[]> {
  const ids = await liveMemberIds(redis, limit);
  if (ids.length === 0) return [];
  const raw = await redis.mget(...ids.map(memberKey));
  const out: MemberInfo[] = [];
  for (const r of raw) {
    if (r === null) continue;
    try {
      const m = JSON.parse(r) as Partial<MemberInfo>;
      if (typeof m.id === "string" && typeof m.address === "string" && typeof m.startedAt === "number") {
        out.push({ id: m.id, address: m.address, startedAt: m.startedAt });
      }
    } catch {
      /* not ours: skip */
    }
  }
  return out;
}

/** Removes a member at once (graceful stop), instead of waiting for its heartbeat to expire. */
export async function leave(redis: Redis, id: string): Promise<void> {
  await redis.multi().zrem(membersKey(), id).del(memberKey(id)).exec();
}

export type AcquireResult = { acquired: true; token: number } | { acquired: false; owner: string; token: number };

export async function acquireLease(redis: Redis, topology: string, owner: string, ttlMs: number): Promise<AcquireResult> {
  const [ok, tok, who] = (await runScript(redis, ACQUIRE, [leaseKey(topology), fenceKey(topology)], [owner, ttlMs])) as [number, string, string];
  const token = Number(tok);
  return ok === 1 ? { acquired: true, token } : { acquired: false, owner: who, token };
}

export async function renewLease(redis: Redis, topology: string, owner: string, token: number, ttlMs: number): Promise<boolean> {
  return Number(await runScript(redis, RENEW, [leaseKey(topology)], [owner, String(token), ttlMs])) === 1;
}

export async function releaseLease(redis: Redis, topology: string, owner: string, token: number): Promise<boolean> {
  return Number(await runScript(redis, RELEASE, [leaseKey(topology)], [owner, String(token)])) === 1;
}

export interface LeaseRecord {
  topology: string;
  owner: string;
  token: number;
  /** Milliseconds until the lease expires in Redis. */
  ttlMs: number;
  /** How long this holder has held it, on the Redis clock (null: acquired before this was recorded). */
  heldForMs: number | null;
}

/** Current lease holders of `topologies` (those without a lease are left out), one round trip. */
export async function readLeases(redis: Redis, topologies: readonly string[]): Promise<LeaseRecord[]> {
  if (topologies.length === 0) return [];
  const p = redis.pipeline();
  for (const t of topologies) p.hmget(leaseKey(t), "owner", "token", "since").pttl(leaseKey(t));
  p.time();
  const res = (await p.exec()) ?? [];
  const [errT, time] = res[2 * topologies.length] ?? [null, null];
  if (errT) throw errT;
  const [sec, usec] = (time ?? []) as string[];
  const now = Number(sec) * 1000 + Math.floor(Number(usec) / 1000);
  const out: LeaseRecord[] = [];
  topologies.forEach((topology, i) => {
    const [errA, fields] = res[2 * i] ?? [null, null];
    const [errB, pttl] = res[2 * i + 1] ?? [null, null];
    if (errA || errB) throw errA ?? errB;
    const [owner, token, since] = (fields ?? []) as (string | null)[];
    const held = since ? now - Number(since) : NaN;
    if (owner && token) out.push({ topology, owner, token: Number(token), ttlMs: Number(pttl), heldForMs: Number.isFinite(held) && held >= 0 ? held : null });
  });
  return out;
}

export type FencedWriteResult = { outcome: "written" | "exists"; currentToken: number } | { outcome: "fenced"; currentToken: number | null };

/**
 * Writes `key = value` in the coordination Redis only if `token` is still the topology's current
 * lease token (a stale or expired holder is refused). `nx` makes it a once-only claim (e.g. "the
 * notification for alert X was sent"); `pxMs` bounds how long the key lives.
 */
export async function fencedSet(
  redis: Redis,
  topology: string,
  token: number,
  key: string,
  value: string,
  opts: { pxMs?: number; nx?: boolean } = {},
): Promise<FencedWriteResult> {
  const [outcome, cur] = (await runScript(redis, FENCED_SET, [leaseKey(topology), key], [String(token), value, opts.pxMs ?? 0, opts.nx ? "nx" : ""])) as [string, string];
  if (outcome === "fenced") return { outcome, currentToken: cur === "" ? null : Number(cur) };
  return { outcome: outcome === "exists" ? "exists" : "written", currentToken: Number(cur) };
}
