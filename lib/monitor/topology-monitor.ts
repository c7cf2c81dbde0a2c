// Watches one replication topology: discovers nodes from any seed (and from Sentinel), polls each
// one, keeps state, history and a bounded event list, and tells listeners what changed. State and
// discovery only: its alert engine, log tails and Sentinel watcher are built outside
// (lib/monitor/build.ts) and passed in; it drives them and records what they report.
import { setTimeout as sleep } from "node:timers/promises";
import { credentialsFor, FORGET_AFTER_MS, type TopologyConfig } from "../config/load";
import type { AlertEngine } from "../alerts/engine";
import type { ReplEvent } from "../logs/classify";
import type { NodeLogs } from "../logs/node-logs";
import { formatDuration, formatNumber } from "../format";
import { diffNode, masterIdOf } from "./diff";
import { outcomeEvent, ResyncTracker, type ResyncOutcome } from "./resync-tracker";
import { NodeHistory, type HistoryJson, type Sample } from "./history";
import { NodePoller } from "./node-poller";
import type { SentinelEventOut } from "../sentinel/parse";
import type { SentinelView, SentinelWatcher } from "../sentinel/watcher";
import type { ClusterEvent } from "../cluster/diff";
import type { ClusterView } from "../cluster/model";
import type { ClusterStatus, ClusterWatcher } from "../cluster/watcher";
import { formatAddress, splitAddress } from "../redis/address";
import { createAllowList } from "../redis/allow-list";
import type { ConnectOptions } from "../redis/connection";
import { applyPoll, initialState, type PollResult } from "./reduce";
import type { NodeState, NodeView } from "./types";
import type { EventSink, NodeEvent, Severity, TimelineEvent } from "../timeline/types";
import { buildViews, type SyncStart, isShown, type PeerPolicy } from "./view";
import { clusterAlertInput } from "../cluster/alert-input";

/** What a monitor is built from; lib/monitor/build.ts wires the parts' callbacks to it. */
export interface MonitorParts {
  sink: EventSink;
  /** Follows the nodes' log files; its events go to logEvent(). */
  logs: NodeLogs;
  /** Evaluated every second; its events go to record(). */
  alerts: AlertEngine;
  /** Present when the config names sentinels; its events go to sentinelEvent(). */
  sentinels: SentinelWatcher | null;
  /** Present unless the config says `cluster: false`; it reports to clusterView(). */
  cluster?: ClusterWatcher | null;
  /**
   * Node states handed over by the topology's previous owner (several instances): each node's
   * first poll is diffed against its last state there, so a takeover repeats no event (no second
   * "discovered") and reports what changed while nobody polled. Until that first poll answers or
   * fails such a node is shown stale (the old owner's last reading, with its time), and alerts and
   * history leave it out.
   */
  handover?: ReadonlyMap<string, NodeState>;
  /**
   * The client name this monitor's connections carry (CLIENT LIST shows it): with several
   * instances it names the instance, so an operator sees who polls a server. Default "replscope".
   */
  connectionName?: string;
}

export interface PollListener {
  (topology: string, nodeId: string, latencyMs: number): void;
}

export interface MonitorListener {
  (topology: string, change: { nodeId: string; events: TimelineEvent[] }): void;
}

const MAX_EVENTS = 5000;
const MAX_NODES = 500;


/** Log lines worth a timeline entry of their own; the rest stay in the node's log pane. */
const TIMELINE_LOG_KINDS = new Set<ReplEvent["kind"]>([
  "full-resync-accepted",
  "partial-resync-ok",
  "partial-resync-accepted-by-master",
  "partial-resync-refused",
  "link-lost",
  "replicaof",
  "master-mode",
  "failover",
  "bgsave-for-sync",
  "flushing-old-data",
  "loading",
  "secondary-replid",
  "sentinel",
]);

export function counter(): () => number {
  let n = 0;
  return () => ++n;
}

