// Pure state machine: follows each replica through a (re)sync and decides, once it is back online,
// whether it was FULL or PARTIAL and why. Evidence, strongest first: the replica's or master's log,
// a sync seen in progress in INFO, the master's sync_full/sync_partial_ok deltas, and last the PSYNC
// decision replayed from the positions we saw (predictPsync).
import type { ReplEvent } from "../logs/classify";
import { masterIdOf } from "./diff";
import { positionOf, predictPsync, REASON_TEXT, type ReplicaPosition, type ResyncReason } from "./sync";
import type { NodeEvent, NodeState, SyncCounters } from "./types";

export type ResyncSource = "log" | "info" | "stats" | "predicted";

export interface ResyncOutcome {
  replica: string;
  master: string | null;
  kind: "full" | "partial";
  reason: ResyncReason | null;
  source: ResyncSource;
  startedAt: number;
  endedAt: number;
  keysLoaded: number | null;
}

interface Episode {
  master: string | null;
  openedAt: number;
  /** Where the replica was before the link broke: what it will ask PSYNC for. */
  before: ReplicaPosition | null;
  /** False when we never saw this node with a history of its own: to the operator it is a new replica. */
  known: boolean;
  /** The master's counters when the replica was last seen healthy. */
  baseline: SyncCounters | null;
  sawSyncInProgress: boolean;
  log: { kind?: "full" | "partial"; reason?: ResyncReason; keysLoaded?: number };
  /** Set when the replica is back online; decided after a short grace for late evidence. */
  onlineAt: number | null;
}

/** Log lines and counters can trail INFO by a poll or a tail tick. */
const GRACE_MS = 700;

export class ResyncTracker {
  private readonly episodes = new Map<string, Episode>();
  private readonly healthy = new Map<string, { pos: ReplicaPosition | null; baseline: SyncCounters | null; at: number }>();
  /** Log evidence about nodes not discovered yet (the master logs a new replica before INFO shows it). */
  private readonly early = new Map<string, { at: number; evidence: Episode["log"] }>();
  private readonly last = new Map<string, ResyncOutcome>();

  constructor(private readonly stateOf: (id: string) => NodeState | undefined) {}

  lastOutcome(replica: string): ResyncOutcome | undefined {
    return this.last.get(replica);
  }

  inProgress(replica: string): boolean {
    return this.episodes.has(replica);
  }

  forget(id: string): void {
    this.episodes.delete(id);
    this.healthy.delete(id);
    this.last.delete(id);
    this.early.delete(id);
  }

  /** Called after every poll of a node. Returns outcomes decided now. */
  observe(prev: NodeState, next: NodeState, now: number): ResyncOutcome[] {
    const id = next.id;
    const online = next.status === "up" && next.role === "replica" && next.repl?.linkStatus === "up" && !next.repl.syncInProgress;
    const master = masterIdOf(next) ?? masterIdOf(prev);
    let ep = this.episodes.get(id);
    if (ep && next.status === "up" && next.role === "master") {
      // Promoted: whatever was being followed (e.g. the "lost the link" line of REPLICAOF NO ONE) is moot.
      this.episodes.delete(id);
      ep = undefined;
    }

    if (!ep && (this.opens(prev, next) || this.early.has(id))) ep = this.open(id, master, now, prev.lastOkAt === null ? null : positionOf(prev.repl));
    if (ep) {
      if (next.repl?.syncInProgress) ep.sawSyncInProgress = true;
      if (master) ep.master = master;
      ep.onlineAt = online ? (ep.onlineAt ?? now) : null;
    } else if (online) {
      this.healthy.set(id, { pos: positionOf(next.repl), baseline: this.counters(master), at: now });
    } else if (next.role !== "replica") {
      this.healthy.delete(id);
    }
    return this.tick(now);
  }

