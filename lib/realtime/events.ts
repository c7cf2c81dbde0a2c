// The one typed socket.io contract. Server and browser both import it.
import type { Alert } from "../alerts/rules";
import type { NodeView } from "../monitor/types";
import type { TimelineEvent } from "../timeline/types";
import type { SentinelView } from "../sentinel/discover";
import type { CompareReport } from "../compare/report";
import type { Drill } from "../drills/types";
import type { LogEntry, LogSourceState } from "../logs/node-logs";
import type { HistoryJson } from "../monitor/history";
import type { ReplicaLine } from "../monitor/types";
import type { InfoSections } from "../redis/info";
import type { TransferJob } from "../backup/logical/jobs";
import type { PersistenceReport } from "../persistence/of-state";
import type { ClusterSummary } from "../cluster/report";

export type { Alert, SentinelView };

/** [epoch ms, lag bytes or null] pairs for the lag charts. */
export type LagPoint = [number, number | null];

export interface TopologyView {
  name: string;
  drills: boolean;
  nodes: NodeView[];
  /** Last few minutes of byte lag per replica id, one point a second. */
  lagHistory: Record<string, LagPoint[]>;
  /** Alerts firing now, most severe first. */
  alerts: Alert[];
  /** Each configured sentinel's view (empty without sentinels). */
  sentinels: SentinelView[];
  /** A Redis Cluster topology's state (lib/cluster/report); null/absent for a replication topology. */
  cluster?: ClusterSummary | null;
}

export interface TopologySnapshot {
  at: number;
  topologies: TopologyView[];
  events: TimelineEvent[];
}

export type NodePatch = Partial<NodeView> & { id: string };

export interface TopologyDelta {
  at: number;
  /** `alerts`, `sentinels` and `cluster` are present only when they changed, and then complete. */
  topologies: { name: string; upserts: NodePatch[]; removed: string[]; alerts?: Alert[]; sentinels?: SentinelView[]; cluster?: ClusterSummary | null }[];
  events: TimelineEvent[];
  /** Events left out of this delta because too many arrived at once (a flapping node). */
  droppedEvents: number;
}

export interface ServerToClientEvents {
  "topology:snapshot": (s: TopologySnapshot) => void;
  "topology:delta": (d: TopologyDelta) => void;
  "node:snapshot": (s: NodeSnapshot) => void;
  "node:delta": (d: NodeDelta) => void;
  "logs:lines": (l: LogLines) => void;
  /** Every drill's summary as it changes (the drill list); sent to every socket. */
  "drills:summary": (d: { at: number; drill: DrillSummary }) => void;
  "drill:update": (u: DrillUpdate) => void;
  "compare:update": (u: CompareUpdate) => void;
  /** A logical export/import job's progress (keys, bytes, rate, ETA) and its final report, to its room. */
  "transfer:progress": (u: TransferUpdate) => void;
  /** Every transfer job's progress without the key list, to every socket (the transfer page's list). */
  "transfers:summary": (u: TransferUpdate) => void;
  "channel:gone": (g: ChannelGone) => void;
}

export interface ClientToServerEvents {
  /** Ask for a fresh full snapshot (e.g. after the tab was hidden for a while). */
  "topology:resync": () => void;
  "node:subscribe": (t: NodeTarget, ack: (a: SubscribeAck) => void) => void;
  "node:unsubscribe": (t: NodeTarget) => void;
  "logs:subscribe": (t: NodeTarget, ack: (a: SubscribeAck) => void) => void;
  "logs:unsubscribe": (t: NodeTarget) => void;
  "drill:subscribe": (t: { id: string }, ack: (a: SubscribeAck) => void) => void;
  "drill:unsubscribe": (t: { id: string }) => void;
  "compare:subscribe": (t: { id: string }, ack: (a: SubscribeAck) => void) => void;
  "compare:unsubscribe": (t: { id: string }) => void;
  "transfer:subscribe": (t: { id: string }, ack: (a: SubscribeAck) => void) => void;
  "transfer:unsubscribe": (t: { id: string }) => void;
}

export const SOCKET_PATH = "/socket.io";

// ---- Per-page channels (issue 11 §4): a page subscribes, the server sends a snapshot, then deltas.

/** A subscription request is answered through socket.io's acknowledgement callback. */
export type SubscribeAck = { ok: true } | { ok: false; status: number; error: string };

/** What the node page shows: the same fields as GET /api/nodes/{id}. */
export interface NodeDetail {
  topology: string;
  node: NodeView;
  info: InfoSections | null;
  lastOkAt: number | null;
  pollLatencyMs: number | null;
  backlog: { active: boolean; size: number; firstByteOffset: number; histlen: number } | null;
  replicas: ReplicaLine[];
  replicaViews: NodeView[];
  history: HistoryJson | null;
  events: TimelineEvent[];
  /** The persistence panel (lib/persistence); optional: built only by buildNodeDetail. */
  persistence?: PersistenceReport | null;
}

export interface NodeSnapshot {
  at: number;
  /** The id the page asked for, so the page can tell its feed apart from an earlier one's. */
  key: string;
  detail: NodeDetail;
}

/** Fields present changed (and are complete); `points` and `events` are appended (new ones only). */
export interface NodeDelta {
  at: number;
  key: string;
  node?: NodePatch;
  info?: InfoSections | null;
  lastOkAt?: number | null;
  pollLatencyMs?: number | null;
  backlog?: NodeDetail["backlog"];
  replicas?: ReplicaLine[];
  /** This node's replicas: changed fields of known ones (whole views for new ones), and ids gone. */
  replicaViews?: { upserts: NodePatch[]; removed: string[] };
  /** Chart points newer than the last ones sent (columnar, like `history`). */
  points?: HistoryJson;
  events?: TimelineEvent[];
  /** Paced like `info` (it changes with every full INFO round). */
  persistence?: PersistenceReport | null;
}

export interface NodeTarget {
  id: string;
  topology?: string;
}

export interface LogLines {
  at: number;
  key: string;
  source: LogSourceState;
  /** New lines only; `reset` marks the first batch (the last lines of the tail) after a subscribe. */
  lines: LogEntry[];
  reset: boolean;
}

export type DrillSummary = Omit<Drill, "events">;

export interface DrillUpdate {
  at: number;
  drill: DrillSummary;
  /** Events recorded since the previous update to this socket; `eventsFrom` is the index of the first. */
  events: TimelineEvent[];
  eventsFrom: number;
}

export interface CompareUpdate {
  at: number;
  report: CompareReport;
}

export type { TransferJob };

export interface TransferUpdate {
  at: number;
  job: TransferJob;
}

/** Why a subscription ended from the server's side (the node left the topology, …). */
export interface ChannelGone {
  at: number;
  channel: "node" | "logs" | "drill" | "compare" | "transfer";
  key: string;
  error: string;
}

/** The key a node channel is known by on both sides: "<topology or *>/<id>". */
export function nodeKey(t: NodeTarget): string {
  return `${t.topology ?? "*"}/${t.id}`;
}
