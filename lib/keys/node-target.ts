// Resolves an API node id to a node of a monitored topology, and how to connect to it. This is
// the only way the key browser and the compare job find a server: a host:port taken from a
// request is never dialled unless the monitor already knows it (no SSRF through the API).
import { credentialsFor, type TopologyConfig } from "../config/load";
import type { MonitorHub } from "../monitor/hub";
import type { TopologyMonitor } from "../monitor/topology-monitor";
import type { NodeView } from "../monitor/types";
import type { ConnectOptions } from "../redis/connection";

export { NODE_ID } from "../redis/address";

export interface NodeTarget {
  monitor: TopologyMonitor;
  view: NodeView;
  conn: ConnectOptions;
}

/** Key reads are heavier than INFO (a page of SCAN, a 1000-element pipeline), so allow more time. */
export function keysTimeoutMs(t: TopologyConfig): number {
  return Math.max(t.timeoutMs, 3000);
}

export function connectOptionsFor(t: TopologyConfig, view: NodeView): ConnectOptions {
  return {
    host: view.host,
    port: view.port,
    ...credentialsFor(t, view.host, view.port),
    tls: t.tls ?? (t.seeds.some((s) => s.tls) ? true : undefined),
    timeoutMs: keysTimeoutMs(t),
    connectionName: "replscope-keys",
  };
}

export function findTarget(hub: MonitorHub, id: string, topology?: string): NodeTarget | undefined {
  const found = hub.findNode(id, topology);
  if (!found) return undefined;
  return { ...found, conn: connectOptionsFor(found.monitor.config, found.view) };
}

/** Master first (the root of the tree), then replicas by id: the order of side-by-side columns. */
export function orderedNodes(monitor: TopologyMonitor): NodeView[] {
  const rank = (v: NodeView) => (v.role === "master" ? (v.masterId === null ? 0 : 1) : 2);
  return monitor.views().sort((a, b) => rank(a) - rank(b) || a.id.localeCompare(b.id));
}

/** The topology's root master: a master that is not replicating from anyone, preferring one with replicas. */
export function rootMaster(monitor: TopologyMonitor): NodeView | undefined {
  const masters = monitor.views().filter((v) => v.role === "master" && v.status === "up");
  return masters.sort((a, b) => b.connectedReplicas - a.connectedReplicas || a.id.localeCompare(b.id))[0];
}

export function notFoundMessage(id: string, topology?: string): string {
  return `no node ${id} in ${topology ? `topology "${topology}"` : "any topology"}`;
}
