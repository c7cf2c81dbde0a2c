// Prometheus metrics for replscope on a registry of its own (never prom-client's global one).
// Node series are computed at scrape time from the hub's current views and states (collect()
// callbacks, no timers); resyncs are counted as the monitor reports them; poll latency is a
// histogram fed by observePoll(). See samples.ts for the series themselves.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { MonitorHub } from "../monitor/hub";
import { registerFleetMetrics, type FleetMetricsSource } from "./fleet";
import { buildSamples, NODE_METRICS, resyncLabels, type NodeMetricName, type Samples } from "./samples";

export interface MetricsOptions {
  /** Connected socket.io clients (io.engine.clientsCount). */
  socketClients: () => number;
  /** Events waiting to be sent to clients; the gauge is left out when not given. */
  eventQueueDepth?: () => number;
  /** Process metrics (CPU, memory, event loop lag, GC); default true. */
  processMetrics?: boolean;
  /**
   * Several instances: the fleet (lib/fleet/fleet.ts), read at scrape time so it may be built after
   * the metrics; null or absent (running alone) leaves the replscope_fleet_* series without samples.
   */
  fleet?: () => FleetMetricsSource | null;
}

export interface Metrics {
  registry: Registry;
  /** The exposition text (Prometheus text format 0.0.4). */
  render(): Promise<string>;
  /** Content-Type header for render()'s output. */
  contentType: string;
  /** One poll of `node` (a monitored node id, host:port) took latencyMs; unknown nodes are ignored. */
  observePoll(topology: string, node: string, latencyMs: number): void;
  /** Stops counting resyncs (unsubscribes from the hub). */
  close(): void;
}

/** Seconds; a local poll takes ~1 ms, a remote one a network round trip or a few. */
export const POLL_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export function createMetrics(hub: MonitorHub, opts: MetricsOptions): Metrics {
  const registry = new Registry();
  if (opts.processMetrics !== false) collectDefaultMetrics({ register: registry, prefix: "replscope_" });

  // One snapshot per scrape: every collect() of a scrape runs in the same synchronous pass of
  // registry.metrics(), so the first one builds it and a microtask drops it afterwards.
  let snapshot: Samples | null = null;
  const current = (): Samples => {
    if (snapshot) return snapshot;
    const now = Date.now();
    snapshot = buildSamples(
      [...hub.monitors.values()].map((m) => ({
        name: m.name,
        views: m.views(),
        state: (id: string) => m.state(id),
        alerts: m.alerts.active(),
        sentinels: m.sentinelViews(),
        cluster: m.clusterStatus(),
        now,
      })),
    );
    queueMicrotask(() => {
      snapshot = null;
    });
    return snapshot;
  };

  for (const [name, spec] of Object.entries(NODE_METRICS) as [NodeMetricName, (typeof NODE_METRICS)[NodeMetricName]][]) {
    const labelNames = [...spec.labelNames];
    if (spec.type === "counter") {
      // Redis's own counters: mirrored as-is on every scrape (they restart from 0 with the server).
      new Counter({
        name,
        help: spec.help,
        labelNames,
        registers: [registry],
        collect() {
          this.reset();
          for (const s of current().get(name) ?? []) this.inc(s.labels, s.value);
        },
      });
    } else {
      new Gauge({
        name,
        help: spec.help,
        labelNames,
        registers: [registry],
        collect() {
          this.reset();
          for (const s of current().get(name) ?? []) this.set(s.labels, s.value);
        },
      });
    }
  }

  const isMonitored = (topology: string, node: string): string | null => {
    const m = hub.get(topology);
    const state = m?.state(node);
    return state ? state.id : null;
  };

  const resyncs = new Counter({
    name: "replscope_resyncs_total",
    help: "Resyncs replscope followed to the end, by kind (full/partial) and reason (full only), since replscope started. node: the replica, or the master that served it when the polls cannot tell which replica it was.",
    labelNames: ["topology", "node", "kind", "reason"],
    registers: [registry],
  });
  const off = hub.onChange((topology, change) => {
    for (const e of change.events) {
      const labels = resyncLabels(e, (node) => isMonitored(topology, node) !== null);
      if (labels) resyncs.inc({ ...labels });
    }
  });

  /** Per node: its labels and the histogram's child for them (observing a child skips label hashing, 4 polls/s/node). */
  const observed = new Map<string, { labels: { topology: string; node: string }; child: { observe(v: number): void } }>();
  const pollLatency = new Histogram({
    name: "replscope_poll_duration_seconds",
    help: "Duration of replscope's polls (INFO round trips), per node.",
    labelNames: ["topology", "node"],
    buckets: POLL_BUCKETS,
    registers: [registry],
    collect() {
      // Nodes that left the topology (aliased, or a bounded list that moved on) drop their series.
      for (const [key, { labels: l }] of observed) {
        if (isMonitored(l.topology, l.node) !== l.node) {
          this.remove(l);
          observed.delete(key);
        }
      }
    },
  });

  new Gauge({
    name: "replscope_socket_clients",
    help: "Browsers connected over socket.io.",
    registers: [registry],
    collect() {
      this.set(opts.socketClients());
    },
  });
  const queueDepth = opts.eventQueueDepth;
  if (queueDepth) {
    new Gauge({
      name: "replscope_event_queue_depth",
      help: "Timeline events waiting to be sent to socket clients.",
      registers: [registry],
      collect() {
        this.set(queueDepth());
      },
    });
  }
  new Gauge({
    name: "replscope_monitored_nodes",
    help: "Nodes replscope currently monitors, per topology.",
    labelNames: ["topology"],
    registers: [registry],
    collect() {
      this.reset();
      for (const m of hub.monitors.values()) this.set({ topology: m.name }, m.views().length);
    },
  });

  const fleet = opts.fleet;
  if (fleet) registerFleetMetrics(registry, fleet);

  return {
    registry,
    contentType: registry.contentType,
    render: () => registry.metrics(),
    observePoll(topology, node, latencyMs) {
      const id = isMonitored(topology, node);
      if (id === null || !Number.isFinite(latencyMs) || latencyMs < 0) return;
      const key = `${topology}\u0000${id}`;
      let entry = observed.get(key);
      if (!entry) {
        const labels = { topology, node: id };
        entry = { labels, child: pollLatency.labels(labels) };
        observed.set(key, entry);
      }
      entry.child.observe(latencyMs / 1000);
    },
    close: off,
  };
}