  /**
   * Evidence from a node's log (`node` is the node whose log it is). A resync line also opens an
   * episode: a link cut and re-made between two polls is only visible in the log.
   */
  logEvent(node: string, ev: ReplEvent, now: number): void {
    if (ev.kind === "full-resync-accepted") this.note(node, { kind: "full" }, now);
    else if (ev.kind === "partial-resync-ok") this.note(node, { kind: "partial" }, now);
    else if (ev.kind === "loading" && ev.phase === "done" && ev.keysLoaded !== null) this.note(node, { keysLoaded: ev.keysLoaded }, now);
    else if (ev.kind === "partial-resync-accepted-by-master") this.note(ev.replica, { kind: "partial" }, now);
    else if (ev.kind === "partial-resync-refused" && ev.replica) this.note(ev.replica, { kind: "full", reason: ev.reason }, now);
    else if (ev.kind === "link-lost" && ev.side === "master") this.note(node, {}, now);
    else if (ev.kind === "link-lost" && ev.replica) this.note(ev.replica, {}, now);
  }

  /** Decides episodes whose replica has been back online for the grace period. */
  tick(now: number): ResyncOutcome[] {
    const out: ResyncOutcome[] = [];
    for (const [id, ep] of this.episodes) {
      if (ep.onlineAt === null || now - ep.onlineAt < GRACE_MS) continue;
      const outcome = this.decide(id, ep, now);
      this.episodes.delete(id);
      this.last.set(id, outcome);
      const state = this.stateOf(id);
      this.healthy.set(id, { pos: positionOf(state?.repl ?? null), baseline: this.counters(outcome.master), at: now });
      out.push(outcome);
    }
    return out;
  }

  private open(id: string, master: string | null, now: number, fallback: ReplicaPosition | null): Episode {
    // A healthy position recorded after this resync began (we first saw the replica already synced)
    // is where it ended up, not where it started from.
    const h = this.healthy.get(id);
    const valid = h && h.at < now ? h : undefined;
    const early = this.early.get(id);
    this.early.delete(id);
    const ep: Episode = {
      master,
      openedAt: Math.min(now, early?.at ?? now),
      before: valid ? valid.pos : h ? null : fallback,
      known: valid !== undefined || (!h && fallback !== null),
      baseline: valid?.baseline ?? null,
      sawSyncInProgress: false,
      log: early?.evidence ?? {},
      onlineAt: null,
    };
    this.episodes.set(id, ep);
    return ep;
  }

  private note(replica: string, evidence: Episode["log"], now: number): void {
    const state = this.stateOf(replica);
    if (!state) {
      // Not discovered yet: keep it briefly (bounded) for when it is.
      if (this.early.size < 100) {
        const prev = this.early.get(replica);
        this.early.set(replica, { at: prev?.at ?? now, evidence: { ...prev?.evidence, ...evidence, reason: evidence.reason ?? prev?.evidence.reason } });
      }
      return;
    }
    let ep = this.episodes.get(replica);
    // A master's "lost the link" line (e.g. the REPLICAOF NO ONE that promoted it) starts no resync.
    if (!ep && state.role === "master" && !evidence.kind) return;
    if (!ep) {
      // Lines written before the last episode ended (by the time we saw the replica online) belong
      // to that episode; a tail can deliver them after we already decided it.
      const last = this.last.get(replica);
      if (last && now <= last.endedAt) return;
      ep = this.open(replica, masterIdOf(state), now, null);
    }
    // A refusal reason is kept even when a later line only says "full".
    ep.log = { ...ep.log, ...evidence, reason: evidence.reason ?? ep.log.reason };
  }

  private opens(prev: NodeState, next: NodeState): boolean {
    if (next.role !== "replica" || next.status !== "up") return prev.status === "up" && prev.role === "replica" && next.status === "down";
    const r = next.repl!;
    if (prev.lastOkAt === null) return r.linkStatus !== "up" || r.syncInProgress;
    if (prev.status === "down" || prev.role !== "replica" || !prev.repl) return true;
    return (
      (prev.repl.linkStatus === "up" && r.linkStatus !== "up") ||
      (!prev.repl.syncInProgress && r.syncInProgress) ||
      masterIdOf(prev) !== masterIdOf(next) ||
      (prev.runId !== null && next.runId !== null && prev.runId !== next.runId)
    );
  }

