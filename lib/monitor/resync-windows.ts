// Pure: when each node may have made resyncs as a replica, from the answers its polls got.
//
// A resync always makes a new master-link connection (a new local address; a full one also a new
// master client). So two consecutive answers of a node prove it made no resync in between when
// - both show it online as a replica on the very same master link (client id and local address), or
// - both show it as a master with the same replication ID and run (even a brief spell as a replica
//   changes a master's ID: it takes its new master's, and REPLICAOF NO ONE makes a fresh one).
// Any other pair leaves a window in which it may have resynced any number of times with ANY master:
// psync2's re-pointing passes a replica through masters no poll ever shows it with (A → B → C
// between two polls shows only A and C). A resync a master counted belongs to one of the nodes
// with a window over the moment it was counted; when that is one node, it is that node's.
import { sameLink, type MasterLink } from "../redis/client-list";

/** One successful poll of a node, as far as resyncs go. */
export interface Answer {
  sentAt: number;
  at: number;
  role: "master" | "replica" | null;
  runId: string | null;
  replid: string | null;
  /** Online: link up and no sync running (a replica). */
  online: boolean;
  /** The master link (replicas); undefined: not known. */
  link: MasterLink | null | undefined;
}

export interface Window {
  /** The node may have resynced in (from, to]: from the send of the answer before, to this reply. */
  from: number;
  to: number;
  /** Same master client at both ends (a PSYNC continuation keeps it): no full resync in it. */
  partialOnly: boolean;
}

interface NodeRecord {
  last: Answer;
  up: boolean;
  windows: Window[];
}

/** Windows older than this are forgotten: counted resyncs are matched within a few seconds. */
const KEEP_MS = 30_000;
const MAX_WINDOWS = 32;

export class ResyncWindows {
  private readonly nodes = new Map<string, NodeRecord>();

  /** A successful poll of `node`. */
  answer(node: string, a: Answer): void {
    const rec = this.nodes.get(node);
    if (!rec) {
      // First sight: whatever it did before is unknown.
      this.nodes.set(node, { last: a, up: true, windows: [{ from: -Infinity, to: a.at, partialOnly: false }] });
      return;
    }
    if (a.sentAt < rec.last.sentAt) return;
    const w = windowBetween(rec.last, a);
    if (w) {
      rec.windows.push(w);
      const keepFrom = a.at - KEEP_MS;
      while (rec.windows.length > MAX_WINDOWS || (rec.windows.length > 1 && rec.windows[0]!.to < keepFrom)) rec.windows.shift();
    }
    rec.last = a;
    rec.up = true;
  }

  /** A failed poll: the node is not waited for until it answers again (then compared with its last answer). */
  down(node: string): void {
    const rec = this.nodes.get(node);
    if (rec) rec.up = false;
  }

  forget(node: string): void {
    this.nodes.delete(node);
  }

  /** When the node's latest answer was asked for (-Infinity: never answered). */
  lastSent(node: string): number {
    return this.nodes.get(node)?.last.sentAt ?? -Infinity;
  }

  /**
   * Nodes that may own a resync `master` counted in (from, to], of `kind` when given. A node that
   * is not read since `to` may still show a window over it: see `settled`.
   */
  candidates(master: string, from: number, to: number, kind?: "full" | "partial"): string[] {
    const out: string[] = [];
    for (const [id, rec] of this.nodes) {
      if (id === master) continue;
      if (rec.windows.some((w) => w.from < to && w.to > from && !(kind === "full" && w.partialOnly))) out.push(id);
    }
    return out;
  }

  /** Every answering node other than `master` was read after `to`: the candidates of a step ending then are all known. */
  settled(master: string, to: number): boolean {
    for (const [id, rec] of this.nodes) if (id !== master && rec.up && rec.last.sentAt < to) return false;
    return true;
  }

  /** Answering nodes other than `master` not read since `to` (the monitor may poll them early). */
  unread(master: string, to: number): string[] {
    const out: string[] = [];
    for (const [id, rec] of this.nodes) if (id !== master && rec.up && rec.last.sentAt < to) out.push(id);
    return out;
  }
}

/** The window two consecutive answers leave open, or null when they prove no resync happened between them. */
export function windowBetween(a: Answer, b: Answer): Window | null {
  const sameRun = a.runId === null || b.runId === null || a.runId === b.runId;
  if (sameRun && a.role === "master" && b.role === "master" && a.replid !== null && a.replid === b.replid) return null;
  if (sameRun && a.role === "replica" && b.role === "replica" && a.online && b.online && a.link && b.link && sameLink(a.link, b.link)) return null;
  const partialOnly = sameRun && a.role === "replica" && b.role === "replica" && !!a.link && !!b.link && a.link.id === b.link.id;
  return { from: a.sentAt, to: b.at, partialOnly };
}
