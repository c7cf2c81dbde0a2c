// Pure state machine: follows each replica through its (re)syncs and reports every one of them,
// with its kind (FULL/PARTIAL) and reason, once the replica is back online.
//
// A resync is noticed by any of: the link or a sync seen in INFO, a resync line in a log, or — for
// link cuts that Redis 7 re-makes within milliseconds, between two polls — a new master-link
// connection on the replica (CLIENT LIST TYPE master) or a new replication ID. How many resyncs
// there were and of which kind comes from the masters' sync counters (resync-ledger.ts), matched
// in time with each replica's window; the replica's own evidence, strongest first: its or its
// master's log, a sync seen in progress, whether the master client was kept (partial) or made anew
// (full), and last the PSYNC decision replayed from the positions we saw (predictPsync).
import type { ReplEvent } from "../logs/classify";
import { sameLink, type MasterLink } from "../redis/client-list";
import type { ReplSample } from "./consistent";
import { masterIdOf } from "./diff";
import { claimHint, episode, fromOwnEvidence, fromUnit, linkKept, renewed, type Episode, type LogEvidence, type Replay } from "./resync-episode";
import { SyncLedger, units, type CounterStep, type Unit } from "./resync-ledger";
import type { ResyncOutcome } from "./resync-outcome";
import { positionOf, predictPsync, type ReplicaPosition } from "./sync";
import type { NodeState } from "./types";

export { outcomeEvent, type ResyncOutcome, type ResyncSource } from "./resync-outcome";

interface Healthy {
  pos: ReplicaPosition | null;
  link: MasterLink | undefined;
  master: string | null;
  sentAt: number;
  at: number;
}

/** Every node's latest successful sample, to know whether all claimants of a step are known. */
interface Seen {
  sentAt: number;
  master: string | null;
  up: boolean;
  /** This replica's last decided episode: its resyncs until then are accounted for. */
  decided: Episode | null;
}

export interface TrackerOptions {
  /** Whether the node's log is being read: resync lines then usually arrive within a tail tick. */
  logReadable?: (id: string) => boolean;
  /** Canonical node id for an address a master lists (aliases). */
  resolve?: (address: string) => string;
}

/** Decide at the latest this long after the replica is back online, whatever is still missing. */
const GRACE_MS = 700;
/** With a readable log and no resync line yet, wait this long for one. */
const LOG_GRACE_MS = 250;
/** A counted resync no replica showed is given up after this (the replica may not be polled yet). */
const ORPHAN_WAIT_MS = 3000;
/** A replica first seen with a link younger than this may own a resync its master just counted. */
const FIRST_SIGHT_AGE_S = 5;
const FIRST_SIGHT_WINDOW_MS = 60_000;
const MAX_MASTERS = 8;

export class ResyncTracker {
  private readonly episodes = new Map<string, Episode>();
  private readonly healthy = new Map<string, Healthy>();
  private readonly seen = new Map<string, Seen>();
  /** Log evidence about nodes not discovered yet (the master logs a new replica before INFO shows it). */
  private readonly early = new Map<string, { at: number; evidence: LogEvidence }>();
  private readonly last = new Map<string, ResyncOutcome>();
  private readonly ledger = new SyncLedger();
  private readonly logReadable: (id: string) => boolean;
  private readonly resolve: (address: string) => string;
  /** Counted resyncs no replica could be matched with (a replica we don't poll, or ambiguous). */
  unattributed = 0;

