// Resync tests against real servers: a monitor whose events are kept with the moment they arrived,
// the servers' own sync counters to compare with, and a score line for the test output.
import { existsSync, readFileSync, statSync } from "node:fs";
import { buildTopologyMonitor } from "../../lib/monitor/build";
import type { TopologyMonitor } from "../../lib/monitor/topology-monitor";
import type { LocalRedis } from "../../lib/redis/local-server";
import type { NodeView } from "../../lib/monitor/types";
import type { TimelineEvent } from "../../lib/timeline/types";
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
  const m = buildTopologyMonitor(testConfig(seeds, extra));
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

/** One resync a master served, as its log tells: the replica (ip:listening-port, its node id) and the kind. */
export interface Served {
  master: string;
  replica: string;
  kind: "full" | "partial";
}

/** Where each server's log ends now: `servedSince` reads only what is written after. */
export function logMarks(nodes: LocalRedis[]): Map<string, number> {
  return new Map(nodes.map((n) => [n.id, existsSync(n.logFile) ? statSync(n.logFile).size : 0]));
}

/**
 * The resyncs each master served since the marks, from its log (redis 7.0 syncCommand): every
 * "Replica X asks for synchronization" is counted once, as sync_partial_ok when "Partial
 * resynchronization request from X accepted" follows, else as sync_full.
 */
export function servedSince(nodes: LocalRedis[], marks: Map<string, number>): Served[] {
  const out: Served[] = [];
  for (const n of nodes) {
    const text = readFileSync(n.logFile).subarray(marks.get(n.id) ?? 0).toString("utf8");
    const asked: Served[] = [];
    for (const line of text.split("\n")) {
      const ask = / Replica (\S+) asks for synchronization/.exec(line);
      if (ask) asked.push({ master: n.id, replica: ask[1]!, kind: "full" });
      const ok = / Partial resynchronization request from (\S+) accepted/.exec(line);
      const pending = ok ? asked.findLast((s) => s.replica === ok[1] && s.kind === "full") : undefined;
      if (pending) pending.kind = "partial";
    }
    out.push(...asked);
  }
  return out;
}

/**
 * Checks resync reports against what the masters logged: a report naming its replica must match a
 * logged resync of that replica, from that master, of that kind; a report on the master that could
 * not name it must match one whose replica is among the nodes it names. Returns the reports that
 * match nothing (a maximum matching, so the order of the reports does not matter).
 */
export function unmatchedReports(reports: TimelineEvent[], served: Served[]): TimelineEvent[] {
  const kindOf = (e: TimelineEvent) => (e.kind === "sync:full-resync" ? "full" : "partial");
  const fits = (e: TimelineEvent, s: Served): boolean => {
    if (kindOf(e) !== s.kind) return false;
    if (e.data?.replica === null) return e.node === s.master && String(e.data.candidates ?? "").split(" ").includes(s.replica);
    return e.node === s.replica && e.data?.master === s.master;
  };
  const owner: (number | undefined)[] = served.map(() => undefined);
  const place = (i: number, seen: Set<number>): boolean => {
    for (let j = 0; j < served.length; j++) {
      if (seen.has(j) || !fits(reports[i]!, served[j]!)) continue;
      seen.add(j);
      if (owner[j] === undefined || place(owner[j]!, seen)) {
        owner[j] = i;
        return true;
      }
    }
    return false;
  };
  return reports.filter((_e, i) => !place(i, new Set()));
}
