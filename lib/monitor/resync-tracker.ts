// Pure state machine: follows each replica through its (re)syncs and reports every resync the
// masters counted, with its kind (FULL/PARTIAL) and reason, once the replica is back online.
//
// A resync is noticed by any of: the link or a sync seen in INFO, a resync line in a log, or — for
// link cuts that Redis 7 re-makes within milliseconds, between two polls — a new master-link
// connection on the replica (CLIENT LIST TYPE master) or a new replication ID. How many resyncs
// there were and of which kind comes from the masters' sync counters; which replica made each is
// settled in resync-claims.ts. One that several nodes may have made — psync2's re-pointing passes
// replicas through masters between two polls — is still reported, on the master that served it,
// naming those nodes. The kind of a replica's own resyncs, strongest first: its or its master's
// log, a sync seen in progress, whether the master client was kept (partial) or made anew (full),
// and last the PSYNC decision replayed from the positions we saw (predictPsync).
import type { ReplEvent } from "../logs/classify";
import { sameLink, type MasterLink } from "../redis/client-list";
import type { ReplSample } from "./consistent";
import { masterIdOf } from "./diff";
import { CountClaims, type HintFor } from "./resync-claims";
import { claimHint, episode, fromOwnEvidence, fromUnit, linkKept, renewed, unidentified, type Episode, type LogEvidence, type Replay } from "./resync-episode";
import { units, type CounterStep, type Unit, type UnitKind } from "./resync-ledger";
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
/** A counted resync is given its owner (or reported as unidentified) at the latest this long after it was read. */
const ORPHAN_WAIT_MS = 3000;
/** A replica first seen with a link younger than this may own a resync its master just counted. */
const FIRST_SIGHT_AGE_S = 5;
const FIRST_SIGHT_WINDOW_MS = 60_000;
const MAX_MASTERS = 8;

export class ResyncTracker {
  private readonly episodes = new Map<string, Episode>();
  private readonly healthy = new Map<string, Healthy>();
  /** Each replica's last decided episode: a later counted resync in its window may be its too. */
  private readonly decided = new Map<string, Episode>();
  /** Log evidence about nodes not discovered yet (the master logs a new replica before INFO shows it). */
  private readonly early = new Map<string, { at: number; evidence: LogEvidence }>();
  private readonly last = new Map<string, ResyncOutcome>();
  /** The masters' counts and who may have made them. */
  private readonly claims: CountClaims;
  private readonly logReadable: (id: string) => boolean;
  private readonly resolve: (address: string) => string;
  /** Counted resyncs reported without a replica (several nodes may have made them, or one we don't watch). */
  unattributed = 0;

  constructor(
    private readonly stateOf: (id: string) => NodeState | undefined,
    options: TrackerOptions = {},
  ) {
    this.logReadable = options.logReadable ?? (() => false);
    this.resolve = options.resolve ?? ((a) => a);
    this.claims = new CountClaims((master, to) => this.listedUnread(master, to));
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
    this.decided.delete(id);
    this.claims.forget(id);
  }

  /**
   * Nodes whose next sample would let a pending decision be made (a master not read since its
   * replica came back, nodes not read since a counted step): the monitor polls them early.
   */
  awaiting(): string[] {
    const out = new Set<string>();
    for (const ep of this.episodes.values()) {
      if (ep.onlineAt === null) continue;
      for (const m of ep.masters) {
        const last = this.claims.ledger.lastSample(m);
        if (last && last.sentAt < ep.onlineAt && this.stateOf(m)?.status === "up") out.add(m);
      }
    }
    for (const step of this.claims.ledger.pending()) for (const node of this.claims.windows.unread(step.master, step.to)) out.add(node);
    return [...out];
  }