  constructor(
    private readonly stateOf: (id: string) => NodeState | undefined,
    options: TrackerOptions = {},
  ) {
    this.logReadable = options.logReadable ?? (() => false);
    this.resolve = options.resolve ?? ((a) => a);
  }

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
    this.seen.delete(id);
    this.ledger.forget(id);
  }

  /**
   * Nodes whose next sample would let a pending decision be made (a master not read since its
   * replica came back, replicas not read since a counted step): the monitor polls them early.
   */
  awaiting(): string[] {
    const out = new Set<string>();
    for (const [id, ep] of this.episodes) {
      if (ep.onlineAt === null) continue;
      for (const m of ep.masters) {
        const last = this.ledger.lastSample(m);
        if (last && last.sentAt < ep.onlineAt && this.stateOf(m)?.status === "up") out.add(m);
      }
      for (const step of this.ledger.overlapping(ep.masters, ep.from, ep.onlineAt)) {
        for (const [node, s] of this.seen) if (s.up && (node === id || s.master === step.master) && s.sentAt < step.to) out.add(node);
      }
    }
    return [...out];
  }

  /** Called after every poll of a node. Returns outcomes decided now. */
  observe(prev: NodeState, next: NodeState, now: number): ResyncOutcome[] {
    const id = next.id;
    const sample = sampleOf(prev, next);
    if (sample?.counters) this.ledger.record(id, { sentAt: sample.sentAt, at: sample.at, counters: sample.counters });
    const seen = this.seen.get(id);
    this.seen.set(id, {
      sentAt: sample?.sentAt ?? seen?.sentAt ?? -Infinity,
      master: sample ? masterIdOf(next) : (seen?.master ?? null),
      up: next.status === "up",
      decided: seen?.decided ?? null,
    });

    const online = next.status === "up" && next.role === "replica" && next.repl?.linkStatus === "up" && !next.repl.syncInProgress;
    const master = masterIdOf(next) ?? masterIdOf(prev);
    let ep = this.episodes.get(id);
    if (ep && next.status === "up" && next.role === "master") {
      // Promoted: whatever was being followed (e.g. the "lost the link" line of REPLICAOF NO ONE) is moot.
      this.episodes.delete(id);
      ep = undefined;
    }

    if (!ep) {
      const h = this.healthy.get(id);
      const opening = this.opening(prev, next);
      if (opening || this.early.has(id)) {
        ep = this.open(id, master, now, prev.lastOkAt === null ? null : positionOf(prev.repl), prev.samples.at(-1)?.sentAt ?? now);
        ep.certain = opening?.certain ?? true;
        ep.interrupted = opening?.interrupted ?? false;
      } else if (online && sample && h && renewed(h.link, h.pos?.replid ?? null, sample)) {
        // Cut and re-made between two polls: only the link's identity (or a new ID) shows it.
        ep = this.open(id, master, now, null, h.sentAt);
        ep.openedAt = h.at;
        ep.betweenPolls = true;
      } else if (online && sample && prev.lastOkAt === null && sample.link && sample.link.ageSeconds !== null && sample.link.ageSeconds <= FIRST_SIGHT_AGE_S) {
        ep = this.open(id, master, now, null, now - FIRST_SIGHT_WINDOW_MS);
        ep.firstSight = true;
      }
    }

    if (ep) {
      if (next.status === "up" && next.repl?.syncInProgress) ep.sawSyncInProgress = true;
      if (next.status !== "up") ep.interrupted = true;
      else if (next.role === "replica" && !online) {
        ep.certain = true;
        ep.betweenPolls = false;
      }
      if (master && ep.masters.at(-1) !== master && ep.masters.length < MAX_MASTERS) ep.masters.push(master);
      if (online && sample) this.online(ep, sample, now);
      else if (!online) {
        ep.onlineAt = null;
        ep.graceFrom = null;
      }
    } else if (online && sample) {
      const h = this.healthy.get(id);
      // A reply without the link (not asked, or racing a reconnection) keeps the last one seen.
      this.healthy.set(id, { pos: positionOf(next.repl), link: sample.link ?? h?.link, master, sentAt: sample.sentAt, at: now });
    } else if (next.role !== "replica") {
      this.healthy.delete(id);
    }
    return this.tick(now);
  }

  /**
   * Evidence from a node's log (`node` is the node whose log it is). A resync line also opens an
   * episode: a link cut and re-made between two polls may only be visible in the log.
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

  /** Decides the episodes whose evidence is complete (or whose grace ran out). */
  tick(now: number): ResyncOutcome[] {
    const out: ResyncOutcome[] = [];
    const ready = [...this.episodes].filter(([id, ep]) => ep.onlineAt !== null && this.ready(id, ep, now));
    ready.sort((a, b) => a[1].onlineAt! - b[1].onlineAt!);
    for (const [id, ep] of ready) {
      const outcomes = this.decide(id, ep, now);
      this.episodes.delete(id);
      const s = ep.onlineSample;
      if (s) this.healthy.set(id, { pos: positionOf(s.repl), link: s.link ?? ep.linkAfter, master: ep.masters.at(-1) ?? null, sentAt: s.sentAt, at: s.at });
      const seen = this.seen.get(id);
      if (seen) seen.decided = ep;
      const lastOne = outcomes.at(-1);
      if (lastOne) this.last.set(id, lastOne);
      out.push(...outcomes);
    }
    out.push(...this.sweepOrphans(now));
    return out;
  }

  private online(ep: Episode, sample: ReplSample, now: number): void {
    const prevLink = ep.onlineSample?.link ?? ep.linkAfter;
    // Cut again after we saw it online, before the decision: the window extends to this poll.
    const again = ep.onlineAt !== null && ep.onlineSample !== null && renewed(prevLink, ep.onlineSample.repl.replid, sample);
    if (ep.onlineAt === null || again) {
      ep.onlineAt = now;
      ep.onlineSample = sample;
    }
    // A different connection than before: it resynced, even if we lost sight of it meanwhile.
    if (again || (sample.link && ep.linkBefore && !sameLink(sample.link, ep.linkBefore))) ep.certain = true;
    ep.graceFrom ??= now;
    if (sample.link) ep.linkAfter = sample.link;
  }

  private open(id: string, master: string | null, now: number, fallback: ReplicaPosition | null, fallbackFrom: number): Episode {
    // A healthy position recorded after this resync began (we first saw the replica already synced)
    // is where it ended up, not where it started from.
    const h = this.healthy.get(id);
    const valid = h && h.at < now ? h : undefined;
    const early = this.early.get(id);
    this.early.delete(id);
    const openedAt = Math.min(now, early?.at ?? now);
    const ep = episode({
      masters: [...new Set([valid?.master, master].filter((m): m is string => !!m))],
      openedAt,
      from: Math.min(valid ? valid.sentAt : fallbackFrom, openedAt),
      before: valid ? valid.pos : h ? null : fallback,
      known: valid !== undefined || (!h && fallback !== null),
      linkBefore: valid?.link,
      log: early?.evidence ?? {},
    });
    this.episodes.set(id, ep);
    return ep;
  }

  private note(replica: string, evidence: LogEvidence, now: number): void {
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
      ep = this.open(replica, masterIdOf(state), now, null, now);
    }
    // A refusal reason is kept even when a later line only says "full".
    ep.log = { ...ep.log, ...evidence, reason: evidence.reason ?? ep.log.reason };
  }

  /** Whether this poll starts an episode; `certain` when it shows a resync, not just a node we lost sight of. */
  private opening(prev: NodeState, next: NodeState): { certain: boolean; interrupted: boolean } | null {
    if (next.role !== "replica" || next.status !== "up") {
      return prev.status === "up" && prev.role === "replica" && next.status === "down" ? { certain: false, interrupted: true } : null;
    }
    const r = next.repl!;
    const syncing = r.linkStatus !== "up" || r.syncInProgress;
    if (prev.lastOkAt === null) return syncing ? { certain: true, interrupted: false } : null;
    if (prev.status === "down" || prev.role !== "replica" || !prev.repl) return { certain: syncing || prev.role === "master", interrupted: prev.status === "down" };
    const opens =
      (prev.repl.linkStatus === "up" && r.linkStatus !== "up") ||
      (!prev.repl.syncInProgress && r.syncInProgress) ||
      masterIdOf(prev) !== masterIdOf(next) ||
      (prev.runId !== null && next.runId !== null && prev.runId !== next.runId);
    return opens ? { certain: true, interrupted: prev.runId !== next.runId } : null;
  }

  // ---- deciding ----------------------------------------------------------------------------

  /** All the evidence that can still come for this episode is in, or the grace ran out. */
  private ready(id: string, ep: Episode, now: number): boolean {
    const since = now - ep.graceFrom!;
    if (since >= GRACE_MS) return true;
    if (!ep.log.kind && since < LOG_GRACE_MS && [id, ...ep.masters].some((n) => this.logReadable(n))) return false;
    const to = ep.onlineAt!;
    // Each master must have been read after the replica was seen back: its counters then hold every resync of the window.
    for (const m of ep.masters) {
      const last = this.ledger.lastSample(m);
      if (last && this.stateOf(m)?.status === "up" && last.sentAt < to) return false;
    }
    const steps = this.ledger.overlapping(ep.masters, ep.from, to);
    const total = steps.reduce((n, s) => n + units(s), 0);
    // The one resync counted in the window, and this replica certainly made one: it is this one.
    if (total <= 1 && ep.certain && !steps.some((s) => s.shared)) return true;
    // Otherwise every replica that could own part of it (and this one, for a next cut) must have been read since.
    return steps.every((s) => this.caughtUp(s, id));
  }

  /**
   * Every replica that could own units of the step (and `self`) was read after it: all claimants
   * are known. `anyReplica`: every replica whatever its master (one may have passed through).
   */
  private caughtUp(step: CounterStep, self: string | null, anyReplica = false): boolean {
    for (const [node, s] of this.seen) {
      const could = node === self || s.master === step.master || (anyReplica && s.master !== null && node !== step.master);
      if (s.up && could && s.sentAt < step.to) return false;
    }
    for (const line of this.stateOf(step.master)?.repl?.replicas ?? []) {
      const s = this.seen.get(this.resolve(line.id));
      if (!s || (s.up && s.sentAt < step.to)) return false;
    }
    return true;
  }

  private competitors(step: CounterStep, self: string): number {
    let n = 0;
    for (const [id, ep] of this.episodes) {
      if (id !== self && ep.masters.includes(step.master) && ep.from < step.to && (ep.onlineAt ?? Infinity) > step.from) n++;
    }
    return n;
  }

  private decide(id: string, ep: Episode, now: number): ResyncOutcome[] {
    const kept = linkKept(ep);
    const replay = this.replayFor(ep);
    // The same connection before and after: the replica never resynced, we only lost sight of it.
    if (kept === "same" && !ep.sawSyncInProgress && !ep.log.kind) return [];
    const taken: Unit[] = [];
    for (const step of this.ledger.overlapping(ep.masters, ep.from, ep.onlineAt ?? now)) {
      const competitors = this.competitors(step, id);
      const shared = competitors > 0 || step.shared;
      // Shared with other replicas: each made at least one resync in it, so one unit each.
      if (shared && taken.length > 0) continue;
      taken.push(...this.ledger.claim(step, claimHint(ep, kept, replay(step.master)), competitors));
    }
    if (taken.length === 0) {
      if (ep.firstSight && !ep.log.kind && !ep.sawSyncInProgress) return [];
      return [fromOwnEvidence(id, ep, kept, replay, now)];
    }
    // Full ones first: after a full resync the replica keeps the new master client through partial ones.
    taken.sort((a, b) => (a.kind === b.kind ? a.to - b.to : a.kind === "full" ? -1 : 1));
    return taken.map((_u, i) => fromUnit(id, ep, taken, i, replay, now));
  }

  /** Replays the replica's PSYNC against a master's latest state. */
  private replayFor(ep: Episode): Replay {
    return (master) => {
      const m = master ? this.stateOf(master)?.repl : undefined;
      return m ? predictPsync(ep.before, m) : null;
    };
  }

  // ---- counted resyncs no episode claimed ------------------------------------------------------

  /**
   * A resync a master counted that no episode claimed. Once every replica of that master was read
   * after it, it is given to the one replica that can have made it unseen, if there is exactly one:
   * a replica of that master whose link we cannot see (CLIENT not permitted), or a replica that
   * resynced elsewhere in that time and can have passed through this master (psync2's chained
   * re-pointing: A → B → C between two polls shows only A and C). Otherwise it stays unattributed
   * (a replica we do not poll).
   */
  private sweepOrphans(now: number): ResyncOutcome[] {
    const out: ResyncOutcome[] = [];
    for (const step of this.ledger.pending()) {
      const overlaps = (ep: Episode) => ep.from < step.to && (ep.onlineAt ?? Infinity) > step.from;
      if ([...this.episodes.values()].some(overlaps)) continue;
      if (!this.caughtUp(step, null, true) && now - step.to < ORPHAN_WAIT_MS) continue;
      const candidates: [string, Episode | null][] = [];
      for (const [id, s] of this.seen) {
        if (!s.up) continue;
        const d = s.decided;
        const blind = s.master === step.master && this.healthy.get(id)?.link === undefined && (!d || (d.onlineAt ?? -Infinity) <= step.from);
        const passer = d !== null && d.certain && overlaps(d) && !d.masters.includes(step.master);
        if (blind || passer) candidates.push([id, passer ? d : null]);
      }
      const only = candidates.length === 1 ? candidates[0]! : null;
      if (!only) {
        this.unattributed += units(step);
        this.ledger.drop(step);
        continue;
      }
      const [owner, d] = only;
      const ep = d
        ? { ...d, masters: [step.master], log: {}, sawSyncInProgress: false }
        : episode({ masters: [step.master], openedAt: step.from, from: step.from, before: this.healthy.get(owner)?.pos ?? null, known: true, onlineAt: step.to, betweenPolls: true });
      const taken = this.ledger.claim(step, { only: null, prefer: null }, 0);
      const outcomes = taken.map((_u, i) => fromUnit(owner, ep, taken, i, this.replayFor(ep), now));
      const lastOne = outcomes.at(-1);
      if (lastOne) this.last.set(owner, lastOne);
      out.push(...outcomes);
    }
    return out;
  }
}

/** This poll's sample, when it succeeded. */
function sampleOf(prev: NodeState, next: NodeState): ReplSample | undefined {
  const s = next.samples.at(-1);
  return next.status === "up" && s && s.at === next.lastOkAt && next.lastOkAt !== prev.lastOkAt ? s : undefined;
}
