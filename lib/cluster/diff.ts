// Pure: what changed between two views of one cluster, as events an operator cares about. Shaped
// like NodeEvent (kind, node, severity, text, data) so the timeline can take them as they are.
import type { Severity } from "../timeline/types";
import { formatRanges, rangesWhere, slotCount, slotOwners, type ClusterNodeView, type ClusterView } from "./model";
import type { SlotRange } from "./parse";

export type ClusterEventKind =
  | "cluster:node-added"
  | "cluster:node-removed"
  | "cluster:node-pfail"
  | "cluster:node-fail"
  | "cluster:node-recovered"
  | "cluster:failover"
  | "cluster:epoch-bumped"
  | "cluster:slots-moved"
  | "cluster:migration-started"
  | "cluster:migration-finished"
  | "cluster:state-changed"
  | "cluster:slots-uncovered"
  | "cluster:slots-covered";

export interface ClusterEvent {
  kind: ClusterEventKind;
  /** The node concerned (announced host:port, else its id); the seed for cluster-wide events. */
  node: string;
  severity: Severity;
  text: string;
  data: Record<string, string | number | boolean | null>;
}

const label = (n: ClusterNodeView | undefined, id: string) => n?.address ?? id.slice(0, 8);
const rangeText = (r: readonly SlotRange[]) => formatRanges(r, 50);

