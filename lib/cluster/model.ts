// A Redis Cluster as the map shows it, built from raw replies (pure): shards, who serves which slots,
// which slots no healthy master serves, each node's failure state as the seed sees it, and slot
// migrations. Outputs hold ranges, never 16384-element arrays.
import {
  parseClusterInfo,
  parseClusterNodes,
  parseClusterShards,
  SLOT_COUNT,
  type ClusterInfo,
  type ClusterNodeLine,
  type SlotRange,
} from "./parse";

/** What one node answered: CLUSTER INFO and CLUSTER NODES text, CLUSTER SHARDS reply when read (7.0+). */
export interface ClusterNodeReading {
  /** host:port this reading was taken from. */
  address: string;
  info: string;
  nodes: string;
  shards?: unknown;
}

export type FailureState = "ok" | "pfail" | "fail";

export interface ClusterNodeView {
  id: string;
  /** Announced host:port (data: see dialPlan before connecting to it); null when not known yet. */
  address: string | null;
  hostname: string | null;
  role: "master" | "replica" | "unknown";
  masterId: string | null;
  flags: string[];
  /** As the seed sees it: "pfail" = the seed cannot reach it; "fail" = the cluster agreed it is down. */
  failure: FailureState;
  linkState: "connected" | "disconnected" | "unknown";
  configEpoch: number | null;
  slots: SlotRange[];
  slotCount: number;
  /** From CLUSTER SHARDS, when read. */
  replicationOffset: number | null;
  health: string | null;
}

export interface ShardView {
  masterId: string;
  masterAddress: string | null;
  replicaIds: string[];
  slots: SlotRange[];
  slotCount: number;
}

export interface SlotCoverage {
  /** Slots some master claims. */
  covered: SlotRange[];
  coveredCount: number;
  /** Slots no master claims: keys there cannot be served (cluster_state:fail with full coverage on). */
  uncovered: SlotRange[];
  /** Slots whose master the seed flags PFAIL / FAIL. */
  pfail: SlotRange[];
  fail: SlotRange[];
}

export interface SlotMigration {
  slot: number;
  /** Source and target node ids. */
  from: string;
  to: string;
  /** Which side(s) reported it: a migration is only visible in the migrating / importing node's own line. */
  seenBy: ("source" | "target")[];
}

export interface ClusterView {
  /** host:port the view was read from. */
  seed: string;
  seedNodeId: string | null;
  state: ClusterInfo["state"];
  currentEpoch: number | null;
  info: ClusterInfo;
  /** Sorted by id. */
  nodes: ClusterNodeView[];
  /** Masters with their replicas, sorted by first slot (masters with no slots last, by id). */
  shards: ShardView[];
  coverage: SlotCoverage;
  /** Sorted by slot. */
  migrations: SlotMigration[];
}

export const slotCount = (ranges: readonly SlotRange[]): number => ranges.reduce((n, [a, b]) => n + b - a + 1, 0);

/** Runs of equal values in a per-slot array → ranges where `pick(value)` holds. */
export function rangesWhere<T>(perSlot: ArrayLike<T>, pick: (v: T) => boolean): SlotRange[] {
  const out: SlotRange[] = [];
  let start = -1;
  for (let s = 0; s <= perSlot.length; s++) {
    const on = s < perSlot.length && pick(perSlot[s] as T);
    if (on && start === -1) start = s;
    if (!on && start !== -1) {
      out.push([start, s - 1]);
      start = -1;
    }
  }
  return out;
}

/** Master index per slot (-1 = unclaimed); internal only. */
export function slotOwners(masters: readonly { slots: readonly SlotRange[] }[]): Int16Array {
  const owner = new Int16Array(SLOT_COUNT).fill(-1);
  masters.forEach((m, i) => {
    for (const [a, b] of m.slots) owner.fill(i, a, b + 1);
  });
  return owner;
}

function failureOf(l: ClusterNodeLine): FailureState {
  return l.fail ? "fail" : l.pfail ? "pfail" : "ok";
}

