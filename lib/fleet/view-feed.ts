// The I/O around lib/fleet/mirror.ts. As owner: each flush's part for a topology this instance
// polls is stored whole (fenced by the lease token) and then sent to the other instances as a
// numbered message, on the same coordination connection so the store lands first. As receiver:
// messages for topologies polled elsewhere update the mirror and go to this instance's browsers;
// a self-scheduling loop reads the views it lacks and marks topologies whose owner went silent.
import { setTimeout as sleep } from "node:timers/promises";
import type Redis from "ioredis";
import type { NodeView } from "../monitor/types";
import type { TopologyDelta, TopologyView } from "../realtime/events";
import type { TimelineEvent } from "../timeline/types";
import { FLEET_PREFIX, leaseKey } from "./keys";
import { install, MAX_BUFFERED, ownerLost, receive, entryView, type MirrorEntry, type PublishedView, type ViewMessage } from "./mirror";
import { runScript } from "./scripts";

export const viewKey = (topology: string): string => `${FLEET_PREFIX}view:${topology}`;
const VIEW_KEEP_MS = 24 * 3600 * 1000;
/**
 * An owner sends each polled topology's changes at least once a second (every poll moves its
 * nodes' last-seen time); silence this long means its figures are no longer current.
 */
export const SILENT_OWNER_MS = 3000;
/** An owner with nothing to send for this long sends an empty part, so silence means gone. */
const KEEPALIVE_MS = 1000;
/** The stored view of one topology is read at most this often (a gap it does not fill waits). */
const FETCH_SPACING_MS = 250;
/** A published view larger than this is not stored (a topology of 500 nodes is well under it). */
const MAX_VIEW_BYTES = 8 * 1024 * 1024;

const FENCED_SET_VIEW = `
local cur = redis.call('HGET', KEYS[1], 'token')
if cur ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
return 1`;

export interface ViewFeedDeps {
  /** The coordination connection that also carries socket.io's adapter (ordering matters). */
  redis: Redis;
  selfId: string;
  /** Sends to the other instances (io.serverSideEmit). */
  sendToPeers: (m: ViewMessage) => void;
  /** Sends to this instance's browsers (io.local.emit of topology:delta). */
  emitLocal: (d: TopologyDelta) => void;
  /** Configured topologies. */
  topologies: () => readonly string[];
  polledHere: (topology: string) => boolean;
  /** The lease token this instance holds on a topology (undefined: none). */
  tokenOf: (topology: string) => number | undefined;
  /** Instances heartbeating now, as this instance's coordinator last read them (null: unknown). */
  liveMembers: () => readonly string[] | null;
  /** A topology's owner went silent: pages it fed (node detail) turn last-seen too. */
  onOwnerLost?: (topology: string, nodes: NodeView[]) => void;
  /** The owner's whole view of a topology it polls, and its latest events. */
  ownView: (topology: string) => { view: TopologyView; events: TimelineEvent[] } | undefined;
  log?: (m: string) => void;
}

export class ViewFeed {
  private readonly entries = new Map<string, MirrorEntry>();
  private readonly sent = new Map<string, { token: number; seq: number; at: number }>();
  /** When each topology's stored view was last read (reads of one topology are spaced out). */
  private readonly fetchedAt = new Map<string, number>();
  private readonly buffered = new Map<string, ViewMessage[]>();
  private readonly fetching = new Set<string>();
  /** When the owner of a mirrored topology was last heard from (message or stored view). */
  private readonly heardAt = new Map<string, number>();
  private readonly stopCtl = new AbortController();
  private readonly log: (m: string) => void;

  constructor(private readonly d: ViewFeedDeps) {
    this.log = d.log ?? ((m) => console.warn(`replscope fleet views: ${m}`));
    void this.loop();
  }

  stop(): void {
    this.stopCtl.abort();
  }

  /** Owner side: a flush of the local broadcaster. */
  published(delta: TopologyDelta): void {
    const names = new Set([...delta.topologies.map((t) => t.name), ...delta.events.map((e) => e.topology)]);
    for (const name of names) this.publish(name, delta);
  }

