// The fleet as the rest of the process sees it (REPLSCOPE_COORDINATION_URL set): this instance's
// coordinator, the coordination Redis for shared state, and the reads that pages, /metrics and the
// job stores need. server.ts builds one and passes it on; null everywhere when running alone.
import type Redis from "ioredis";
import { listMembers, readLeases, type LeaseRecord, type MemberInfo } from "./coordination";
import type { CoordinatorStatus, FleetCoordinator } from "./coordinator";
import { FLEET_PREFIX } from "./keys";

export interface FleetInstance extends MemberInfo {
  /** Topologies whose lease this instance holds in the coordination Redis, with their ages. */
  leases: LeaseRecord[];
  self: boolean;
}

export interface FleetOverview {
  at: number;
  self: string;
  instances: FleetInstance[];
  /** Configured topologies no instance holds a lease on right now (being taken over, or none live). */
  unowned: string[];
}

export interface Fleet {
  readonly instanceId: string;
  /** Commands to the coordination Redis (fails fast while it is unreachable). */
  readonly redis: Redis;
  readonly coordinator: FleetCoordinator;
  /** What this instance believes (held leases, members, losses); no I/O. */
  status(): CoordinatorStatus;
  /** Every live instance and the leases it holds, read from the coordination Redis. */
  overview(): Promise<FleetOverview>;
  /** Whether an instance still heartbeats (jobs it started are interrupted once it does not). */
  liveInstances(): Promise<Set<string>>;
  /**
   * Claims `name` once across the fleet for ttlMs (SET NX PX): true for exactly one caller. For
   * work that must run on one instance only, such as a backup schedule's due run.
   */
  claimOnce(name: string, ttlMs: number): Promise<boolean>;
}

export const claimKey = (name: string): string => `${FLEET_PREFIX}claim:${name}`;

/** What job managers need, before the coordinator exists (they open before the server listens). */
export function jobFleetOn(redis: Redis, instanceId: string): Pick<Fleet, "instanceId" | "liveInstances" | "claimOnce"> {
  return {
    instanceId,
    async liveInstances() {
      return new Set((await listMembers(redis)).map((m) => m.id));
    },
    async claimOnce(name, ttlMs) {
      return (await redis.set(claimKey(name), instanceId, "PX", Math.max(1, Math.round(ttlMs)), "NX")) === "OK";
    },
  };
}

export function fleetOn(redis: Redis, coordinator: FleetCoordinator, topologies: () => readonly string[]): Fleet {
  return {
    ...jobFleetOn(redis, coordinator.id),
    redis,
    coordinator,
    status: () => coordinator.status(),
    async overview() {
      const names = topologies();
      const [members, leases] = await Promise.all([listMembers(redis), readLeases(redis, names)]);
      const instances = members.map<FleetInstance>((m) => ({ ...m, self: m.id === coordinator.id, leases: leases.filter((l) => l.owner === m.id) }));
      const held = new Set(leases.filter((l) => members.some((m) => m.id === l.owner)).map((l) => l.topology));
      return { at: Date.now(), self: coordinator.id, instances, unowned: names.filter((t) => !held.has(t)) };
    },
  };
}