  private counters(master: string | null): SyncCounters | null {
    return master ? (this.stateOf(master)?.syncCounters ?? null) : null;
  }

  private decide(id: string, ep: Episode, now: number): ResyncOutcome {
    const outcome = this.decideRaw(id, ep, now);
    // A fresh server made a replica at runtime asks PSYNC with its own empty history, which Redis
    // logs as an ID mismatch; to an operator that is simply a new replica.
    if (outcome.kind === "full" && !ep.known && (outcome.reason === "replid-mismatch" || outcome.reason === "unknown")) {
      return { ...outcome, reason: "new-replica" };
    }
    return outcome;
  }

  private decideRaw(id: string, ep: Episode, now: number): ResyncOutcome {
    const base = { replica: id, master: ep.master, startedAt: ep.openedAt, endedAt: ep.onlineAt ?? now, keysLoaded: ep.log.keysLoaded ?? null };
    const masterState = ep.master ? this.stateOf(ep.master) : undefined;
    const predicted = masterState?.repl ? predictPsync(ep.before, masterState.repl) : null;
    const predictedReason = predicted?.kind === "full" ? predicted.reason : null;
    if (ep.log.kind) {
      const reason = ep.log.kind === "full" ? (ep.log.reason ?? predictedReason ?? (ep.before ? "unknown" : "new-replica")) : null;
      return { ...base, kind: ep.log.kind, reason, source: "log" };
    }
    if (ep.sawSyncInProgress || ep.log.keysLoaded !== undefined) {
      return { ...base, kind: "full", reason: predictedReason ?? (ep.before ? "unknown" : "new-replica"), source: "info" };
    }
    const now_ = masterState?.syncCounters;
    if (now_ && ep.baseline) {
      const full = now_.full - ep.baseline.full;
      const partial = now_.partialOk - ep.baseline.partialOk;
      if (full > 0 && partial === 0) return { ...base, kind: "full", reason: predictedReason ?? "unknown", source: "stats" };
      if (partial > 0 && full === 0) return { ...base, kind: "partial", reason: null, source: "stats" };
    }
    if (predicted) return { ...base, kind: predicted.kind, reason: predictedReason, source: "predicted" };
    return { ...base, kind: "full", reason: "unknown", source: "predicted" };
  }
}

export function outcomeEvent(o: ResyncOutcome, fmt: (n: number) => string = String): NodeEvent {
  const took = ((o.endedAt - o.startedAt) / 1000).toFixed(1);
  const from = o.master ? ` from ${o.master}` : "";
  const keys = o.keysLoaded !== null ? `, loaded ${fmt(o.keysLoaded)} keys` : "";
  const how = o.source === "predicted" ? " (inferred from offsets)" : o.source === "stats" ? " (from the master's sync counters)" : "";
  if (o.kind === "full") {
    return {
      kind: "sync:full-resync",
      node: o.replica,
      severity: "warning",
      text: `${o.replica} FULL resync${from}: ${REASON_TEXT[o.reason ?? "unknown"]}${keys}; back online after ${took} s${how}`,
      data: { master: o.master, reason: o.reason, source: o.source, keysLoaded: o.keysLoaded, durationMs: o.endedAt - o.startedAt, onlineAt: o.endedAt },
    };
  }
  return {
    kind: "sync:partial-resync",
    node: o.replica,
    severity: "info",
    text: `${o.replica} partial resync${from}: the backlog covered the gap; back online after ${took} s${how}`,
    data: { master: o.master, source: o.source, durationMs: o.endedAt - o.startedAt, onlineAt: o.endedAt },
  };
}
