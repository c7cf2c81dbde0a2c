// Turns monitor changes into a full snapshot on connect and small, coalesced deltas afterwards.
// Urgent changes (anything that produced a timeline event) go out within `urgentMs`; metric-only
// changes (offsets, lag, memory) at most once per `metricsMs`, however often nodes are polled.
import type { MonitorHub } from "../monitor/hub";
import type { NodeView } from "../monitor/types";
import type { TimelineEvent } from "../timeline/types";
import { diffView, SLOW_FIELDS } from "./view-diff";
import { clusterSummary } from "../cluster/report";
import type { LagPoint, NodePatch, TopologyDelta, TopologySnapshot, TopologyView } from "./events";

export interface BroadcasterOptions {
  urgentMs: number;
  metricsMs: number;
  /** Offsets, memory, rates and headroom: sent at most this often (lag still every metricsMs). */
  slowMetricsMs: number;
  maxEventsPerDelta: number;
  lagHistorySeconds: number;
}

const DEFAULTS: BroadcasterOptions = { urgentMs: 25, metricsMs: 1000, slowMetricsMs: 5000, maxEventsPerDelta: 200, lagHistorySeconds: 300 };

export class Broadcaster {
  private readonly lastSent = new Map<string, Map<string, NodeView>>();
  private readonly lastAlerts = new Map<string, string>();
  private readonly lastSentinels = new Map<string, string>();
  private readonly lastCluster = new Map<string, string>();
  private pendingEvents: TimelineEvent[] = [];
  private droppedEvents = 0;
  private timer: NodeJS.Timeout | null = null;
  private timerDue = Infinity;
  private lastFlushAt = 0;
  private lastSlowFlushAt = 0;
  private readonly opts: BroadcasterOptions;
  private readonly off: () => void;

  constructor(
    private readonly hub: MonitorHub,
    private readonly emit: (d: TopologyDelta) => void,
    opts: Partial<BroadcasterOptions> = {},
  ) {
    this.opts = { ...DEFAULTS, ...opts };
    this.off = hub.onChange((_topology, change) => this.notify(change.events));
  }

  get queueDepth(): number {
    return this.pendingEvents.length;
  }