function firstSlot(s: ShardView): number {
  return s.slots[0]?.[0] ?? SLOT_COUNT;
}

function collectMigrations(readings: readonly ClusterNodeReading[]): SlotMigration[] {
  const byKey = new Map<string, SlotMigration>();
  const add = (slot: number, from: string, to: string, side: "source" | "target") => {
    const key = `${slot}:${from}:${to}`;
    const m = byKey.get(key) ?? { slot, from, to, seenBy: [] };
    if (!m.seenBy.includes(side)) m.seenBy.push(side);
    byKey.set(key, m);
  };
  for (const r of readings) {
    const me = parseClusterNodes(r.nodes).find((l) => l.myself);
    if (!me) continue;
    for (const m of me.migrating) add(m.slot, me.id, m.to, "source");
    for (const i of me.importing) add(i.slot, i.from, me.id, "target");
  }
  return [...byKey.values()].map((m) => ({ ...m, seenBy: m.seenBy.sort() })).sort((a, b) => a.slot - b.slot || a.from.localeCompare(b.from));
}

/**
 * The cluster as `seed` sees it. `others` (readings of more nodes, when the caller could take them)
 * only add the migrations each node reports in its own line; topology and failure flags come from
 * the seed so one view never mixes two nodes' beliefs.
 */
export function buildClusterView(seed: ClusterNodeReading, others: readonly ClusterNodeReading[] = []): ClusterView {
  const info = parseClusterInfo(seed.info);
  const lines = parseClusterNodes(seed.nodes);
  const shardNodes = new Map(parseClusterShards(seed.shards).flatMap((s) => s.nodes.map((n) => [n.id, n] as const)));
  const nodes: ClusterNodeView[] = lines
    .map((l) => ({
      id: l.id,
      address: l.address,
      hostname: l.hostname ?? shardNodes.get(l.id)?.hostname ?? null,
      role: l.role,
      masterId: l.masterId,
      flags: l.flags,
      failure: failureOf(l),
      linkState: l.linkState,
      configEpoch: l.configEpoch,
      slots: l.slots,
      slotCount: slotCount(l.slots),
      replicationOffset: shardNodes.get(l.id)?.replicationOffset ?? null,
      health: shardNodes.get(l.id)?.health ?? null,
    }))
    .sort((a, b) => a.id.localeCompare(b.id));

  const masters = nodes.filter((n) => n.role === "master");
  const shards: ShardView[] = masters
    .map((m) => ({
      masterId: m.id,
      masterAddress: m.address,
      replicaIds: nodes.filter((n) => n.role === "replica" && n.masterId === m.id).map((n) => n.id),
      slots: m.slots,
      slotCount: m.slotCount,
    }))
    .sort((a, b) => firstSlot(a) - firstSlot(b) || a.masterId.localeCompare(b.masterId));

  const owner = slotOwners(masters);
  const failureByOwner = masters.map((m) => m.failure);
  const covered = rangesWhere(owner, (i) => i !== -1);
  return {
    seed: seed.address,
    seedNodeId: lines.find((l) => l.myself)?.id ?? null,
    state: info.state,
    currentEpoch: info.currentEpoch,
    info,
    nodes,
    shards,
    coverage: {
      covered,
      coveredCount: slotCount(covered),
      uncovered: rangesWhere(owner, (i) => i === -1),
      pfail: rangesWhere(owner, (i) => i !== -1 && failureByOwner[i] === "pfail"),
      fail: rangesWhere(owner, (i) => i !== -1 && failureByOwner[i] === "fail"),
    },
    migrations: collectMigrations([seed, ...others]),
  };
}

/** "0-5460, 5462, 10923-16383" for texts; at most `max` ranges then "… (+n more)". */
export function formatRanges(ranges: readonly SlotRange[], max = 8): string {
  const shown = ranges.slice(0, max).map(([a, b]) => (a === b ? String(a) : `${a}-${b}`));
  return ranges.length > max ? `${shown.join(", ")} … (+${ranges.length - max} more)` : shown.join(", ");
}
