// All monitored topologies in one place, for the API and the socket layer.
//
// Alone, the hub builds and polls every configured topology. With several instances
// (lib/fleet/serve.ts) it is "managed": it starts empty and polls only the topologies this
// instance holds a lease on, activating a fresh monitor on acquisition and dropping it on loss.
// Listeners are kept by the hub, so they follow monitors that come and go.
import type { TopologyConfig } from "../config/load";
import type { EventSink } from "../timeline/types";
import { buildTopologyMonitor, memorySink, type BuildOptions } from "./build";
import type { MonitorListener, PollListener, TopologyMonitor } from "./topology-monitor";
import type { NodeView } from "./types";
import type { TimelineEvent } from "../timeline/types";

export interface HubOptions {
  /** Poll nothing until activate() (several instances share the topologies). */
  managed?: boolean;
}

export class MonitorHub {
  /** The topologies polled by this process right now. */
  readonly monitors = new Map<string, TopologyMonitor>();
  /** Every configured topology, polled here or not. */
  readonly configs: ReadonlyMap<string, TopologyConfig>;
  readonly managed: boolean;
  private readonly changeListeners = new Set<MonitorListener>();
  private readonly pollListeners = new Set<PollListener>();
  private readonly detach = new Map<string, () => void>();
  private running = false;

  constructor(
    configs: TopologyConfig[],
    private readonly sink: EventSink = memorySink(),
    opts: HubOptions = {},
  ) {
    this.configs = new Map(configs.map((c) => [c.name, c]));
    this.managed = opts.managed ?? false;
    if (!this.managed) for (const c of configs) this.add(buildTopologyMonitor(c, sink));
  }

  start(): void {
    this.running = true;
    for (const m of this.monitors.values()) m.start();
  }

  stop(): void {
    this.running = false;
    for (const m of this.monitors.values()) m.stop();
  }

  /**
   * Starts polling a configured topology with a fresh monitor (managed hubs). Returns false when
   * it is not configured or already polled here.
   */
  activate(name: string, opts: BuildOptions = {}): boolean {
    const config = this.configs.get(name);
    if (!config || this.monitors.has(name)) return false;
    const monitor = this.add(buildTopologyMonitor(config, this.sink, opts));
    if (this.running) monitor.start();
    return true;
  }

  /** Stops polling a topology and forgets its monitor; true when it was polled here. */
  deactivate(name: string): boolean {
    const m = this.monitors.get(name);
    if (!m) return false;
    this.monitors.delete(name);
    this.detach.get(name)?.();
    this.detach.delete(name);
    m.stop();
    return true;
  }

  private add(m: TopologyMonitor): TopologyMonitor {
    this.monitors.set(m.name, m);
    const offChange = m.onChange((t, change) => {
      for (const l of this.changeListeners) l(t, change);
    });
    const offPoll = m.onPollTimed((t, n, ms) => {
      for (const l of this.pollListeners) l(t, n, ms);
    });
    this.detach.set(m.name, () => {
      offChange();
      offPoll();
    });
    return m;
  }

  onChange(l: MonitorListener): () => void {
    this.changeListeners.add(l);
    return () => this.changeListeners.delete(l);
  }

  onPoll(l: PollListener): () => void {
    this.pollListeners.add(l);
    return () => this.pollListeners.delete(l);
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

  /** Several instances: a configured topology another instance polls (this one only mirrors it). */
  elsewhere(topology: string | undefined): boolean {
    return this.managed && topology !== undefined && this.configs.has(topology) && !this.monitors.has(topology);
  }

  /**
   * Why a topology or node cannot be acted on here: 409 when another instance polls it (actions
   * run on the poller), else 404 with what was looked for.
   */
  missing(what: { topology?: string; node?: string }): { status: 404 | 409; error: string } {
    const { topology, node } = what;
    if (this.elsewhere(topology)) {
      return { status: 409, error: `topology "${topology}" is polled by another replscope instance right now, and actions on it run there: open replscope on that instance (the instances page shows which)` };
    }
    const where = topology !== undefined ? `topology "${topology}"` : this.managed ? "the topologies this instance polls (name its topology, or ask the instance that polls it)" : "any topology";
    if (node !== undefined) return { status: 404, error: `no node ${node} in ${where}` };
    return { status: 404, error: topology !== undefined ? `no topology "${topology}"` : this.managed ? "this instance polls no topology right now" : "no topology is configured" };
  }

  recentEvents(limit = 200): TimelineEvent[] {
    const all = [...this.monitors.values()].flatMap((m) => m.recentEvents(limit));
    return all.sort((a, b) => a.at - b.at || a.id - b.id).slice(-limit);
  }
}
