// The one typed socket.io contract. Server and browser both import it.
import type { Alert } from "../alerts/rules";
import type { NodeView } from "../monitor/types";
import type { TimelineEvent } from "../timeline/types";
import type { SentinelView } from "../sentinel/discover";

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
}

export interface TopologySnapshot {
  at: number;
  topologies: TopologyView[];
  events: TimelineEvent[];
}

export type NodePatch = Partial<NodeView> & { id: string };

export interface TopologyDelta {
  at: number;
  /** `alerts` is present only when the active list changed, and then complete. */
  topologies: { name: string; upserts: NodePatch[]; removed: string[]; alerts?: Alert[]; sentinels?: SentinelView[] }[];
  events: TimelineEvent[];
  /** Events left out of this delta because too many arrived at once (a flapping node). */
  droppedEvents: number;
}

export interface ServerToClientEvents {
  "topology:snapshot": (s: TopologySnapshot) => void;
  "topology:delta": (d: TopologyDelta) => void;
}

export interface ClientToServerEvents {
  /** Ask for a fresh full snapshot (e.g. after the tab was hidden for a while). */
  "topology:resync": () => void;
}

export const SOCKET_PATH = "/socket.io";