export class TopologyMonitor {
  readonly name: string;
  private readonly states = new Map<string, NodeState>();
  private readonly pollers = new Map<string, NodePoller>();
  private readonly histories = new Map<string, NodeHistory>();
  private readonly aliases = new Map<string, string>();
  private readonly events: TimelineEvent[] = [];
  private readonly listeners = new Set<MonitorListener>();
  private readonly pollListeners = new Set<PollListener>();
  private historyTimer: AbortController | null = null;
  private running = false;
  readonly resync = new ResyncTracker((id) => this.states.get(id), {
    logReadable: (id) => this.logs.state(id).status === "readable",
    resolve: (address) => this.resolve(address),
  });
  readonly logs: NodeLogs;
  /** Seeds: always dialled, always shown, never forgotten. */
  private readonly seedIds: ReadonlySet<string>;
  /** Addresses the operator named (seeds, `nodes` keys): dialled whatever discovery.allow says. */
  private readonly namedIds: ReadonlySet<string>;
  private readonly allowHost: ((host: string) => boolean) | null;
  /** Node id -> when a live node last named it (as its master or a replica), for forgetting. */
  private readonly lastListed = new Map<string, number>();
  private readonly peerPolicy: PeerPolicy;
  /** Log lines that name where a sync started, per replica (bounded by the node count). */
  private readonly syncStarts = new Map<string, SyncStart>();
  private readonly resyncInfo = {
    last: (id: string) => this.resync.lastOutcome(id),
    inProgress: (id: string) => this.resync.inProgress(id),
    syncStart: (id: string) => this.syncStarts.get(id),
  };

  readonly alerts: AlertEngine;
  /** Present when the config names sentinels for this topology. */
  readonly sentinels: SentinelWatcher | null;
  /** Watches the cluster when the seeds run in cluster mode (see clusterStatus()). */
  readonly cluster: ClusterWatcher | null;
  /** Addresses the latest cluster view names: kept on the map like nodes a live node lists. */
  private clusterAddresses = new Set<string>();
  private readonly sink: EventSink;
  private readonly nextEventId: () => number;
  private readonly handover: ReadonlyMap<string, NodeState>;
  private readonly connectionName: string | undefined;
  /** Handed-over nodes not polled yet (kept out of the views). */
  private readonly unpolled = new Set<string>();

  constructor(
    readonly config: TopologyConfig,
    parts: MonitorParts,
  ) {
    this.name = config.name;
    this.sink = parts.sink;
    this.nextEventId = () => parts.sink.nextId();
    this.logs = parts.logs;
    this.alerts = parts.alerts;
    this.sentinels = parts.sentinels;
    this.cluster = parts.cluster ?? null;
    this.handover = parts.handover ?? new Map();
    this.connectionName = parts.connectionName;
    this.seedIds = new Set(config.seeds.map((s) => formatAddress(s.host, s.port)));
    this.namedIds = new Set([...this.seedIds, ...Object.entries(config.nodes).map(([id]) => id)]);
    this.allowHost = config.discoveryAllow ? createAllowList(config.discoveryAllow) : null;
    this.peerPolicy = { pinned: (id) => this.seedIds.has(id), mayDial: (host, port) => this.mayDial(host, port) };
  }

  /** An event from this topology's Sentinel watcher: on the timeline, and a new master is discovered. */
  sentinelEvent(e: SentinelEventOut): void {
    this.emit(e.node, [{ kind: e.kind, node: e.node, severity: e.severity, text: e.text, data: e.data }], e.at);
    // A new master named by Sentinel is discovered right away, not at the next INFO round.
    if (e.kind === "sentinel:+switch-master") this.discoverFromSentinels();
  }

  /** The persistence hazard threshold (alerts.noSaveHours), in seconds. */
  noSaveSeconds(): number {
    return (this.config.alerts?.noSaveHours ?? 24) * 3600;
  }

  /**
   * A cluster reading (lib/cluster/watcher): its events on the timeline (by the node they name),
   * and every node it announces is monitored like a replication node, within discovery.allow.
   */
  clusterView(view: ClusterView, events: ClusterEvent[], at: number): void {
    const addresses = new Set<string>();
    for (const n of view.nodes) {
      const a = n.address ? splitAddress(n.address) : null;
      if (!a) continue;
      addresses.add(this.resolve(n.address!));
      this.ensureNode(a.host, a.port, "announced");
    }
    this.clusterAddresses = addresses;
    const byNode = new Map<string, NodeEvent[]>();
    for (const e of events) {
      const list = byNode.get(e.node) ?? [];
      list.push({ kind: e.kind, node: e.node, severity: e.severity, text: e.text, data: e.data });
      byNode.set(e.node, list);
    }
    for (const [node, list] of byNode) this.emit(node, list, at);
    // No event: listeners still hear that the cluster status changed (the socket sends it paced).
    if (!byNode.size) this.emit(view.seed, [], at);
  }

