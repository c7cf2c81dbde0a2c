// GET /api/instances: which instance owns which topology, how long each lease has left, and this
// instance's rebalance counters. The shaping is pure (instancesAnswer, from a status and an
// overview or the error reading it); readInstances is the thin I/O part, written against the few
// Fleet methods it uses so a test can hand it a fake fleet. Nothing here names a credential: the
// coordination Redis is described as host:port.
import type { FleetOverview } from "./fleet";
import type { CoordinatorStatus, LostReason } from "./coordinator";

export interface SingleInstance {
  id: string | null;
  /** Wall-clock ms when this process started. */
  startedAt: number;
  /** Alone, this instance monitors every configured topology. */
  topologies: string[];
}

export interface InstanceLease {
  topology: string;
  /** Fencing token: raised by every acquisition of this topology, so a new value means it changed hands. */
  token: number;
  /** Milliseconds until the lease expires in the coordination Redis; null when it is not there (self only). */
  ttlMs: number | null;
  /** This instance only: how long it has held the lease, and how long it is certainly still valid. */
  heldForMs: number | null;
  remainingMs: number | null;
}

export interface InstanceRow {
  id: string;
  address: string;
  startedAt: number;
  self: boolean;
  /** False for this instance when its heartbeat is not in the member list (it thinks it runs, the fleet does not see it). */
  live: boolean;
  leases: InstanceLease[];
}

export interface Rebalances {
  acquisitions: number;
  losses: Record<LostReason, number>;
}

export interface FleetAnswer {
  mode: "fleet";
  /** Server clock (ms) when this answer was built. */
  at: number;
  /** The instance that answered (requests may reach any of them). */
  answeredBy: string;
  coordination: {
    /** host:port of the coordination Redis, never its user name or password. */
    target: string;
    /** This instance's coordinator could reach it on its last tick, and the fleet could be read now. */
    reachable: boolean;
    lastError: string | null;
  };
  /** Null when the fleet could not be read: instances then holds this instance's own view only. */
  overviewError: string | null;
  instances: InstanceRow[];
  /** Configured topologies no live instance holds a lease on; null when unknown (overview failed). */
  unowned: string[] | null;
  /** Member ids this instance saw on its last tick. */
  members: string[];
  rebalances: Rebalances;
}

export interface SingleAnswer {
  mode: "single";
  at: number;
  instance: SingleInstance;
}

export type InstancesAnswer = SingleAnswer | FleetAnswer;

/** The Fleet methods this view uses (a test passes a fake). */
export interface FleetReader {
  readonly instanceId: string;
  status(): CoordinatorStatus;
  overview(): Promise<FleetOverview>;
}

/** `host:port` of a Redis client's target (IPv6 hosts bracketed). */
export function redisTarget(opts: { host?: string | undefined; port?: number | undefined }): string {
  const host = opts.host ?? "localhost";
  return `${host.includes(":") ? `[${host}]` : host}:${opts.port ?? 6379}`;
}

/** Removes a secret from a message (an error text could echo a URL); empty secrets change nothing. */
export function redact(message: string | null, secrets: readonly string[]): string | null {
  if (message === null) return null;
  let out = message;
  for (const s of secrets) if (s.length > 0) out = out.split(s).join("***");
  return out;
}

const ERROR_MAX = 300;

