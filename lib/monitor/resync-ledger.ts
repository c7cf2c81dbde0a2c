// Pure: the sync counters of every node that serves replicas, kept as steps in time that replicas
// claim, so that each resync a master counted is reported once: for the replica that made it, or
// on the master when the polls cannot tell which replica that was (resync-tracker.ts).
//
// Redis counts every PSYNC it serves (syncCommand in replication.c): sync_partial_ok when it
// continues a replica's history, sync_full when it sends a snapshot, plus sync_partial_err when
// the replica offered a history it could not continue. The count moves when the master answers
// PSYNC, i.e. after the replica's old link was gone and before its new link exists; a step seen
// between two master samples is dated (previous sample sent, this sample's reply].
import type { SyncCounters } from "./types";

export type UnitKind = "full" | "partial";

export interface CounterStep {
  master: string;
  /** The increments happened in (from, to]. */
  from: number;
  to: number;
  /** Units not claimed yet. */
  full: number;
  partial: number;
  /** Refusals among the full units not claimed yet. */
  refused: number;
}

export interface Unit {
  master: string;
  kind: UnitKind;
  /** A full resync after PSYNC was refused (the replica had a history to offer). */
  refused: boolean;
  /** When the master counted it: within (from, to]. */
  from: number;
  to: number;
}

/** What a replica's own evidence says about the kind of its resyncs. */
export interface ClaimHint {
  /** Every resync in this window was of this kind (its log says so, the master client was kept, a full sync was seen). */
  only: UnitKind | null;
  /** The likelier kind when a step holds both (a new master client, the PSYNC replay). */
  prefer: UnitKind | null;
}

interface LastCounters {
  counters: SyncCounters;
  sentAt: number;
  at: number;
}

/** Bound per master; a step is normally claimed or dropped within a second or two. */
const MAX_STEPS = 64;

export class SyncLedger {
  private readonly last = new Map<string, LastCounters>();
  private readonly steps = new Map<string, CounterStep[]>();

  /** One poll of `node` that carried its counters, read in [sentAt, at]. */
  record(node: string, sample: { sentAt: number; at: number; counters: SyncCounters }): void {
    const prev = this.last.get(node);
    this.last.set(node, { counters: sample.counters, sentAt: sample.sentAt, at: sample.at });
    if (!prev || sample.sentAt < prev.sentAt) return;
    const c = sample.counters;
    const full = c.full - prev.counters.full;
    const partial = c.partialOk - prev.counters.partialOk;
    const refused = c.partialErr - prev.counters.partialErr;
    // A restart or CONFIG RESETSTAT: a new baseline, nothing to attribute.
    if (full < 0 || partial < 0 || refused < 0 || full + partial === 0) return;
    const list = this.steps.get(node) ?? [];
    list.push({ master: node, from: prev.sentAt, to: sample.at, full, partial, refused: Math.min(refused, full) });
    if (list.length > MAX_STEPS) list.splice(0, list.length - MAX_STEPS);
    this.steps.set(node, list);
  }

  /** The newest counters sample of `node` (undefined: it never sent counters). */
  lastSample(node: string): LastCounters | undefined {
    return this.last.get(node);
  }

  /** Unclaimed steps of these masters that overlap the window (from, to], oldest first. */
  overlapping(masters: readonly string[], from: number, to: number): CounterStep[] {
    const out: CounterStep[] = [];
    for (const m of new Set(masters)) {
      for (const s of this.steps.get(m) ?? []) if (units(s) > 0 && s.from < to && s.to > from) out.push(s);
    }
    return out.sort((a, b) => a.to - b.to);
  }

  /** Every step with units left, for the orphan sweep. */
  pending(): CounterStep[] {
    const out: CounterStep[] = [];
    for (const list of this.steps.values()) for (const s of list) if (units(s) > 0) out.push(s);
    return out;
  }

  /** Takes what is left of a step (a resync nobody else can own, or one given up on). */
  drop(step: CounterStep): void {
    step.full = 0;
    step.partial = 0;
    step.refused = 0;
    const list = this.steps.get(step.master);
    if (list) this.steps.set(step.master, list.filter((s) => units(s) > 0));
  }

  forget(node: string): void {
    this.last.delete(node);
    this.steps.delete(node);
  }

  /**
   * The kind of the one unit a claimant with this evidence takes from the step: the kind its
   * evidence names (or none when that kind is used up), else the only kind left, else the one it
   * prefers, else the commoner one.
   */
  pick(step: CounterStep, hint: ClaimHint): UnitKind | null {
    if (hint.only) return left(step, hint.only) > 0 ? hint.only : null;
    const open = KINDS.filter((k) => left(step, k) > 0);
    if (open.length <= 1) return open[0] ?? null;
    if (hint.prefer) return hint.prefer;
    return step.partial >= step.full ? "partial" : "full";
  }

  /** Takes one unit of `kind` (the caller checked there is one). */
  take(step: CounterStep, kind: UnitKind): Unit {
    let refused = false;
    if (kind === "full") {
      step.full--;
      // Which full unit was the refused one is not known; refusals go to the first claimants.
      refused = step.refused > 0;
      if (refused) step.refused--;
    } else {
      step.partial--;
    }
    const unit: Unit = { master: step.master, kind, refused, from: step.from, to: step.to };
    if (units(step) === 0) this.drop(step);
    return unit;
  }

  /** Every unit left of the kinds `hint.only` allows: the claimant is the only node that can own them. */
  takeAll(step: CounterStep, hint: ClaimHint): Unit[] {
    const out: Unit[] = [];
    for (const k of hint.only ? [hint.only] : KINDS) while (left(step, k) > 0) out.push(this.take(step, k));
    return out;
  }
}

const KINDS: readonly UnitKind[] = ["full", "partial"];

export function units(s: CounterStep): number {
  return s.full + s.partial;
}

function left(s: CounterStep, k: UnitKind): number {
  return k === "full" ? s.full : s.partial;
}
