// Timeline events: what happened to a node, stamped with an id, a time and its topology. Produced by
// the monitor, alerts, Sentinel, log tails and drills; kept by the timeline store; shown by the UI.
import type { Sample } from "../monitor/history";

export type Severity = "info" | "warning" | "critical";

export type NodeEventKind =
  | "node:discovered"
  | "node:down"
  | "node:up"
  | "node:role-changed"
  | "node:restarted"
  | "node:forgotten"
  | "replica:master-changed"
  | "replica:link-down"
  | "replica:link-up"
  | "replica:attached"
  | "replica:detached"
  | "replica:readonly-changed"
  | "sync:started"
  | "sync:finished"
  | "sync:full-resync"
  | "sync:partial-resync"
  | `log:${string}`
  | `alert:${string}`
  | `sentinel:${string}`
  | `drill:${string}`
  | `cluster:${string}`
  | "master:replid-changed"
  | "master:failover-state";

export interface NodeEvent {
  kind: NodeEventKind;
  node: string;
  severity: Severity;
  text: string;
  data?: Record<string, string | number | boolean | null>;
}

export interface TimelineEvent extends NodeEvent {
  id: number;
  at: number;
  topology: string;
}

/** Where stamped events go besides a monitor's in-memory list (the persistent timeline). */
export interface EventSink {
  nextId(): number;
  append(events: TimelineEvent[]): void;
  /** Persists each history sample (the store's metric tiers), when given. */
  sample?(topology: string, nodeId: string, at: number, sample: Sample): void;
}
