// Per-page live channels on the one socket: node detail, log tail, drill progress, compare progress.
// A page subscribes (validated, at most LIMITS per socket), gets a snapshot at once, then deltas.
// Each channel is a socket.io room, so a delta is built and serialised once for all its sockets;
// a room that empties (unsubscribe, disconnect) is dropped on the next tick.
import type { CompareReport } from "../compare/report";
import { redactReport } from "../compare/report";
import type { Drill } from "../drills/types";
import type { MonitorHub } from "../monitor/hub";
import type { NodeView } from "../monitor/types";
import { NODE_ID } from "../redis/address";
import type { ChannelGone, DrillSummary, NodeTarget, SubscribeAck, TransferJob } from "./events";
import { nodeKey } from "./events";
import { buildNodeDetail, memoOf, nodeDelta, SNAPSHOT_HISTORY_MS, type NodeMemo } from "./node-detail";
import type { ReplscopeIo, ReplscopeSocket } from "./socket-types";

/** Subscriptions one socket may hold per channel: a page needs one or two; more is a bug or abuse. */
export const LIMITS = { node: 4, logs: 2, drill: 4, compare: 4, transfer: 4 } as const;
type Channel = keyof typeof LIMITS;

export interface ChannelDeps {
  hub: MonitorHub;
  /** The drill manager's lookup (recent drills are in memory). */
  drills?: { get(id: string): Promise<Drill | null>; live(id: string): Drill | null };
  /** The compare runner, when there is one (resolved on use: it may be created after the sockets). */
  compare?: () => { get(id: string): Promise<CompareReport | null>; live(id: string): CompareReport | null; isRunning(id: string): boolean } | undefined;
  /** Viewers see compare details derived from values only when the config allows it. */
  viewerValues: boolean;
  /** Logical export/import jobs (resolved on use, like compare). */
  transfers?: () => { get(id: string): TransferJob | null } | undefined;
  /** Several instances: node pages of topologies another instance polls are fed by that instance. */
  remote?: RemoteFeeds;
}

/** A page's node or log feed asked of the instance that polls the node (through the adapter). */
export interface FeedWatch {
  channel: "node" | "logs";
  target: NodeTarget;
  /** Set on subscribe: that socket gets a snapshot at once; refreshes leave it out. */
  socketId?: string;
}

export interface RemoteFeeds {
  /** Whether another instance polls this node (the mirror knows it), so a watch can be sent. */
  knowsElsewhere(target: NodeTarget): boolean;
  send(w: FeedWatch): void;
}

/** A feed kept for sockets on other instances lives this long past their last refresh. */
const REMOTE_TTL_MS = 10_000;
const REMOTE_REFRESH_MS = 2_000;

export interface ChannelOptions {
  /** How often node feeds send what changed, log tails their new lines, running compares progress. */
  nodeMs: number;
  logsMs: number;
  compareMs: number;
  /** INFO changes on every poll: resent at most this often. */
  infoMs: number;
}

const DEFAULTS: ChannelOptions = { nodeMs: 1000, logsMs: 500, compareMs: 500, infoMs: 5000 };
const LOG_SNAPSHOT_LINES = 500;
const LOG_DELTA_LINES = 500;
const DRILL_ID = /^[0-9a-f-]{36}$/;
const JOB_ID = /^[0-9a-f]{16}$/;

interface NodeFeed {
  target: NodeTarget;
  memo: NodeMemo | null;
  /** Sockets on other instances follow it until then (refreshed every few seconds). */
  remoteUntil?: number;
}
interface LogFeed {
  target: NodeTarget;
  remoteUntil?: number;
  lastSeq: number;
  /** The source state last sent (pending → readable is news even without lines). */
  sourceKey: string;
}
interface DrillFeed {
  sentEvents: number;
}

const room = (channel: Channel, key: string) => `${channel}:${key}`;
const fail = (status: number, error: string): SubscribeAck => ({ ok: false, status, error });

function nodeTarget(raw: unknown): NodeTarget | string {
  if (!raw || typeof raw !== "object") return "expected { id, topology? }";
  const { id, topology } = raw as Record<string, unknown>;
  if (typeof id !== "string" || !NODE_ID.test(id)) return "node id must be host:port";
  if (topology !== undefined && (typeof topology !== "string" || topology.length === 0 || topology.length > 64)) return "topology must be a name of 1..64 characters";
  return topology === undefined ? { id } : { id, topology };
}

