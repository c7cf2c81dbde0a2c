// Builds a TopologyMonitor from its config: the alert engine, the log tails and the Sentinel
// watcher are made here and passed in, each reporting into the monitor it belongs to. Used by the
// hub (and so by server.ts, the composition root) and by tests that watch one topology.
import { AlertEngine } from "../alerts/engine";
import { DEFAULT_ALERT_RULES } from "../alerts/rules";
import type { AlertLedger } from "../fleet/alert-ledger";
import type { TopologyConfig } from "../config/load";
import { NodeLogs } from "../logs/node-logs";
import { SentinelWatcher } from "../sentinel/watcher";
import { ClusterWatcher } from "../cluster/watcher";
import type { ConnectOptions } from "../redis/connection";
import type { EventSink } from "../timeline/types";
import { counter, TopologyMonitor } from "./topology-monitor";
import type { NodeState } from "./types";

/** What a monitor taking a topology over from another instance starts from (lib/fleet). */
export interface BuildOptions {
  /** The previous owner's last node states (see MonitorParts.handover). */
  handover?: ReadonlyMap<string, NodeState>;
  /**
   * Several instances: the fleet's alert ledger for this topology, bound to the lease this monitor
   * runs under; alerts are then announced once across instances (see lib/alerts/claims.ts).
   */
  alertLedger?: AlertLedger;
  /** See MonitorParts.connectionName. */
  connectionName?: string;
}

/** Event ids from a counter, kept nowhere else: for a monitor without a persistent timeline. */
/** How often a cluster's CLUSTER INFO/NODES/SHARDS are read (a few ms of server time each). */
export const CLUSTER_READ_MS = 2000;

export function memorySink(): EventSink {
  return { nextId: counter(), append: () => undefined };
}

export function buildTopologyMonitor(config: TopologyConfig, sink: EventSink = memorySink(), opts: BuildOptions = {}): TopologyMonitor {
  // The parts call into the monitor, which needs them to exist first. None of them reports
  // anything before the monitor starts them, so `monitor` is always set when they call.
  const logs = new NodeLogs((node, ev, at) => monitor.logEvent(node, ev, at), { logDirs: config.logDirs, privatePaths: config.privatePaths });
  const alerts = new AlertEngine(
    config.name,
    config.alerts ?? DEFAULT_ALERT_RULES,
    config.webhook,
    (events, at) => monitor.record(events[0]?.node ?? config.name, events, at),
    { ledger: opts.alertLedger },
  );
  const sentinels = config.sentinels?.length
    ? new SentinelWatcher({
        topology: config.name,
        sentinels: config.sentinels.map((s) => ({ host: s.host, port: s.port, username: s.username, password: s.password })),
        masterName: config.sentinelMaster,
        pollMs: Math.max(500, config.pollMs * 4),
        timeoutMs: config.timeoutMs,
        onEvent: (e) => monitor.sentinelEvent(e),
      })
    : null;
  const cluster: ClusterWatcher | null =
    config.cluster === false
      ? null
      : new ClusterWatcher({
          topology: config.name,
          seeds: config.seeds.map((s) => ({ host: s.host, port: s.port })),
          forced: config.cluster === true,
          connect: (host, port): ConnectOptions => monitor.connectOptionsForAddress(host, port),
          mayDial: (host, port) => monitor.mayDial(host, port),
          everyMs: CLUSTER_READ_MS,
          onView: (view, events, at) => monitor.clusterView(view, events, at),
        });
  const monitor: TopologyMonitor = new TopologyMonitor(config, { sink, logs, alerts, sentinels, cluster, handover: opts.handover, connectionName: opts.connectionName });
  return monitor;
}