export function diffCluster(prev: ClusterView, next: ClusterView): ClusterEvent[] {
  const events: ClusterEvent[] = [];
  const before = new Map(prev.nodes.map((n) => [n.id, n]));
  const after = new Map(next.nodes.map((n) => [n.id, n]));
  const name = (id: string) => label(after.get(id) ?? before.get(id), id);

  for (const [id, n] of after) {
    if (!before.has(id)) events.push({ kind: "cluster:node-added", node: name(id), severity: "info", text: `${name(id)} joined the cluster as ${n.role}`, data: { id, role: n.role } });
  }
  for (const [id, n] of before) {
    if (!after.has(id)) events.push({ kind: "cluster:node-removed", node: name(id), severity: "warning", text: `${name(id)} is no longer known to the cluster (was ${n.role})`, data: { id, role: n.role } });
  }

  for (const [id, n] of after) {
    const p = before.get(id);
    if (!p || p.failure === n.failure) continue;
    const data = { id, from: p.failure, to: n.failure, role: n.role };
    if (n.failure === "fail") events.push({ kind: "cluster:node-fail", node: name(id), severity: "critical", text: `${name(id)} (${n.role}) is FAIL: the masters agreed it is down`, data });
    else if (n.failure === "pfail") events.push({ kind: "cluster:node-pfail", node: name(id), severity: "warning", text: `${name(id)} (${n.role}) is PFAIL: ${next.seed} cannot reach it`, data });
    else events.push({ kind: "cluster:node-recovered", node: name(id), severity: "info", text: `${name(id)} is reachable again (was ${p.failure.toUpperCase()})`, data });
  }

  // Slot owners before/after, by node id (index into the masters list of each view).
  const prevMasters = prev.nodes.filter((n) => n.role === "master");
  const nextMasters = next.nodes.filter((n) => n.role === "master");
  const prevOwner = slotOwners(prevMasters);
  const nextOwner = slotOwners(nextMasters);

  // A failover: a master's slots now served by a node that was its replica. Also when the seed had
  // not yet learnt that replica relation (right after a CLUSTER FAILOVER the old master shows as a
  // slotless "master" until its own gossip says replica): the taker had no slots, and the old master
  // kept none and is FAIL or now follows the taker. A reshard to an empty master leaves the source a
  // healthy master, so it stays "slots moved".
  const tookOver = (m: ClusterNodeView, t: string): boolean => {
    const was = before.get(t);
    if (was?.masterId === m.id) return true;
    const old = after.get(m.id);
    const takerHadNoSlots = was !== undefined && (was.role === "replica" || was.slotCount === 0);
    const oldStepped = old !== undefined && old.slotCount === 0 && (old.failure === "fail" || old.masterId === t);
    return takerHadNoSlots && oldStepped;
  };
  const promoted = new Set<string>(); // "old:new"
  for (const m of prevMasters) {
    if (m.slotCount === 0) continue;
    const takers = new Set<string>();
    for (const [a, b] of m.slots) {
      for (let s = a; s <= b; s++) {
        const i = nextOwner[s]!;
        if (i !== -1) takers.add(nextMasters[i]!.id);
      }
    }
    for (const t of takers) {
      if (!tookOver(m, t)) continue;
      promoted.add(`${m.id}:${t}`);
      const old = after.get(m.id);
      events.push({
        kind: "cluster:failover",
        node: name(t),
        severity: "warning",
        text: `${name(t)} replaced ${name(m.id)} as master of slots ${rangeText(m.slots)}${old?.failure === "fail" ? " (old master FAIL)" : old?.role === "replica" ? " (old master now its replica)" : ""}`,
        data: { from: m.id, to: t, fromAddress: m.address, toAddress: after.get(t)?.address ?? null, slots: rangeText(m.slots) },
      });
    }
  }

  if (prev.currentEpoch !== null && next.currentEpoch !== null && prev.currentEpoch !== next.currentEpoch) {
    events.push({ kind: "cluster:epoch-bumped", node: next.seed, severity: "info", text: `cluster current epoch ${prev.currentEpoch} → ${next.currentEpoch}`, data: { from: prev.currentEpoch, to: next.currentEpoch } });
  }

  // Slots that changed owner other than by a failover: one event per (from, to) pair.
  const moves = new Map<string, Uint8Array>();
  for (let s = 0; s < prevOwner.length; s++) {
    const a = prevOwner[s]!;
    const b = nextOwner[s]!;
    if (a === -1 || b === -1) continue; // (un)covered slots have their own events
    const from = prevMasters[a]!.id;
    const to = nextMasters[b]!.id;
    if (from === to || promoted.has(`${from}:${to}`)) continue;
    const key = `${from}:${to}`;
    let mask = moves.get(key);
    if (!mask) moves.set(key, (mask = new Uint8Array(prevOwner.length)));
    mask[s] = 1;
  }
  for (const [key, mask] of moves) {
    const [from, to] = key.split(":") as [string, string];
    const ranges = rangesWhere(mask, (v) => v === 1);
    const count = slotCount(ranges);
    events.push({ kind: "cluster:slots-moved", node: name(to), severity: "info", text: `${count} slot${count === 1 ? "" : "s"} moved from ${name(from)} to ${name(to)}: ${rangeText(ranges)}`, data: { from, to, count, slots: rangeText(ranges) } });
  }

  const migKey = (m: { slot: number; from: string; to: string }) => `${m.slot}:${m.from}:${m.to}`;
  const prevMig = new Set(prev.migrations.map(migKey));
  const nextMig = new Set(next.migrations.map(migKey));
  for (const m of next.migrations) {
    if (!prevMig.has(migKey(m))) events.push({ kind: "cluster:migration-started", node: name(m.from), severity: "info", text: `slot ${m.slot} migrating from ${name(m.from)} to ${name(m.to)}`, data: { slot: m.slot, from: m.from, to: m.to } });
  }
  for (const m of prev.migrations) {
    if (nextMig.has(migKey(m))) continue;
    const owner = nextOwner[m.slot]!;
    const ownerId = owner === -1 ? null : nextMasters[owner]!.id;
    const outcome = ownerId === m.to ? "now served by the target" : ownerId === m.from ? "still served by the source" : ownerId ? `now served by ${name(ownerId)}` : "unclaimed";
    events.push({ kind: "cluster:migration-finished", node: name(m.to), severity: "info", text: `slot ${m.slot} migration from ${name(m.from)} to ${name(m.to)} ended: ${outcome}`, data: { slot: m.slot, from: m.from, to: m.to, owner: ownerId } });
  }

  if (prev.state !== next.state && next.state !== "unknown") {
    const fail = next.state === "fail";
    events.push({ kind: "cluster:state-changed", node: next.seed, severity: fail ? "critical" : "info", text: `cluster_state ${prev.state} → ${next.state}${fail ? ` (${next.info.slotsFail ?? "?"} slots FAIL, ${slotCount(next.coverage.uncovered)} unclaimed)` : ""}`, data: { from: prev.state, to: next.state } });
  }

  const wasUncovered = slotCount(prev.coverage.uncovered);
  const isUncovered = slotCount(next.coverage.uncovered);
  // 1 = lost its master, 2 = claimed again.
  const change = new Uint8Array(nextOwner.length);
  for (let s = 0; s < nextOwner.length; s++) change[s] = prevOwner[s] !== -1 && nextOwner[s] === -1 ? 1 : prevOwner[s] === -1 && nextOwner[s] !== -1 ? 2 : 0;
  const appeared = rangesWhere(change, (v) => v === 1);
  const cleared = rangesWhere(change, (v) => v === 2);
  const lost = slotCount(appeared);
  const regained = slotCount(cleared);
  if (lost > 0) {
    events.push({ kind: "cluster:slots-uncovered", node: next.seed, severity: "critical", text: `${lost} slot${lost === 1 ? " is" : "s are"} no longer served by any master: ${rangeText(appeared)} (${isUncovered} unclaimed in all)`, data: { count: lost, slots: rangeText(appeared), totalUncovered: isUncovered } });
  }
  if (regained > 0) {
    events.push({ kind: "cluster:slots-covered", node: next.seed, severity: "info", text: `${regained} unclaimed slot${regained === 1 ? " is" : "s are"} served again: ${rangeText(cleared)}${isUncovered === 0 ? " (all 16384 covered)" : ""}`, data: { count: regained, slots: rangeText(cleared), totalUncovered: isUncovered, wasUncovered } });
  }
  return events;
}