function idOf(raw: unknown, pattern: RegExp, what: string): string | { error: string } {
  const id = raw && typeof raw === "object" ? (raw as Record<string, unknown>).id : undefined;
  return typeof id === "string" && pattern.test(id) ? id : { error: `${what} id is malformed` };
}

export class Channels {
  private readonly nodes = new Map<string, NodeFeed>();
  private readonly logs = new Map<string, LogFeed>();
  private readonly drillFeeds = new Map<string, DrillFeed>();
  private readonly compares = new Set<string>();
  private readonly dirtyDrills = new Map<string, Drill>();
  private readonly timers: Partial<Record<"node" | "logs" | "compare" | "drill", NodeJS.Timeout>> = {};
  private readonly opts: ChannelOptions;
  private readonly offChange: () => void;
  private stopped = false;

  constructor(
    private readonly io: ReplscopeIo,
    private readonly deps: ChannelDeps,
    opts: Partial<ChannelOptions> = {},
  ) {
    this.opts = { ...DEFAULTS, ...opts };
    if (deps.remote) this.refreshRemote(deps.remote);
    // A change that made a timeline event (a role change, a link going down) goes out at once.
    this.offChange = deps.hub.onChange((topology, change) => {
      if (!change.events.length) return;
      if ([...this.nodes.values()].some((f) => !f.target.topology || f.target.topology === topology)) this.schedule("node", 25);
      // What the dashboard sees during a drill reaches its page between the drill's own steps too.
      if (this.drillFeeds.size) this.schedule("drill", 50);
    });
  }

  stop(): void {
    this.stopped = true;
    this.offChange();
    for (const t of Object.values(this.timers)) clearTimeout(t);
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
  }

  private refreshTimer: NodeJS.Timeout | null = null;