  /**
   * Stores the topology's whole view, then sends this flush's part to the other instances. While
   * the coordination Redis is not connected nothing is queued (the queue would hold a whole view
   * per flush): the next message after it is back opens a gap, and receivers read the view, events
   * included. A view too large to store is not announced either, for the same reason.
   */
  private publish(name: string, delta: TopologyDelta): void {
    const token = this.d.tokenOf(name);
    const own = this.d.ownView(name);
    if (token === undefined || !own || !this.d.polledHere(name) || this.d.redis.status !== "ready") return;
    const prev = this.sent.get(name);
    // A new lease starts its numbers at the clock, not at 1: a process restarted within the lease
    // (same id, same token) still counts on from above everything its predecessor sent.
    const seq = prev && prev.token === token ? prev.seq + 1 : Date.now() * 1000;
    this.sent.set(name, { token, seq, at: Date.now() });
    const part: TopologyDelta = { at: delta.at, topologies: delta.topologies.filter((t) => t.name === name), events: delta.events.filter((e) => e.topology === name), droppedEvents: 0 };
    const view: PublishedView = { topology: name, owner: this.d.selfId, token, seq, at: delta.at, view: own.view, events: own.events.slice(-50) };
    const json = JSON.stringify(view);
    if (json.length > MAX_VIEW_BYTES) {
      this.log(`${name}'s view is ${json.length} bytes, over ${MAX_VIEW_BYTES}: other instances show it as last-seen`);
      return;
    }
    runScript(this.d.redis, FENCED_SET_VIEW, [leaseKey(name), viewKey(name)], [String(token), json, VIEW_KEEP_MS]).catch((err: unknown) => this.log(`storing ${name}'s view failed: ${String(err)}`));
    this.d.sendToPeers({ topology: name, owner: this.d.selfId, token, seq, delta: part });
  }

  /** Owner side, each second: a topology that sent nothing for a second says it is alive (an empty part). */
  private keepAlive(now: number): void {
    for (const name of this.d.topologies()) {
      if (!this.d.polledHere(name)) continue;
      const last = this.sent.get(name);
      if (last && now - last.at < KEEPALIVE_MS) continue;
      this.publish(name, { at: now, topologies: [], events: [], droppedEvents: 0 });
    }
  }

  /** Receiver side: a message from the instance that polls `m.topology`. */
  message(m: ViewMessage): void {
    // Topologies not configured here (a config being rolled out) are not shown.
    if (this.d.polledHere(m.topology) || m.owner === this.d.selfId || !this.d.topologies().includes(m.topology)) return;
    try {
      this.apply(m);
    } catch (err) {
      // A message this version cannot read (another version mid-upgrade): the stored view repairs it.
      this.log(`a message for ${m.topology} could not be applied (${String(err)}); reading its view`);
      this.entries.delete(m.topology);
      void this.fetch(m.topology);
    }
  }

  private apply(m: ViewMessage): void {
    if (this.fetching.has(m.topology)) return this.buffer(m);
    const r = receive(this.entries.get(m.topology), m);
    if (r.kind === "applied") {
      this.entries.set(m.topology, r.entry);
      this.heardAt.set(m.topology, Date.now());
      // A keepalive changes nothing the browsers have.
      if (r.delta.topologies.length || r.delta.events.length) this.d.emitLocal(r.delta);
    } else if (r.kind === "need-view") {
      this.buffer(m);
      void this.fetch(m.topology);
    }
  }

  /** Topologies this instance does not poll, as it mirrors them (for a browser's first snapshot). */
  views(): TopologyView[] {
    return [...this.entries.entries()].filter(([name]) => !this.d.polledHere(name)).map(([, e]) => entryView(e));
  }

  /** The same, with the instance that polls each and whether that instance has gone silent. */
  mirrored(): { view: TopologyView; owner: string; ownerLost: boolean }[] {
    return [...this.entries.entries()].filter(([name]) => !this.d.polledHere(name)).map(([, e]) => ({ view: entryView(e), owner: e.owner, ownerLost: e.ownerLost }));
  }

  events(): TimelineEvent[] {
    return [...this.entries.entries()].filter(([name]) => !this.d.polledHere(name)).flatMap(([, e]) => e.events);
  }

  /**
   * Whether a topology polled elsewhere may have this node: it does as last heard, or the named
   * topology has not been heard of yet (just taken over, or this instance just started).
   */
  knows(nodeId: string, topology?: string): boolean {
    if (this.pollerFor(topology, nodeId) !== null) return true;
    return topology !== undefined && this.d.topologies().includes(topology) && !this.d.polledHere(topology) && !this.entries.has(topology);
  }