  /** The cluster as last read; null when the topology is not a cluster (or not yet known to be one). */
  clusterStatus(): ClusterStatus | null {
    const s = this.cluster?.current();
    return s && s.mode === "cluster" ? s : null;
  }

  sentinelViews(): SentinelView[] {
    return this.sentinels?.views() ?? [];
  }

  /** Sentinel's majority view of masters and replicas feeds discovery next to INFO. */
  private discoverFromSentinels(): void {
    for (const m of this.sentinels?.masters() ?? []) {
      for (const address of [m.address, ...m.replicas]) {
        const a = splitAddress(address);
        if (a) this.ensureNode(a.host, a.port, "announced");
      }
    }
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    for (const seed of this.config.seeds) this.ensureNode(seed.host, seed.port, "seed");
    for (const s of this.handover.values()) this.ensureNode(s.host, s.port, "announced");
    this.sentinels?.start();
    this.cluster?.start();
    void this.historyLoop();
  }

  stop(): void {
    this.running = false;
    this.historyTimer?.abort();
    for (const p of this.pollers.values()) p.stop();
    this.pollers.clear();
    void this.logs.stop();
    void this.alerts.close();
    this.sentinels?.stop();
    this.cluster?.stop();
  }

  onPollTimed(l: PollListener): () => void {
    this.pollListeners.add(l);
    return () => this.pollListeners.delete(l);
  }