  /**
   * Node and log rooms on this instance whose node another instance polls: the watch is repeated
   * every few seconds, so the poller keeps feeding them and a new poller (after a takeover) starts.
   */
  private refreshRemote(remote: RemoteFeeds): void {
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = null;
      if (this.stopped) return;
      for (const [name, members] of this.io.sockets.adapter.rooms) {
        if (!members.size || name.startsWith("session:")) continue;
        const m = /^(node|logs):(.*?)\/(.+)$/.exec(name);
        if (!m) continue;
        const target: NodeTarget = m[2] === "*" ? { id: m[3]! } : { id: m[3]!, topology: m[2]! };
        const channel = m[1] as "node" | "logs";
        if (this.deps.hub.findNode(target.id, target.topology)) this.watch({ channel, target });
        else remote.send({ channel, target });
      }
      this.refreshRemote(remote);
    }, REMOTE_REFRESH_MS);
  }

  /**
   * A watch from a page on another instance (or this one after a takeover): if this instance polls
   * the node it feeds the room, sending a snapshot to the asking socket, or to the whole room when
   * the feed is new here (the pages had their snapshot from the previous poller).
   */
  watch(w: FeedWatch): void {
    const found = this.deps.hub.findNode(w.target.id, w.target.topology);
    if (!found || this.stopped) return;
    const key = nodeKey(w.target);
    const r = room(w.channel, key);
    const until = Date.now() + REMOTE_TTL_MS;
    const to = w.socketId ?? r;
    if (w.channel === "node") {
      const feed = this.nodes.get(key);
      if (feed && !w.socketId) {
        feed.remoteUntil = until;
        return;
      }
      const now = Date.now();
      const detail = buildNodeDetail(found.monitor, found.view, now - SNAPSHOT_HISTORY_MS);
      this.io.to(to).emit("node:snapshot", { at: now, key, detail });
      if (feed) feed.remoteUntil = until;
      else this.nodes.set(key, { target: w.target, memo: memoOf(detail, now), remoteUntil: until });
      this.schedule("node", this.opts.nodeMs);
    } else {
      const feed = this.logs.get(key);
      if (feed && !w.socketId) {
        feed.remoteUntil = until;
        return;
      }
      const logs = found.monitor.logs;
      const lines = logs.lines(found.view.id, 0, LOG_SNAPSHOT_LINES);
      const source = logs.state(found.view.id);
      this.io.to(to).emit("logs:lines", { at: Date.now(), key, source, lines, reset: true });
      if (feed) feed.remoteUntil = until;
      else this.logs.set(key, { target: w.target, lastSeq: lines.at(-1)?.seq ?? 0, sourceKey: JSON.stringify(source), remoteUntil: until });
      this.schedule("logs", this.opts.logsMs);
    }
  }

  /**
   * The instance that fed these node pages went silent (several instances): their figures are
   * last-seen from now on, with the time they were read, until the next poller's snapshot.
   */
  remotePollerLost(topology: string, nodes: readonly NodeView[]): void {
    const at = Date.now();
    for (const n of nodes) {
      for (const key of [nodeKey({ id: n.id, topology }), nodeKey({ id: n.id })]) {
        if (this.nodes.has(key) || !this.occupied(room("node", key))) continue;
        this.io.local.to(room("node", key)).emit("node:delta", { at, key, node: { id: n.id, stale: true, lastSeenAt: n.lastSeenAt } });
      }
    }
  }

  /** Polled elsewhere (several instances): a watch goes to that instance; false when nobody knows the node. */
  private watchElsewhere(socket: ReplscopeSocket, channel: "node" | "logs", t: NodeTarget, key: string): boolean {
    const remote = this.deps.remote;
    if (!remote?.knowsElsewhere(t)) return false;
    void socket.join(room(channel, key));
    remote.send({ channel, target: t, socketId: socket.id });
    return true;
  }

  /** Whether a feed still has readers: sockets here, or pages on other instances that refreshed lately. */
  private followed(r: string, feed: { remoteUntil?: number }): boolean {
    return this.occupied(r) || (feed.remoteUntil ?? 0) > Date.now();
  }

  /** A node no longer found here: gone for its pages only if this instance still polls its topology. */
  private lostHere(t: NodeTarget): boolean {
    return !this.deps.remote || (t.topology !== undefined && this.deps.hub.monitors.has(t.topology));
  }

  /** Registers the channel events of one connected socket. */
  attach(socket: ReplscopeSocket): void {
    const count = (channel: Channel) => [...socket.rooms].filter((r) => r.startsWith(`${channel}:`)).length;
    const admit = (channel: Channel, key: string): SubscribeAck | null =>
      socket.rooms.has(room(channel, key)) || count(channel) < LIMITS[channel] ? null : fail(429, `at most ${LIMITS[channel]} ${channel} subscriptions per connection`);
    const reply = (ack: unknown, a: SubscribeAck | Promise<SubscribeAck>) => {
      const answer = (x: SubscribeAck) => {
        if (typeof ack === "function") (ack as (a: SubscribeAck) => void)(x);
      };
      // A drill or compare lookup may read the store; its failure is an answer, never a crash.
      void Promise.resolve(a).then(answer, () => answer(fail(500, "internal error")));
    };

    socket.on("node:subscribe", (raw, ack) => reply(ack, this.subscribeNode(socket, raw, admit)));
    socket.on("node:unsubscribe", (raw) => {
      const t = nodeTarget(raw);
      if (typeof t !== "string") void socket.leave(room("node", nodeKey(t)));
    });
    socket.on("logs:subscribe", (raw, ack) => reply(ack, this.subscribeLogs(socket, raw, admit)));
    socket.on("logs:unsubscribe", (raw) => {
      const t = nodeTarget(raw);
      if (typeof t !== "string") void socket.leave(room("logs", nodeKey(t)));
    });
    socket.on("drill:subscribe", (raw, ack) => reply(ack, this.subscribeDrill(socket, raw, admit)));
    socket.on("drill:unsubscribe", (raw) => {
      const id = idOf(raw, DRILL_ID, "drill");
      if (typeof id === "string") void socket.leave(room("drill", id));
    });
    socket.on("transfer:subscribe", (raw, ack) => reply(ack, this.subscribeTransfer(socket, raw, admit)));
    socket.on("transfer:unsubscribe", (raw) => {
      const id = idOf(raw, JOB_ID, "transfer");
      if (typeof id === "string") void socket.leave(room("transfer", id));
    });
    socket.on("compare:subscribe", (raw, ack) => reply(ack, this.subscribeCompare(socket, raw, admit)));
    socket.on("compare:unsubscribe", (raw) => {
      const id = idOf(raw, JOB_ID, "compare");
      if (typeof id === "string") for (const r of [...socket.rooms]) if (r.startsWith(`compare:${id}:`)) void socket.leave(r);
    });
  }

  private subscribeNode(socket: ReplscopeSocket, raw: unknown, admit: (c: Channel, k: string) => SubscribeAck | null): SubscribeAck {
    const t = nodeTarget(raw);
    if (typeof t === "string") return fail(400, t);
    const key = nodeKey(t);
    const refused = admit("node", key);
    if (refused) return refused;
    const found = this.deps.hub.findNode(t.id, t.topology);
    if (!found) {
      if (this.watchElsewhere(socket, "node", t, key)) return { ok: true };
      return fail(404, `no node ${t.id} in ${t.topology ? `topology "${t.topology}"` : "any topology"}`);
    }
    const now = Date.now();
    const detail = buildNodeDetail(found.monitor, found.view, now - SNAPSHOT_HISTORY_MS);
    void socket.join(room("node", key));
    socket.emit("node:snapshot", { at: now, key, detail });
    // Deltas for everyone in the room are computed from the feed's memo; a memo older than this
    // snapshot only re-sends fields that the page already has (it replaces, never adds up).
    if (!this.nodes.has(key)) this.nodes.set(key, { target: t, memo: memoOf(detail, now) });
    this.schedule("node", this.opts.nodeMs);
    return { ok: true };
  }

  private subscribeLogs(socket: ReplscopeSocket, raw: unknown, admit: (c: Channel, k: string) => SubscribeAck | null): SubscribeAck {
    const t = nodeTarget(raw);
    if (typeof t === "string") return fail(400, t);
    const key = nodeKey(t);
    const refused = admit("logs", key);
    if (refused) return refused;
    const found = this.deps.hub.findNode(t.id, t.topology);
    if (!found) {
      if (this.watchElsewhere(socket, "logs", t, key)) return { ok: true };
      return fail(404, `no node ${t.id} is monitored`);
    }
    const logs = found.monitor.logs;
    const lines = logs.lines(found.view.id, 0, LOG_SNAPSHOT_LINES);
    const source = logs.state(found.view.id);
    void socket.join(room("logs", key));
    socket.emit("logs:lines", { at: Date.now(), key, source, lines, reset: true });
    if (!this.logs.has(key)) this.logs.set(key, { target: t, lastSeq: lines.at(-1)?.seq ?? 0, sourceKey: JSON.stringify(source) });
    this.schedule("logs", this.opts.logsMs);
    return { ok: true };
  }

  private async subscribeDrill(socket: ReplscopeSocket, raw: unknown, admit: (c: Channel, k: string) => SubscribeAck | null): Promise<SubscribeAck> {
    const id = idOf(raw, DRILL_ID, "drill");
    if (typeof id !== "string") return fail(400, id.error);
    if (admit("drill", id)) return admit("drill", id) as SubscribeAck;
    const drill = await this.deps.drills?.get(id);
    if (!drill) return fail(404, `no drill ${id}`);
    // Checked again: another subscribe may have joined a room while this one read the store.
    const refused = admit("drill", id);
    if (refused) return refused;
    void socket.join(room("drill", id));
    const { events, ...summary } = drill;
    socket.emit("drill:update", { at: Date.now(), drill: structuredClone(summary), events: [...events], eventsFrom: 0 });
    // Only a running drill changes; a finished one needs no feed.
    if (drill.status === "running" && !this.drillFeeds.has(id)) this.drillFeeds.set(id, { sentEvents: events.length });
    return { ok: true };
  }

  private async subscribeCompare(socket: ReplscopeSocket, raw: unknown, admit: (c: Channel, k: string) => SubscribeAck | null): Promise<SubscribeAck> {
    const id = idOf(raw, JOB_ID, "compare");
    if (typeof id !== "string") return fail(400, id.error);
    const runner = this.deps.compare?.();
    const report = await runner?.get(id);
    if (!runner || !report) return fail(404, `no compare job ${id}`);
    const hidden = socket.data.role !== "operator" && !this.deps.viewerValues;
    const key = `${id}:${hidden ? "redacted" : "full"}`;
    const refused = admit("compare", key);
    if (refused) return refused;
    void socket.join(room("compare", key));
    socket.emit("compare:update", { at: Date.now(), report: hidden ? redactReport(report) : report });
    if (runner.isRunning(id)) {
      this.compares.add(id);
      this.schedule("compare", this.opts.compareMs);
    }
    return { ok: true };
  }

  private subscribeTransfer(socket: ReplscopeSocket, raw: unknown, admit: (c: Channel, k: string) => SubscribeAck | null): SubscribeAck {
    const id = idOf(raw, JOB_ID, "transfer");
    if (typeof id !== "string") return fail(400, id.error);
    const job = this.deps.transfers?.()?.get(id);
    if (!job) return fail(404, `no export or import job ${id}`);
    const refused = admit("transfer", id);
    if (refused) return refused;
    void socket.join(room("transfer", id));
    socket.emit("transfer:progress", { at: Date.now(), job: structuredClone(job) });
    return { ok: true };
  }

  /**
   * A transfer job's progress (the manager sends at most a few a second, and always the final
   * report): the whole job to its room, a summary without key names to every socket.
   */
  transferUpdated(job: TransferJob): void {
    const at = Date.now();
    if (this.occupied(room("transfer", job.id))) this.io.to(room("transfer", job.id)).emit("transfer:progress", { at, job });
    const { restoredKeys: _keys, failures: _failures, ...summary } = job;
    this.io.emit("transfers:summary", { at, job: summary });
  }

  /** The drill manager's onUpdate: coalesced, then to every socket (summary) and the drill's room (detail). */
  drillUpdated(drill: Drill): void {
    this.dirtyDrills.set(drill.id, drill);
    this.schedule("drill", 50);
  }

  /** A compare job moved on (for a runner that reports its progress; running jobs are also sampled). */
  compareUpdated(id: string): void {
    this.compares.add(id);
    this.schedule("compare", 0);
  }

  private schedule(kind: "node" | "logs" | "compare" | "drill", inMs: number): void {
    if (this.stopped || this.timers[kind]) return;
    this.timers[kind] = setTimeout(() => {
      delete this.timers[kind];
      const again = this.flush(kind);
      if (again) this.schedule(kind, kind === "node" ? this.opts.nodeMs : kind === "logs" ? this.opts.logsMs : this.opts.compareMs);
    }, inMs);
  }

  private occupied(r: string): boolean {
    return (this.io.sockets.adapter.rooms.get(r)?.size ?? 0) > 0;
  }

  private gone(channel: ChannelGone["channel"], key: string, error: string): void {
    this.io.to(room(channel, key)).emit("channel:gone", { at: Date.now(), channel, key, error });
    this.io.in(room(channel, key)).socketsLeave(room(channel, key));
  }

  /** One round of one kind of feed; true while there is still something to follow. */
  private flush(kind: "node" | "logs" | "compare" | "drill"): boolean {
    if (kind === "node") return this.flushNodes();
    if (kind === "logs") return this.flushLogs();
    if (kind === "compare") return this.flushCompares();
    this.flushDrills();
    return false;
  }

  private flushNodes(): boolean {
    const now = Date.now();
    for (const [key, feed] of this.nodes) {
      if (!this.followed(room("node", key), feed)) {
        this.nodes.delete(key);
        continue;
      }
      const found = this.deps.hub.findNode(feed.target.id, feed.target.topology);
      if (!found) {
        this.nodes.delete(key);
        // Another instance took the topology over: it feeds these pages from now on.
        if (this.lostHere(feed.target)) this.gone("node", key, `node ${feed.target.id} is no longer in the topology`);
        continue;
      }
      const since = feed.memo ? feed.memo.lastPointAt + 1 : now - SNAPSHOT_HISTORY_MS;
      const detail = buildNodeDetail(found.monitor, found.view, since);
      if (!feed.memo) {
        feed.memo = memoOf(detail, now);
        continue;
      }
      const { delta, memo } = nodeDelta(feed.memo, detail, key, now, this.opts.infoMs);
      feed.memo = memo;
      if (delta) this.io.to(room("node", key)).emit("node:delta", delta);
    }
    return this.nodes.size > 0;
  }

  private flushLogs(): boolean {
    for (const [key, feed] of this.logs) {
      if (!this.followed(room("logs", key), feed)) {
        this.logs.delete(key);
        continue;
      }
      const found = this.deps.hub.findNode(feed.target.id, feed.target.topology);
      if (!found) {
        this.logs.delete(key);
        if (this.lostHere(feed.target)) this.gone("logs", key, `node ${feed.target.id} is no longer monitored`);
        continue;
      }
      const lines = found.monitor.logs.lines(found.view.id, feed.lastSeq, LOG_DELTA_LINES);
      const source = found.monitor.logs.state(found.view.id);
      const sourceKey = JSON.stringify(source);
      if (!lines.length && sourceKey === feed.sourceKey) continue;
      feed.sourceKey = sourceKey;
      feed.lastSeq = lines.at(-1)?.seq ?? feed.lastSeq;
      this.io.to(room("logs", key)).emit("logs:lines", { at: Date.now(), key, source, lines, reset: false });
    }
    return this.logs.size > 0;
  }

  private flushCompares(): boolean {
    const runner = this.deps.compare?.();
    for (const id of [...this.compares]) {
      const full = room("compare", `${id}:full`);
      const redacted = room("compare", `${id}:redacted`);
      const running = runner?.isRunning(id) ?? false;
      if (!running) this.compares.delete(id);
      if (!this.occupied(full) && !this.occupied(redacted)) {
        this.compares.delete(id);
        continue;
      }
      const live = runner?.live(id);
      if (live) this.sendCompare(id, live);
      // Stopped: its final report is read back from the store.
      else if (runner) void runner.get(id).then((r) => this.sendCompare(id, r), () => this.sendCompare(id, null));
      else this.sendCompare(id, null);
    }
    return this.compares.size > 0;
  }

  private sendCompare(id: string, report: CompareReport | null): void {
    const full = room("compare", `${id}:full`);
    const redacted = room("compare", `${id}:redacted`);
    if (!report) {
      this.gone("compare", `${id}:full`, `no compare job ${id}`);
      this.gone("compare", `${id}:redacted`, `no compare job ${id}`);
      return;
    }
    const at = Date.now();
    if (this.occupied(full)) this.io.to(full).emit("compare:update", { at, report });
    if (this.occupied(redacted)) this.io.to(redacted).emit("compare:update", { at, report: redactReport(report) });
  }

  private flushDrills(): void {
    const at = Date.now();
    // Followed drills that recorded events since their last update, without a step of their own.
    const quiet: Drill[] = [];
    for (const [id, feed] of this.drillFeeds) {
      if (!this.occupied(room("drill", id))) {
        this.drillFeeds.delete(id);
        continue;
      }
      if (this.dirtyDrills.has(id)) continue;
      // Running drills are in the manager's memory: this never reads the store.
      const drill = this.deps.drills?.live(id);
      if (drill?.status === "running" && drill.events.length > feed.sentEvents) quiet.push(drill);
    }
    for (const drill of quiet) this.sendDrill(drill, at);
    for (const drill of this.dirtyDrills.values()) {
      const { events: _events, ...rest } = drill;
      // A copy: the drill object keeps changing while socket.io may still be encoding this one.
      const summary: DrillSummary = structuredClone(rest);
      this.io.emit("drills:summary", { at, drill: summary });
      this.sendDrill(drill, at, summary);
    }
    this.dirtyDrills.clear();
  }

  /** The drill's room gets its state and the events it has not had yet. */
  private sendDrill(drill: Drill, at: number, summary?: DrillSummary): void {
    const feed = this.drillFeeds.get(drill.id);
    if (!feed) return;
    if (!this.occupied(room("drill", drill.id))) {
      this.drillFeeds.delete(drill.id);
      return;
    }
    const { events, ...rest } = drill;
    this.io.to(room("drill", drill.id)).emit("drill:update", { at, drill: summary ?? structuredClone(rest), events: events.slice(feed.sentEvents), eventsFrom: feed.sentEvents });
    feed.sentEvents = events.length;
    if (drill.status !== "running") this.drillFeeds.delete(drill.id);
  }
}
