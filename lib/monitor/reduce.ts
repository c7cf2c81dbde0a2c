// Pure: folds one poll outcome into a node's state.
import type { InfoSections, ReplicationInfo, ServerFacts } from "../redis/info";
import type { NodeConfig, NodeState, SyncCounters } from "./types";

export type PollResult =
  | { ok: true; at: number; latencyMs: number; repl: ReplicationInfo; facts?: ServerFacts; info?: InfoSections; counters?: SyncCounters; config?: NodeConfig; linkState?: string }
  /** `answered`: the node replied, with an error (a reply, not a refused or silent connection). */
  | { ok: false; at: number; error: string; answered?: boolean };

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

export function applyPoll(prev: NodeState, r: PollResult): NodeState {
  if (!r.ok) {
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
    linkDownSince: nextLinkDownSince(prev, r.repl, r.at),
    writeRate: nextWriteRate(prev, r.repl, r.at),
    syncCounters: r.counters ?? (r.facts && r.facts.syncFull !== null ? { full: r.facts.syncFull, partialOk: r.facts.syncPartialOk ?? 0, partialErr: r.facts.syncPartialErr ?? 0 } : prev.syncCounters),
    nodeConfig: r.config ?? prev.nodeConfig,
    linkState: r.repl.role !== "replica" ? null : r.repl.linkStatus === "up" && !r.repl.syncInProgress ? "connected" : (r.linkState ?? prev.linkState),
  };
}
