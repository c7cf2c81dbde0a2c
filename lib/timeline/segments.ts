// Segment naming and retention arithmetic, kept pure so the bounds can be tested without a disk.

const SEGMENT_RE = /^events-(\d+)\.jsonl$/;

export function segmentName(seq: number): string {
  return `events-${String(seq).padStart(6, "0")}.jsonl`;
}

/** Sequence number of a segment file name, or null for any other file in the directory. */
export function segmentSeq(name: string): number | null {
  const m = SEGMENT_RE.exec(name);
  if (!m) return null;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}

/**
 * How many of the oldest segments can go while the rest still hold at least maxEvents events.
 * The newest segment is never dropped. With every segment at most segmentEvents long this leaves
 * fewer than maxEvents + segmentEvents events on disk.
 */
export function segmentsToDrop(eventCounts: readonly number[], maxEvents: number): number {
  let total = eventCounts.reduce((a, b) => a + b, 0);
  let drop = 0;
  while (drop < eventCounts.length - 1) {
    const oldest = eventCounts[drop] ?? 0;
    if (total - oldest < maxEvents) break;
    total -= oldest;
    drop++;
  }
  return drop;
}
