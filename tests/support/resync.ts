// Resync tests against real servers: a monitor whose events are kept with the moment they arrived,
// the servers' own sync counters to compare with, and a score line for the test output.
import { TopologyMonitor } from "../../lib/monitor/topology-monitor";
import type { NodeView, TimelineEvent } from "../../lib/monitor/types";
import type { TopologyConfig } from "../../lib/config/load";
import { cli, testConfig } from "./topology";
import { waitFor } from "./wait";

export interface Watched {
  m: TopologyMonitor;
  events: TimelineEvent[];
  /** Date.now() when each event reached the listener, by event id. */
  arrivedAt: Map<number, number>;
  views: NodeView[][];
  /** Successful polls per node so far. */
  polls: Map<string, number>;
}

export function watchMonitor(seeds: { host: string; port: number }[], extra: Partial<TopologyConfig> = {}): Watched {
  const m = new TopologyMonitor(testConfig(seeds, extra));
  const w: Watched = { m, events: [], arrivedAt: new Map(), views: [], polls: new Map() };
  m.onChange((_t, c) => {
    const now = Date.now();
    for (const e of c.events) {
      w.events.push(e);
      w.arrivedAt.set(e.id, now);
    }
    w.views.push(m.views());
  });
  m.onPollTimed((_t, id) => w.polls.set(id, (w.polls.get(id) ?? 0) + 1));
  m.start();
  return w;
}

export function isResync(e: TimelineEvent): boolean {
  return e.kind === "sync:full-resync" || e.kind === "sync:partial-resync";
}

export function resyncOf(events: TimelineEvent[], node: string): TimelineEvent | undefined {
  return events.find((e) => isResync(e) && e.node === node);
}

export function resyncsOf(events: TimelineEvent[], node?: string): TimelineEvent[] {
  return events.filter((e) => isResync(e) && (node === undefined || e.node === node));
}

/** Waits until every node has been polled `n` more times: "nothing more came" without a fixed sleep. */
export async function morePolls(w: Watched, nodes: string[], n: number): Promise<void> {
  const start = new Map(nodes.map((id) => [id, w.polls.get(id) ?? 0]));
  await waitFor(`${n} more polls of ${nodes.join(", ")}`, () => nodes.map((id) => (w.polls.get(id) ?? 0) - start.get(id)!), (d) => d.every((x) => x >= n), 10_000);
}

export interface Counters {
  full: number;
  partialOk: number;
  partialErr: number;
}

/** The server's own count of the resyncs it served (INFO stats). */
export async function syncCounters(port: number): Promise<Counters> {
  const text = await cli(port, "INFO", "stats");
  const n = (k: string) => Number(new RegExp(`^${k}:(\\d+)`, "m").exec(text)?.[1] ?? NaN);
  return { full: n("sync_full"), partialOk: n("sync_partial_ok"), partialErr: n("sync_partial_err") };
}

export function countersDelta(a: Counters, b: Counters): Counters {
  return { full: b.full - a.full, partialOk: b.partialOk - a.partialOk, partialErr: b.partialErr - a.partialErr };
}