  onChange(l: MonitorListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  resolve = (address: string): string => this.aliases.get(address) ?? address;

  views(): NodeView[] {
    const now = Date.now();
    if (!this.unpolled.size) return buildViews(this.states.values(), this.resolve, this.resyncInfo, this.peerPolicy, now, this.noSaveSeconds());
    // Handed-over nodes not polled yet are shown as what they are, the previous owner's last
    // reading (stale, with its time); they are derived among themselves, so no current figure is
    // ever computed against one of them.
    const polled = [...this.states.values()].filter((s) => !this.unpolled.has(s.id));
    const handed = [...this.states.values()].filter((s) => this.unpolled.has(s.id));
    const old = buildViews(handed, this.resolve, this.resyncInfo, this.peerPolicy, now, this.noSaveSeconds()).map((v) => ({ ...v, stale: true }));
    return [...buildViews(polled, this.resolve, this.resyncInfo, this.peerPolicy, now, this.noSaveSeconds()), ...old];
  }

  /** Views of the nodes polled by this monitor (alerts and history judge only what it read itself). */
  private polledViews(): NodeView[] {
    const views = this.views();
    return this.unpolled.size ? views.filter((v) => !this.unpolled.has(v.id)) : views;
  }

  /**
   * Every node's state, for handing the topology over to another instance: a handed-over node not
   * polled yet passes its previous owner's state on, unchanged.
   */
  nodeStates(): NodeState[] {
    return [...this.states.values()];
  }

  state(id: string): NodeState | undefined {
    return this.states.get(this.resolve(id));
  }

  history(id: string, sinceMs: number): HistoryJson | undefined {
    return this.histories.get(this.resolve(id))?.toJson(sinceMs);
  }

  recentEvents(limit = 200): TimelineEvent[] {
    return this.events.slice(-limit);
  }

  /**
   * Whether replscope may connect to an address (with the topology's credentials): seeds and
   * configured nodes always; announced ones only inside discovery.allow when there is one.
   */
  mayDial(host: string, port: number): boolean {
    return !this.allowHost || this.namedIds.has(formatAddress(host, port)) || this.allowHost(host);
  }

  private ensureNode(host: string, port: number, origin: "seed" | "announced"): void {
    if (origin === "announced" && !this.mayDial(host, port)) return;
    const id = this.resolve(formatAddress(host, port));
    if (this.states.has(id) || this.states.size >= MAX_NODES || !this.running) return;
    const handed = this.handover.get(id);
    // Only a state for this very address: the old owner's record is data, not a place to dial.
    if (handed && handed.host === host && handed.port === port) this.unpolled.add(id);
    this.states.set(id, handed && this.unpolled.has(id) ? { ...handed, samples: [] } : initialState(id, host, port));
    this.lastListed.set(id, Date.now());
    this.histories.set(id, new NodeHistory());
    const poller = new NodePoller({
      conn: this.connectOptionsFor(host, port, this.config.timeoutMs),
      pollMs: this.config.pollMs,
      infoMs: this.config.infoMs,
      onResult: (r) => this.onPoll(id, r),
    });
    this.pollers.set(id, poller);
    poller.start();
  }

  private onPoll(id: string, r: PollResult): void {
    const prev = this.states.get(id);
    if (!prev) return;
    this.unpolled.delete(id);
    const next = applyPoll(prev, r);
    // The same server reached under a second address is one node: keep the first, alias the other.
    // Checked when this node comes up or its run_id changes: of two addresses of one server, the
    // second to show (up, run_id) finds the first, so a node already up with the same run_id was
    // checked then and the scan over every node is not repeated on every poll.
    if (next.runId && next.status === "up" && (prev.status !== "up" || prev.runId !== next.runId)) {
      for (const other of this.states.values()) {
        if (other.id !== id && other.runId === next.runId && other.status === "up" && other.lastOkAt !== null) {
          this.aliasNode(id, other.id);
          return;
        }
      }
    }
    this.states.set(id, next);
    if (r.ok) for (const l of this.pollListeners) l(this.name, id, r.latencyMs);
    if (prev.role !== next.role && prev.role !== null) {
      this.pollers.get(id)?.refreshFactsSoon();
      // A node's own poll saw a promotion or demotion first: read the cluster now, not in up to 2 s.
      this.cluster?.readSoon();
    }
    if (next.nodeConfig !== prev.nodeConfig || (next.status === "up" && prev.lastOkAt === null)) this.configureLog(next);
    const nodeEvents = diffNode(prev, next);
    nodeEvents.push(...this.resync.observe(prev, next, r.at).map(this.resyncEvent));
    // A resync waiting for a master's counters (or a sibling's link) is decided sooner when they are read now.
    for (const other of this.resync.awaiting()) this.pollers.get(other)?.pollSoon();
    if (next.status === "up") this.discoverFrom(next);
    this.emit(id, nodeEvents, r.at);
  }

  /** Records events from outside the poll loop (drills, sentinels) on this topology's timeline. */
  record(nodeId: string, nodeEvents: NodeEvent[], at = Date.now()): void {
    this.emit(nodeId, nodeEvents, at);
  }

  /** Stamps events, keeps them (bounded) and tells listeners; called even with no events (state changed). */
  private emit(nodeId: string, nodeEvents: NodeEvent[], at: number): void {
    const events = nodeEvents.map<TimelineEvent>((e) => ({ ...e, id: this.nextEventId(), at, topology: this.name }));
    for (const e of events) this.events.push(e);
    if (this.events.length > MAX_EVENTS) this.events.splice(0, this.events.length - MAX_EVENTS);
    if (events.length) {
      this.sink.append(events);
      this.alerts.observe(events);
    }
    for (const l of this.listeners) l(this.name, { nodeId, events });
  }

  private resyncEvent = (o: ResyncOutcome): NodeEvent => outcomeEvent(o, formatNumber);

  private configureLog(s: NodeState): void {
    this.logs.configure(s.id, {
      host: s.host,
      configured: this.config.nodes[s.id]?.logFile,
      logfile: s.nodeConfig?.logfile,
      dir: s.nodeConfig?.dir,
      configKnown: s.nodeConfig !== null,
    });
  }

  /** A replication line in a node's log (from `logs`): evidence for the resync tracker and a timeline entry. */
  logEvent(node: string, ev: ReplEvent, at: number): void {
    this.resync.logEvent(node, ev, at);
    if (ev.kind === "full-resync-accepted" && this.states.has(node)) this.syncStarts.set(node, { kind: "full", offset: ev.offset, at });
    if (ev.kind === "partial-resync-accepted-by-master") {
      const replica = this.resolve(ev.replica);
      if (this.states.has(replica)) this.syncStarts.set(replica, { kind: "partial", offset: ev.fromOffset, at });
    }
    if (!TIMELINE_LOG_KINDS.has(ev.kind)) return;
    const severity: Severity = ev.kind === "partial-resync-refused" || ev.kind === "link-lost" ? "warning" : "info";
    this.emit(node, [{ kind: `log:${ev.kind}`, node, severity, text: `${node} log: ${ev.text}` }], at);
  }

  private discoverFrom(s: NodeState): void {
    const master = masterIdOf(s);
    if (master) {
      const addr = splitAddress(master);
      if (addr) this.ensureNode(addr.host, addr.port, "announced");
    }
    for (const line of s.repl?.replicas ?? []) this.ensureNode(line.ip, line.port, "announced");
  }

  private aliasNode(alias: string, canonical: string): void {
    this.drop(alias);
    this.aliases.set(alias, canonical);
    for (const l of this.listeners) l(this.name, { nodeId: alias, events: [] });
  }

  /** Stops watching a node and lets go of everything kept about it. */
  private drop(id: string): void {
    this.unpolled.delete(id);
    this.pollers.get(id)?.stop();
    this.pollers.delete(id);
    this.states.delete(id);
    this.histories.delete(id);
    this.lastListed.delete(id);
    this.resync.forget(id);
    this.logs.remove(id);
  }

  /**
   * Forgets nodes that are down (or never answered) and that no live node has named, as its
   * master or a replica, for forgetAfterMs: announcements that went away, replicas removed for
   * good. Seeds stay. Their alerts resolve on the next evaluation, as the node leaves the views.
   */
  private forgetStale(now: number): void {
    const after = this.config.forgetAfterMs ?? FORGET_AFTER_MS;
    const listed = new Set<string>();
    for (const s of this.states.values()) {
      if (s.status !== "up") continue;
      const master = masterIdOf(s);
      if (master) listed.add(this.resolve(master));
      for (const line of s.repl?.replicas ?? []) listed.add(this.resolve(line.id));
    }
    for (const id of this.clusterAddresses) listed.add(id);
    for (const s of [...this.states.values()]) {
      if (listed.has(s.id)) this.lastListed.set(s.id, now);
      if (s.status === "up" || this.seedIds.has(s.id)) continue;
      const quietSince = Math.max(this.lastListed.get(s.id) ?? now, s.lastOkAt ?? 0);
      if (now - quietSince < after) continue;
      const shown = isShown(s, this.peerPolicy);
      this.drop(s.id);
      for (const [alias, canonical] of this.aliases) if (canonical === s.id) this.aliases.delete(alias);
      const text = `${s.id} forgotten: ${s.lastOkAt === null ? "never answered" : "down"} and named by no live node for ${formatDuration(after)}`;
      // Only nodes that were on the map get a timeline entry; an announcement that never answered leaves none.
      this.emit(s.id, shown ? [{ kind: "node:forgotten", node: s.id, severity: "info", text }] : [], now);
    }
  }

  /** Records one history sample a second per node from the latest derived views. */
  private async historyLoop(): Promise<void> {
    const ctl = new AbortController();
    this.historyTimer = ctl;
    while (!ctl.signal.aborted) {
      const now = Date.now();
      for (const e of this.resync.tick(now).map(this.resyncEvent)) this.emit(e.node, [e], now);
      this.forgetStale(now);
      const views = this.polledViews();
      this.alerts.tick(now, views, clusterAlertInput(this.clusterStatus(), now));
      this.discoverFromSentinels();
      for (const v of views) {
        const sample: Sample = {
          replOffset: v.status === "up" ? v.replOffset : null,
          lagBytes: v.lagBytes,
          lagSeconds: v.lagSeconds,
          opsPerSec: v.status === "up" ? v.opsPerSec : null,
          usedMemory: v.status === "up" ? v.usedMemory : null,
          writeRate: v.status === "up" ? v.writeRate : null,
        };
        this.histories.get(v.id)?.record(now, sample);
        this.sink.sample?.(this.name, v.id, now, sample);
      }
      try {
        await sleep(1000 - (Date.now() % 1000), undefined, { signal: ctl.signal });
      } catch {
        return;
      }
    }
  }

  /** How to reach a node of this topology (credentials stay on the server); undefined for strangers. */
  connectOptions(id: string, timeoutMs = this.config.timeoutMs): ConnectOptions | undefined {
    const s = this.state(id);
    return s ? this.connectOptionsFor(s.host, s.port, timeoutMs) : undefined;
  }

  /** Credentials and TLS for any address of this topology (callers check mayDial first). */
  connectOptionsForAddress(host: string, port: number, timeoutMs = this.config.timeoutMs): ConnectOptions {
    return this.connectOptionsFor(host, port, timeoutMs);
  }

  private connectOptionsFor(host: string, port: number, timeoutMs: number): ConnectOptions {
    return {
      host,
      port,
      ...credentialsFor(this.config, host, port),
      tls: this.config.tls ?? (this.config.seeds.some((s) => s.tls) ? true : undefined),
      timeoutMs,
      ...(this.connectionName ? { connectionName: this.connectionName } : {}),
    };
  }

  /** Number of INFO commands sent so far, for the benchmark's commands/s figure. */
  commandsSent(): number {
    let n = 0;
    for (const p of this.pollers.values()) n += p.commandsSent;
    return n;
  }
}