/** ioredis's wording for "not connected right now" (it refuses at once instead of queueing), in plain words. */
export function plainRedisError(message: string): string {
  if (/Stream isn't writeable and enableOfflineQueue/i.test(message)) return "not connected (reconnecting)";
  if (/^Connection is closed\.?$/i.test(message)) return "connection closed (reconnecting)";
  return message;
}

const errorText = (err: unknown): string => plainRedisError(err instanceof Error ? err.message : String(err)).slice(0, ERROR_MAX);

/** Pure: the fleet answer from this instance's status and the overview (or the error reading it). */
export function instancesAnswer(status: CoordinatorStatus, overview: FleetOverview | { error: string }, target: string, now: number): FleetAnswer {
  const own = new Map(status.leases.map((l) => [l.topology, l]));
  const selfLease = (topology: string, token: number, ttlMs: number | null): InstanceLease => {
    const mine = own.get(topology);
    // A token differing from ours means Redis holds a newer acquisition than the one we act on.
    const same = mine !== undefined && mine.token === token;
    return { topology, token, ttlMs, heldForMs: same ? Math.max(0, now - mine.acquiredAt) : null, remainingMs: same ? mine.remainingMs : null };
  };
  const believed = (): InstanceLease[] => status.leases.map((l) => ({ topology: l.topology, token: l.token, ttlMs: null, heldForMs: Math.max(0, now - l.acquiredAt), remainingMs: l.remainingMs }));
  const selfRow = (live: boolean, leases: InstanceLease[]): InstanceRow => ({ id: status.id, address: status.address, startedAt: status.startedAt, self: true, live, leases });

  const base = {
    mode: "fleet" as const,
    at: now,
    answeredBy: status.id,
    members: [...status.members],
    rebalances: { acquisitions: status.acquisitions, losses: { ...status.losses } },
  };
  if ("error" in overview) {
    return {
      ...base,
      coordination: { target, reachable: false, lastError: status.lastError ?? overview.error },
      overviewError: overview.error,
      instances: [selfRow(true, byTopology(believed()))],
      unowned: null,
    };
  }
  const rows: InstanceRow[] = overview.instances.map((m) => {
    if (m.id !== status.id) {
      return { id: m.id, address: m.address, startedAt: m.startedAt, self: false, live: true, leases: byTopology(m.leases.map((l) => ({ topology: l.topology, token: l.token, ttlMs: l.ttlMs, heldForMs: l.heldForMs ?? null, remainingMs: null }))) };
    }
    const inRedis = m.leases.map((l) => selfLease(l.topology, l.token, l.ttlMs));
    // Leases this instance still acts on but Redis no longer names it for (shown, with ttl null).
    const only = believed().filter((b) => !m.leases.some((l) => l.topology === b.topology));
    return selfRow(true, byTopology([...inRedis, ...only]));
  });
  if (!rows.some((r) => r.self)) rows.push(selfRow(false, byTopology(believed())));
  return {
    ...base,
    coordination: { target, reachable: status.reachable, lastError: status.lastError },
    overviewError: null,
    instances: rows.sort((a, b) => Number(b.self) - Number(a.self) || a.id.localeCompare(b.id)),
    unowned: [...overview.unowned].sort(),
  };
}

function byTopology(leases: InstanceLease[]): InstanceLease[] {
  return leases.sort((a, b) => a.topology.localeCompare(b.topology));
}

/** Reads the fleet (one overview round trip; fails fast when the coordination Redis is away). */
export async function readInstances(fleet: FleetReader, target: string, secrets: readonly string[] = [], now: () => number = Date.now): Promise<FleetAnswer> {
  let overview: FleetOverview | { error: string };
  try {
    overview = await fleet.overview();
  } catch (err) {
    overview = { error: `the coordination Redis could not be read: ${errorText(err)}` };
  }
  const answer = instancesAnswer(fleet.status(), overview, target, now());
  const last = answer.coordination.lastError;
  answer.coordination.lastError = redact(last === null ? null : plainRedisError(last).slice(0, ERROR_MAX), secrets);
  answer.overviewError = redact(answer.overviewError, secrets);
  return answer;
}

/** The answer when running alone. */
export function singleAnswer(instance: SingleInstance, now: number): SingleAnswer {
  return { mode: "single", at: now, instance: { ...instance, topologies: [...instance.topologies].sort() } };
}

/** The password of a redis:// URL (as written and decoded), for redact(); none for an unparseable URL. */
export function urlSecrets(url: string | undefined): string[] {
  if (!url) return [];
  try {
    const raw = new URL(url).password;
    return [...new Set([raw, decodeURIComponent(raw)])].filter((s) => s.length > 0);
  } catch {
    return [];
  }
}
