// Builds a TopologyMonitor from its config: the alert engine, the log tails and the Sentinel
// watcher are made here and passed in, each reporting into the monitor it belongs to. Used by the
// hub (and so by server.ts, the composition root) and by tests that watch one topology.
import { AlertEngine } from "../alerts/engine";
import { DEFAULT_ALERT_RULES } from "../alerts/rules";
import type { TopologyConfig } from "../config/load";
import { NodeLogs } from "../logs/node-logs";
import { SentinelWatcher } from "../sentinel/watcher";
import type { EventSink } from "../timeline/types";
import { counter, TopologyMonitor } from "./topology-monitor";

/** Event ids from a counter, kept nowhere else: for a monitor without a persistent timeline. */
export function memorySink(): EventSink {
  return { nextId: counter(), append: () => undefined };
}

export function buildTopologyMonitor(config: TopologyConfig, sink: EventSink = memorySink()): TopologyMonitor {
  // The parts call into the monitor, which needs them to exist first. None of them reports
  // anything before the monitor starts them, so `monitor` is always set when they call.
  const logs = new NodeLogs((node, ev, at) => monitor.logEvent(node, ev, at), { logDirs: config.logDirs, privatePaths: config.privatePaths });
  const alerts = new AlertEngine(config.name, config.alerts ?? DEFAULT_ALERT_RULES, config.webhook, (events, at) =>
    monitor.record(events[0]?.node ?? config.name, events, at),
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
  const monitor = new TopologyMonitor(config, { sink, logs, alerts, sentinels });
  return monitor;
}
