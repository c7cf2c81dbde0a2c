// Pure: an instance's copy of the topologies other instances poll, for its browsers. The owner
// sends each flush's part for a topology as a numbered message (owner, lease token, seq) through
// the coordination Redis, after storing the whole topology view (PublishedView) under the same
// numbers. A message that follows the last one applied is applied; any other (a gap, a new owner)
// asks for the published view, which is at least as new as every message already received.
import { applyDelta, fromSnapshot, type LiveTopology } from "../realtime/client-state";
import type { TopologyDelta, TopologyView } from "../realtime/events";
import type { TimelineEvent } from "../timeline/types";

export interface ViewMessage {
  topology: string;
  owner: string;
  token: number;
  seq: number;
  /** This topology's part of one flush. */
  delta: TopologyDelta;
}

export interface PublishedView {
  topology: string;
  owner: string;
  token: number;
  seq: number;
  at: number;
  view: TopologyView;
  /** The owner's latest events of this topology. */
  events: TimelineEvent[];
}

export interface MirrorEntry {
  owner: string;
  token: number;
  seq: number;
  topology: LiveTopology;
  events: TimelineEvent[];
  /** The owner stopped heartbeating: every figure is last-seen until the next owner's view. */
  ownerLost: boolean;
}

const MAX_EVENTS = 200;
/** Messages kept while the published view is being read; more means read again. */
export const MAX_BUFFERED = 500;

export type ReceiveResult =
  | { kind: "applied"; entry: MirrorEntry; delta: TopologyDelta }
  | { kind: "ignored" }
  | { kind: "need-view" };

const newer = (a: { token: number; seq: number }, b: { token: number; seq: number }): boolean => a.token > b.token || (a.token === b.token && a.seq > b.seq);

/** What one message does to the entry (undefined: nothing mirrored yet). */
export function receive(entry: MirrorEntry | undefined, m: ViewMessage): ReceiveResult {
  if (entry && !newer(m, entry)) return { kind: "ignored" };
  // After a silence the figures were marked last-seen: the owner's whole view makes them current again.
  if (!entry || entry.ownerLost || m.token !== entry.token || m.seq !== entry.seq + 1) return { kind: "need-view" };
  const state = applyDelta({ topologies: [entry.topology], events: [], updatedAt: 0 }, m.delta);
  const topology = state.topologies[0] ?? entry.topology;
  const events = m.delta.events.length ? [...entry.events, ...m.delta.events].slice(-MAX_EVENTS) : entry.events;
  return { kind: "applied", entry: { owner: m.owner, token: m.token, seq: m.seq, topology, events, ownerLost: false }, delta: m.delta };
}

/**
 * Installs a published view over the entry, and returns the delta that brings browsers from the
 * entry to it: every node whole, and the events they have not had. Nodes the view lacks are kept
 * when the owner changed (the new owner shows a node once its first poll answers), removed otherwise.
 */
export function install(entry: MirrorEntry | undefined, p: PublishedView): { entry: MirrorEntry; delta: TopologyDelta } {
  const fresh = fromSnapshot({ at: p.at, topologies: [{ ...p.view, lagHistory: {} }], events: [] }).topologies[0];
  const topology: LiveTopology = fresh ?? { name: p.topology, drills: p.view.drills, nodes: {}, lag: {}, alerts: [], sentinels: [], cluster: null };
  const sameOwner = entry !== undefined && entry.token === p.token;
  const removed = sameOwner ? Object.keys(entry.topology.nodes).filter((id) => !(id in topology.nodes)) : [];
  if (entry && !sameOwner) {
    for (const [id, n] of Object.entries(entry.topology.nodes)) if (!(id in topology.nodes)) topology.nodes[id] = { ...n, stale: true, lastSeenAt: n.lastSeenAt };
  }
  const had = new Set((entry?.events ?? []).map((e) => e.id));
  const newEvents = p.events.filter((e) => !had.has(e.id));
  const events = [...(entry?.events ?? []), ...newEvents].sort((a, b) => a.at - b.at || a.id - b.id).slice(-MAX_EVENTS);
  const delta: TopologyDelta = {
    at: p.at,
    topologies: [{ name: p.topology, upserts: Object.values(topology.nodes), removed, alerts: topology.alerts, sentinels: topology.sentinels, cluster: topology.cluster }],
    events: newEvents,
    droppedEvents: 0,
  };
  return { entry: { owner: p.owner, token: p.token, seq: p.seq, topology, events, ownerLost: false }, delta };
}

/**
 * The owner stopped heartbeating: its last figures stay on screen as last-seen (stale, with the
 * time they were read), not as current, until the next owner's first view replaces them.
 */
export function ownerLost(entry: MirrorEntry, at: number): { entry: MirrorEntry; delta: TopologyDelta } | null {
  if (entry.ownerLost) return null;
  const nodes = Object.fromEntries(Object.entries(entry.topology.nodes).map(([id, n]) => [id, { ...n, stale: true, lastSeenAt: n.lastSeenAt ?? n.downSince }]));
  const upserts = Object.values(nodes).map((n) => ({ id: n.id, stale: true, lastSeenAt: n.lastSeenAt }));
  return {
    entry: { ...entry, topology: { ...entry.topology, nodes }, ownerLost: true },
    delta: { at, topologies: [{ name: entry.topology.name, upserts, removed: [] }], events: [], droppedEvents: 0 },
  };
}

/** The entry as a snapshot part for a browser connecting now. */
export function entryView(entry: MirrorEntry): TopologyView {
  const t = entry.topology;
  return { name: t.name, drills: t.drills, nodes: Object.values(t.nodes), lagHistory: {}, alerts: t.alerts, sentinels: t.sentinels, cluster: t.cluster };
}