  stop(): void {
    this.off();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private notify(events: TimelineEvent[]): void {
    for (const e of events) {
      if (this.pendingEvents.length < this.opts.maxEventsPerDelta) this.pendingEvents.push(e);
      else this.droppedEvents++;
    }
    const now = Date.now();
    const due = events.length > 0 ? now + this.opts.urgentMs : Math.max(now, this.lastFlushAt + this.opts.metricsMs);
    this.schedule(due);
  }

  private schedule(due: number): void {
    if (this.timer && this.timerDue <= due) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerDue = due;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timerDue = Infinity;
      this.flush();
    }, Math.max(0, due - Date.now()));
  }

  /**
   * Drops what was last sent of a topology (several instances: it started or stopped being polled
   * here). Its next flush sends it whole, so browsers that followed another instance meanwhile
   * are brought up to date, stale marks included.
   */
  forget(name: string): void {
    this.lastSent.delete(name);
    this.lastAlerts.delete(name);
    this.lastSentinels.delete(name);
    this.lastCluster.delete(name);
  }

  /** Sends whatever changed since the last flush. Returns the delta, or null when nothing changed. */
  flush(full = false): TopologyDelta | null {
    this.lastFlushAt = Date.now();
    const slowDue = full || this.lastFlushAt - this.lastSlowFlushAt >= this.opts.slowMetricsMs;
    if (slowDue) this.lastSlowFlushAt = this.lastFlushAt;
    const skip = slowDue ? undefined : SLOW_FIELDS;
    const topologies: TopologyDelta["topologies"] = [];
    // A topology no longer polled here (another instance took it) is forgotten without a word:
    // its browsers now follow that instance, and "removed" from here would be false.
    for (const name of [...this.lastSent.keys()]) if (!this.hub.monitors.has(name)) this.forget(name);
    for (const [name, monitor] of this.hub.monitors) {
      const sent = this.lastSent.get(name) ?? new Map<string, NodeView>();
      this.lastSent.set(name, sent);
      const upserts: NodePatch[] = [];
      const current = new Set<string>();
      for (const view of monitor.views()) {
        current.add(view.id);
        const prev = sent.get(view.id);
        const patch = diffView(prev, view, skip);
        if (patch) upserts.push(patch);
        // Skipped fields keep the value the browser has, so they are diffed again next time.
        if (prev && skip) {
          const kept: Record<string, unknown> = { ...view };
          for (const k of skip) kept[k] = prev[k];
          sent.set(view.id, kept as unknown as NodeView);
        } else sent.set(view.id, view);
      }
      const removed = [...sent].map(([id]) => id).filter((id) => !current.has(id));
      for (const id of removed) sent.delete(id);
      const alerts = monitor.alerts.active();
      const alertsKey = alerts.map((a) => `${a.id}:${a.severity}`).join(",");
      const alertsChanged = this.lastAlerts.get(name) !== alertsKey;
      this.lastAlerts.set(name, alertsKey);
      // Sentinel views change rarely; compared without their timestamps so polls alone send nothing.
      const sentinels = monitor.sentinelViews();
      const sentinelsKey = JSON.stringify(sentinels.map(({ lastOkAt: _a, latencyMs: _b, ...rest }) => rest));
      const sentinelsChanged = this.lastSentinels.get(name) !== sentinelsKey;
      this.lastSentinels.set(name, sentinelsKey);
      // The cluster summary changes with each 2 s reading (its readAt) at most; sent whole when it does.
      const cluster = clusterSummary(monitor.clusterStatus());
      const clusterKey = JSON.stringify(cluster);
      const clusterChanged = this.lastCluster.get(name) !== clusterKey;
      this.lastCluster.set(name, clusterKey);
      if (upserts.length || removed.length || alertsChanged || sentinelsChanged || clusterChanged) {
        topologies.push({ name, upserts, removed, ...(alertsChanged ? { alerts } : {}), ...(sentinelsChanged ? { sentinels } : {}), ...(clusterChanged ? { cluster } : {}) });
      }
    }
    if (!topologies.length && !this.pendingEvents.length) return null;
    const delta: TopologyDelta = { at: Date.now(), topologies, events: this.pendingEvents, droppedEvents: this.droppedEvents };
    this.pendingEvents = [];
    this.droppedEvents = 0;
    this.emit(delta);
    return delta;
  }

  /**
   * One polled topology as the browsers have it after the last flush (no lag history): what
   * another instance's browsers start from (lib/fleet/view-feed.ts).
   */
  topologyView(name: string): TopologyView | undefined {
    const m = this.hub.monitors.get(name);
    if (!m) return undefined;
    const nodes = [...(this.lastSent.get(name)?.values() ?? [])];
    return { name, drills: m.config.drills, nodes, lagHistory: {}, alerts: m.alerts.active(), sentinels: m.sentinelViews(), cluster: clusterSummary(m.clusterStatus()) };
  }

  /** A full snapshot consistent with the deltas that follow it (pending changes are flushed first). */
  snapshot(): TopologySnapshot {
    // Everything, slow fields included, so the snapshot is current.
    this.flush(true);
    const since = Date.now() - this.opts.lagHistorySeconds * 1000;
    return {
      at: Date.now(),
      topologies: [...this.hub.monitors.values()].map((m) => {
        const nodes = [...(this.lastSent.get(m.name)?.values() ?? [])];
        const lagHistory: Record<string, LagPoint[]> = {};
        for (const n of nodes) {
          if (n.role !== "replica") continue;
          const h = m.history(n.id, since);
          if (h) lagHistory[n.id] = h.t.map((t, i) => [t, h.lagBytes[i] ?? null]);
        }
        return { name: m.name, drills: m.config.drills, nodes, lagHistory, alerts: m.alerts.active(), sentinels: m.sentinelViews(), cluster: clusterSummary(m.clusterStatus()) };
      }),
      events: this.hub.recentEvents(200),
    };
  }
}