  /** Called after every poll of a node. Returns outcomes decided now. */
  observe(prev: NodeState, next: NodeState, now: number): ResyncOutcome[] {
    const id = next.id;
    const sample = sampleOf(prev, next);
    if (sample?.counters) this.claims.ledger.record(id, { sentAt: sample.sentAt, at: sample.at, counters: sample.counters });
    const online = next.status === "up" && next.role === "replica" && next.repl?.linkStatus === "up" && !next.repl.syncInProgress;
    if (sample) this.claims.windows.answer(id, { sentAt: sample.sentAt, at: sample.at, role: next.role, runId: next.runId, replid: sample.repl.replid, online, link: sample.link });
    else if (next.status !== "up") this.claims.windows.down(id);
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
      if (online && sample) this.online(ep, sample, master, now);
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
      this.decided.set(id, ep);
      const lastOne = outcomes.at(-1);
      if (lastOne) this.last.set(id, lastOne);
      out.push(...outcomes);
    }
    out.push(...this.sweepOrphans(now));
    return out;
  }

  private online(ep: Episode, sample: ReplSample, master: string | null, now: number): void {
    const prevLink = ep.onlineSample?.link ?? ep.linkAfter;
    // Cut again after we saw it online, before the decision: the window extends to this poll.
    const again = ep.onlineAt !== null && ep.onlineSample !== null && renewed(prevLink, ep.onlineSample.repl.replid, sample);
    if (ep.onlineAt === null || again) {
      ep.onlineAt = now;
      ep.onlineSample = sample;
      const before = ep.sightings.at(-1);
      if (ep.sightings.length < MAX_MASTERS) ep.sightings.push({ master, from: before?.sentAt ?? ep.from, to: now, sentAt: sample.sentAt });
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
      const last = this.claims.ledger.lastSample(m);
      if (last && this.stateOf(m)?.status === "up" && last.sentAt < to) return false;
    }
    const steps = this.claims.ledger.overlapping(ep.masters, ep.from, to);
    const total = steps.reduce((n, s) => n + units(s), 0);
    // The one resync counted in the window, and this replica certainly made one: it is this one.
    if (total <= 1 && ep.certain) return true;
    // Otherwise every node that could own part of it (and this one, for a next cut) must have been read since.
    return steps.every((s) => this.claims.settled(s));
  }

  /** A replica `master` lists that was not read since `to` (just discovered) may have made a count. */
  private listedUnread(master: string, to: number): boolean {
    return (this.stateOf(master)?.repl?.replicas ?? []).some((line) => {
      const id = this.resolve(line.id);
      return this.claims.windows.lastSent(id) < to && this.stateOf(id)?.status !== "down";
    });
  }

  private decide(id: string, ep: Episode, now: number): ResyncOutcome[] {
    const kept = linkKept(ep);
    const replay = this.replayFor(ep);
    // The same connection before and after: the replica never resynced, we only lost sight of it.
    if (kept === "same" && !ep.sawSyncInProgress && !ep.log.kind) return [];
    const hintFor: HintFor = (master) => claimHint(ep, kept, replay(master));
    const taken = [...this.claims.sightings(ep, hintFor), ...this.claims.alone(id, ep, ep.onlineAt ?? now, hintFor)];
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
   * A resync a master counted that no episode claimed, once every node that may have made it was
   * read after it (or it waited long enough): it is the one such node's if there is exactly one —
   * a replica whose link we cannot see (CLIENT not permitted), one that resynced elsewhere in that
   * time and can have passed through this master (A → B → C between two polls shows only A and C),
   * one promoted meanwhile. Otherwise it is reported on the master, naming the nodes that may have
   * made it (none: a replica we do not watch).
   */
  private sweepOrphans(now: number): ResyncOutcome[] {
    const out: ResyncOutcome[] = [];
    // An episode still open may claim a step (its replica still syncing, or its master not read
    // since); one whose replica stopped answering, only for a while.
    const claimable = (step: CounterStep) =>
      [...this.episodes].some(([id, ep]) => ep.masters.includes(step.master) && ep.from < step.to && (ep.onlineAt ?? Infinity) > step.from && (this.stateOf(id)?.status === "up" || now - step.to < ORPHAN_WAIT_MS));
    const excluded = (node: string, step: CounterStep, kind: UnitKind) => this.loggedOtherwise(node, step, kind);
    for (const { step, units: taken, candidates } of this.claims.leftovers(now, ORPHAN_WAIT_MS, claimable, excluded)) {
      if (candidates.length === 1) out.push(...this.give(candidates[0]!, step, taken, now));
      else {
        this.unattributed += taken.length;
        out.push(...taken.map((u, i) => unidentified(u, candidates, i, taken.length)));
      }
    }
    return out;
  }

  /** A readable log logs every resync: a replica whose log named another kind in that time did not make this one. */
  private loggedOtherwise(node: string, step: Pick<CounterStep, "from" | "to">, kind: UnitKind): boolean {
    return [this.episodes.get(node), this.decided.get(node)].some((d) => !!d?.log.kind && d.log.kind !== kind && d.from < step.to && (d.onlineAt ?? Infinity) > step.from);
  }

  /** Counted resyncs that only `owner` can have made, outside any episode of its that named this master. */
  private give(owner: string, step: Pick<CounterStep, "master" | "from" | "to">, taken: Unit[], now: number): ResyncOutcome[] {
    const d = this.decided.get(owner);
    const overlaps = d && d.from < step.to && (d.onlineAt ?? Infinity) > step.from;
    const ep = overlaps
      ? { ...d, masters: [step.master], log: {}, sawSyncInProgress: false }
      : episode({ masters: [step.master], openedAt: step.from, from: step.from, before: this.healthy.get(owner)?.pos ?? null, known: true, onlineAt: step.to, betweenPolls: true });
    const outcomes = taken.map((_u, i) => fromUnit(owner, ep, taken, i, this.replayFor(ep), now));
    const lastOne = outcomes.at(-1);
    if (lastOne) this.last.set(owner, lastOne);
    return outcomes;
  }
}

/** This poll's sample, when it succeeded. */
function sampleOf(prev: NodeState, next: NodeState): ReplSample | undefined {
  const s = next.samples.at(-1);
  return next.status === "up" && s && s.at === next.lastOkAt && next.lastOkAt !== prev.lastOkAt ? s : undefined;
}
