// The monitor's typed state. Pure data; shared by the poller, the diff and the views.
import type { InfoSections, KeyspaceDb, ReplicaLine, ReplicationInfo, ServerFacts } from "../redis/info";

export type NodeRole = "master" | "replica";

/** What we know about one node, as the poller last saw it. Never holds credentials. */
export interface NodeState {
  id: string;
  host: string;
  port: number;
  status: "up" | "down";
  /** null until the node answered once. */
  role: NodeRole | null;
  runId: string | null;
  /** epoch ms of the first failed poll of the current outage. */
  downSince: number | null;
  lastError: string | null;
  lastOkAt: number | null;
  pollLatencyMs: number | null;
  repl: ReplicationInfo | null;
  facts: ServerFacts | null;
  /** Raw sections of the last full INFO, for the node page. */
  info: InfoSections | null;
  /** epoch ms when the replica's link went down, derived from master_link_down_since_seconds. */
  linkDownSince: number | null;
  /** Offset growth in bytes/s, smoothed (masters). */
  writeRate: number | null;
}

export type Severity = "info" | "warning" | "critical";

export type NodeEventKind =
  | "node:discovered"
  | "node:down"
  | "node:up"
  | "node:role-changed"
  | "node:restarted"
  | "replica:master-changed"
  | "replica:link-down"
  | "replica:link-up"
  | "replica:attached"
  | "replica:detached"
  | "replica:readonly-changed"
  | "sync:started"
  | "sync:finished"
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

/** The node as the browser and the API see it: derived, flat, serialisable. */
export interface NodeView {
  id: string;
  host: string;
  port: number;
  role: NodeRole | "unknown";
  status: "up" | "down";
  masterId: string | null;
  linkStatus: "up" | "down" | null;
  replOffset: number | null;
  lagBytes: number | null;
  lagSeconds: number | null;
  syncInProgress: boolean;
  readOnly: boolean | null;
  runId: string | null;
  priority: number | null;
  /** Master-side state of this replica (wait_bgsave, send_bulk, online), from its master's INFO. */
  replicaState: string | null;
  linkDownSince: number | null;
  downSince: number | null;
  lastError: string | null;
  connectedReplicas: number;
  opsPerSec: number | null;
  usedMemory: number | null;
  keys: number | null;
  writeRate: number | null;
  version: string | null;
  failoverState: string | null;
}

export type { KeyspaceDb, ReplicaLine };
