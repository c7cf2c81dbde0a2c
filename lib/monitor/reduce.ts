// Pure: folds one poll outcome into a node's state.
import type { MasterLink } from "../redis/client-list";
import type { InfoSections, ReplicationInfo, ServerFacts } from "../redis/info";
import { pushSample } from "./consistent";
import { nextSaveMark } from "../persistence/save-cause";
import { saveObservation } from "../persistence/view";
import type { NodeConfig, NodeState, SyncCounters } from "./types";

/**
 * `sentAt` is when INFO was sent (defaults to at - latencyMs): the command ran in [sentAt, at].
 * A failure with `pending` is the watchdog's: a poll that has not answered within two periods.
 * `masterLink` is a replica's `CLIENT LIST TYPE master` from the same round trip (null: no link;
 * absent: not asked, e.g. not permitted).
 */
export type PollResult =
  | { ok: true; at: number; sentAt?: number; latencyMs: number; repl: ReplicationInfo; facts?: ServerFacts; info?: InfoSections; counters?: SyncCounters; config?: NodeConfig; linkState?: string; masterLink?: MasterLink | null }
  /**
   * `answered`: the node replied, with an error (a reply, not a refused or silent connection).
   * `pending`: the watchdog's report of a poll not answered within two periods.
   */
  | { ok: false; at: number; error: string; answered?: boolean; pending?: boolean };

export function initialState(id: string, host: string, port: number): NodeState {
  return {
    id, host, port,
    status: "down",
    role: null,
    runId: null,
    downSince: null,
    lastError: null,
    lastOkAt: null,
    answeredAt: null,
    pollLatencyMs: null,
    repl: null,
    facts: null,
    info: null,
    linkDownSince: null,
    writeRate: null,
    syncCounters: null,
    nodeConfig: null,
    linkState: null,
    samples: [],
    noReplicasSince: null,
    noReplicasSinceKnown: false,
    lineStateSince: {},
    saveMark: null,
  };
}

const RATE_SMOOTHING = 0.3;

function nextWriteRate(prev: NodeState, repl: ReplicationInfo, at: number): number | null {
  if (!prev.repl || prev.lastOkAt === null || prev.repl.replid !== repl.replid) return null;
  const dt = (at - prev.lastOkAt) / 1000;
  if (dt <= 0) return prev.writeRate;
  const instant = Math.max(0, (repl.masterReplOffset - prev.repl.masterReplOffset) / dt);
  return prev.writeRate === null ? instant : prev.writeRate + RATE_SMOOTHING * (instant - prev.writeRate);
}

function nextLinkDownSince(prev: NodeState, repl: ReplicationInfo, at: number): number | null {
  if (repl.role !== "replica" || repl.linkStatus !== "down") return null;
  // Keep the first estimate: recomputing from whole seconds every poll would make it jitter.
  if (prev.linkDownSince !== null && prev.repl?.linkStatus === "down") return prev.linkDownSince;
  // Redis reports -1 for a replica that never had a link; "since now" is then the honest answer.
  if (repl.linkDownSinceSeconds !== null && repl.linkDownSinceSeconds >= 0) return at - repl.linkDownSinceSeconds * 1000;
  return at;
}

/** Was the moment the last replica left bracketed by two of our polls (else it is only an upper bound)? */
function nextNoReplicasKnown(prev: NodeState, repl: ReplicationInfo): boolean {
  if (repl.role !== "master" || repl.connectedReplicas > 0) return false;
  if (prev.noReplicasSince !== null && prev.repl?.role === "master") return prev.noReplicasSinceKnown;
  return prev.lastOkAt !== null && prev.repl?.role === "master" && prev.repl.connectedReplicas > 0;
}

function nextNoReplicasSince(prev: NodeState, repl: ReplicationInfo, at: number): number | null {
  if (repl.role !== "master" || repl.connectedReplicas > 0) return null;
  if (prev.noReplicasSince !== null && prev.repl?.role === "master") return prev.noReplicasSince;
  // The last replica left after the previous poll that saw one (or before our first poll).
  return prev.lastOkAt !== null && prev.repl?.role === "master" && prev.repl.connectedReplicas > 0 ? prev.lastOkAt : at;
}

function nextLineStates(prev: NodeState, repl: ReplicationInfo, at: number): NodeState["lineStateSince"] {
  const out: NodeState["lineStateSince"] = {};
  for (const l of repl.replicas) {
    const was = prev.lineStateSince[l.id];
    // Dated at the first poll that shows it (the latest it can have started), so a countdown
    // derived from it is an upper bound.
    out[l.id] = was && was.state === l.state ? was : { state: l.state, since: at };
  }
  return out;
}

export function applyPoll(prev: NodeState, r: PollResult): NodeState {
  if (!r.ok) {
    // A poll that has not answered yet: the node is not answering since the poll was sent, which
    // the watchdog dates as r.at; a later timeout of the same poll keeps that first moment.
    return {
      ...prev,
      status: "down",
      downSince: prev.status === "down" && prev.downSince !== null ? prev.downSince : r.at,
      lastError: r.error,
      answeredAt: r.answered ? r.at : prev.answeredAt,
      pollLatencyMs: null,
    };
  }
  const facts = r.facts ?? prev.facts;
  const counters = r.counters ?? (r.facts && r.facts.syncFull !== null ? { full: r.facts.syncFull, partialOk: r.facts.syncPartialOk ?? 0, partialErr: r.facts.syncPartialErr ?? 0 } : undefined);
  const sample = { sentAt: r.sentAt ?? r.at - r.latencyMs, at: r.at, repl: r.repl, ...(counters ? { counters } : {}), ...(r.masterLink !== undefined ? { link: r.masterLink } : {}) };
  return {
    ...prev,
    status: "up",
    role: r.repl.role,
    runId: facts?.runId ?? prev.runId,
    downSince: null,
    lastError: null,
    lastOkAt: r.at,
    answeredAt: r.at,
    pollLatencyMs: r.latencyMs,
    repl: r.repl,
    facts,
    info: r.info ?? prev.info,
    // Persistence fields come with the full INFO rounds only.
    saveMark: r.info ? nextSaveMark(prev.saveMark, saveObservation(r.info, r.at)) : (prev.saveMark ?? null),
    linkDownSince: nextLinkDownSince(prev, r.repl, r.at),
    writeRate: nextWriteRate(prev, r.repl, r.at),
    syncCounters: counters ?? prev.syncCounters,
    nodeConfig: r.config ?? prev.nodeConfig,
    samples: pushSample(prev.samples, sample),
    noReplicasSince: nextNoReplicasSince(prev, r.repl, r.at),
    noReplicasSinceKnown: nextNoReplicasKnown(prev, r.repl),
    lineStateSince: nextLineStates(prev, r.repl, r.at),
    linkState: r.repl.role !== "replica" ? null : r.repl.linkStatus === "up" && !r.repl.syncInProgress ? "connected" : (r.linkState ?? prev.linkState),
  };
}