  /**
   * The instance polling a topology elsewhere (the first that has the node, when only a node is
   * named), as last heard; null when none is known. A silent owner is still named: it is the
   * last one known, and the takeover follows within seconds.
   */
  pollerFor(topology: string | undefined, nodeId?: string): string | null {
    for (const [name, e] of this.entries) {
      if (this.d.polledHere(name) || (topology !== undefined && topology !== name)) continue;
      if (nodeId === undefined || nodeId in e.topology.nodes) return e.owner;
    }
    return null;
  }

  /** This instance started polling a topology: its own deltas take over; the mirror is dropped. */
  forget(topology: string): void {
    this.entries.delete(topology);
    this.buffered.delete(topology);
    this.heardAt.delete(topology);
    this.fetchedAt.delete(topology);
  }

  private buffer(m: ViewMessage): void {
    const list = this.buffered.get(m.topology) ?? [];
    list.push(m);
    // Too many while reading: the view read next will cover them.
    if (list.length > MAX_BUFFERED) list.splice(0, list.length - MAX_BUFFERED);
    this.buffered.set(m.topology, list);
  }

  private async fetch(topology: string): Promise<void> {
    if (this.fetching.has(topology)) return;
    this.fetching.add(topology);
    try {
      // A view read a moment ago did not fill the gap: wait a little rather than ask again at once.
      const wait = (this.fetchedAt.get(topology) ?? 0) + FETCH_SPACING_MS - Date.now();
      if (wait > 0) await sleep(wait, undefined, { signal: this.stopCtl.signal });
      this.fetchedAt.set(topology, Date.now());
      const raw = await this.d.redis.get(viewKey(topology));
      const p = raw ? parseView(raw, topology) : null;
      // This instance's own view, stored while it polled the topology, is nobody's news.
      if (!p || p.owner === this.d.selfId || this.d.polledHere(topology)) return;
      const cur = this.entries.get(topology);
      if (cur && !cur.ownerLost && (cur.token > p.token || (cur.token === p.token && cur.seq >= p.seq))) return;
      // A silent owner's own stored view does not make its figures current again; its next message does.
      if (cur?.ownerLost && cur.token === p.token && cur.seq >= p.seq) return;
      const { entry, delta } = install(cur, p);
      this.entries.set(topology, entry);
      this.heardAt.set(topology, Date.now());
      this.d.emitLocal(delta);
    } catch (err) {
      if (!this.stopCtl.signal.aborted) this.log(`reading ${topology}'s view failed: ${String(err)}`);
    } finally {
      this.fetching.delete(topology);
      this.drain(topology);
    }
  }

  /** Applies buffered messages that follow the entry; a gap left after the view asks again later. */
  private drain(topology: string): void {
    const list = (this.buffered.get(topology) ?? []).sort((a, b) => a.token - b.token || a.seq - b.seq);
    this.buffered.delete(topology);
    for (const m of list) this.message(m);
  }

  private async loop(): Promise<void> {
    const signal = this.stopCtl.signal;
    while (!signal.aborted) {
      try {
        this.keepAlive(Date.now());
        const live = this.d.liveMembers();
        for (const name of this.d.topologies()) {
          if (this.d.polledHere(name)) continue;
          const e = this.entries.get(name);
          if (!e || this.buffered.has(name)) void this.fetch(name);
          else if ((live && !live.includes(e.owner)) || Date.now() - (this.heardAt.get(name) ?? 0) > SILENT_OWNER_MS) {
            const lost = ownerLost(e, Date.now());
            if (lost) {
              this.entries.set(name, lost.entry);
              this.d.emitLocal(lost.delta);
              this.d.onOwnerLost?.(name, Object.values(lost.entry.topology.nodes));
            }
            // The next owner may already have published: read its view.
            void this.fetch(name);
          }
        }
      } catch (err) {
        this.log(`loop: ${String(err)}`);
      }
      // Rejects when stopped (the loop condition then ends it); no listener is left behind.
      await sleep(1000, undefined, { signal }).catch(() => undefined);
    }
  }
}

function parseView(raw: string, topology: string): PublishedView | null {
  try {
    const p = JSON.parse(raw) as Partial<PublishedView>;
    if (p.topology !== topology || typeof p.owner !== "string" || typeof p.token !== "number" || typeof p.seq !== "number" || typeof p.view !== "object" || !p.view) return null;
    return { topology, owner: p.owner, token: p.token, seq: p.seq, at: Number(p.at) || Date.now(), view: p.view, events: Array.isArray(p.events) ? p.events : [] };
  } catch {
    return null;
  }
}
