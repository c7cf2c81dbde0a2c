// All monitored topologies in one place, for the API and the socket layer.
import type { TopologyConfig } from "../config/load";
import type { EventSink } from "../timeline/types";
import { buildTopologyMonitor, memorySink } from "./build";
import type { MonitorListener, PollListener, TopologyMonitor } from "./topology-monitor";
import type { NodeView } from "./types";
import type { TimelineEvent } from "../timeline/types";

export class MonitorHub {
  readonly monitors = new Map<string, TopologyMonitor>();

  constructor(configs: TopologyConfig[], sink: EventSink = memorySink()) {
    for (const c of configs) this.monitors.set(c.name, buildTopologyMonitor(c, sink));
  }

  start(): void {
    for (const m of this.monitors.values()) m.start();
  }

  stop(): void {
    for (const m of this.monitors.values()) m.stop();
  }

  onChange(l: MonitorListener): () => void {
    const offs = [...this.monitors.values()].map((m) => m.onChange(l));
    return () => offs.forEach((off) => off());
  }

  onPoll(l: PollListener): () => void {
    const offs = [...this.monitors.values()].map((m) => m.onPollTimed(l));
    return () => offs.forEach((off) => off());
  }

  get(name: string): TopologyMonitor | undefined {
    return this.monitors.get(name);
  }

  /** The node with this id in the named topology, or in the first topology that has it. */
  findNode(id: string, topology?: string): { monitor: TopologyMonitor; view: NodeView } | undefined {
    const candidates = topology ? [this.monitors.get(topology)] : [...this.monitors.values()];
    for (const monitor of candidates) {
      if (!monitor) continue;
      const canonical = monitor.resolve(id);
      const view = monitor.views().find((v) => v.id === canonical);
      if (view) return { monitor, view };
    }
    return undefined;
  }

  recentEvents(limit = 200): TimelineEvent[] {
    const all = [...this.monitors.values()].flatMap((m) => m.recentEvents(limit));
    return all.sort((a, b) => a.at - b.at || a.id - b.id).slice(-limit);
  }
}
