// Pure: who made each resync the masters counted. The counts (resync-ledger.ts) say how many of
// each kind a master served and when; the windows (resync-windows.ts) say which nodes may have
// made them. A replica seen online on a new connection made one with that master (a sighting);
// a count only one node can have made is that node's, however many (back to back); what is left
// once every node that may have made it was read goes to the one such node, or is reported on the
// master naming them (the tracker, resync-tracker.ts, turns units into outcomes).
import type { Episode } from "./resync-episode";
import { SyncLedger, type ClaimHint, type CounterStep, type Unit, type UnitKind } from "./resync-ledger";
import { ResyncWindows } from "./resync-windows";

/** Units of one kind of one step nobody claimed, and the nodes that may have made them. */
export interface Leftover {
  step: Pick<CounterStep, "master" | "from" | "to">;
  units: Unit[];
  candidates: string[];
}

export type HintFor = (master: string) => ClaimHint;

const KINDS: readonly UnitKind[] = ["full", "partial"];

export class CountClaims {
  readonly ledger = new SyncLedger();
  readonly windows = new ResyncWindows();

  /** `listedUnread`: whether `master` lists a replica not read since `to` (just discovered): it may be a claimant. */
  constructor(private readonly listedUnread: (master: string, to: number) => boolean = () => false) {}

  forget(node: string): void {
    this.ledger.forget(node);
    this.windows.forget(node);
  }

  /** Every node that may own units of the step was read after it: its candidates are all known. */
  settled(step: CounterStep): boolean {
    return this.windows.settled(step.master, step.to) && !this.listedUnread(step.master, step.to);
  }

  /**
   * One unit per sighting: the resync, counted by that master in the sighting's window, that made
   * the connection seen. Several replicas may claim from one step.
   */
  sightings(ep: Episode, hintFor: HintFor): Unit[] {
    if (!ep.certain && !ep.firstSight) return [];
    const out: Unit[] = [];
    for (const s of ep.sightings) {
      if (!s.master) continue;
      const hint = hintFor(s.master);
      // The earliest step that fits: episodes are decided in the order their windows end, and
      // giving each the earliest count it can own leaves later counts to windows that end later
      // (a replica seen at 548 may take a count made at 540 or at 546; one seen from 547 only the latter).
      for (const step of this.ledger.overlapping([s.master], s.from, s.to)) {
        const kind = this.ledger.pick(step, hint);
        if (kind) {
          out.push(this.ledger.take(step, kind));
          break;
        }
      }
    }
    return out;
  }

  /** What is left of the counts of its masters in (ep.from, to] that no other node can have made: back-to-back resyncs. */
  alone(id: string, ep: Episode, to: number, hintFor: HintFor): Unit[] {
    const out: Unit[] = [];
    for (const step of this.ledger.overlapping(ep.masters, ep.from, to)) {
      const only = this.windows.candidates(step.master, step.from, step.to);
      if (only.length === 1 && only[0] === id && this.settled(step)) out.push(...this.ledger.takeAll(step, hintFor(step.master)));
    }
    return out;
  }

  /**
   * Takes the units nobody claimed from steps that are settled (or waited `waitMs`) and that no
   * open episode may still claim, with the nodes that may have made them — minus those `excluded`
   * for that kind (e.g. a readable log that names every resync of the node).
   */
  leftovers(now: number, waitMs: number, claimable: (step: CounterStep) => boolean, excluded: (node: string, step: CounterStep, kind: UnitKind) => boolean): Leftover[] {
    const out: Leftover[] = [];
    for (const step of this.ledger.pending()) {
      if (claimable(step)) continue;
      const settled = this.settled(step);
      if (!settled && now - step.to < waitMs) continue;
      const { master, from, to } = step;
      // Given up on: nodes still not read since may have made it too.
      const unread = settled ? [] : this.windows.unread(master, to);
      for (const kind of KINDS) {
        const n = kind === "full" ? step.full : step.partial;
        if (n === 0) continue;
        const candidates = [...new Set([...this.windows.candidates(master, from, to, kind), ...unread])].filter((c) => !excluded(c, step, kind));
        out.push({ step: { master, from, to }, units: Array.from({ length: n }, () => this.ledger.take(step, kind)), candidates });
      }
    }
    return out;
  }
}
