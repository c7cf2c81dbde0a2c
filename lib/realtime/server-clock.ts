// Durations on the pages ("link down 12 s") subtract server timestamps from "now": that "now" must
// be the server's, or a browser whose clock is off shows nonsense. Pure: bounds on (server clock −
// browser clock) from stamped messages, and the best estimate from the latest few.

/** server time − browser time lies in [lo, hi] (ms). */
export interface ClockBound {
  lo: number;
  hi: number;
}

/** Only the latest samples count, so a browser clock that jumps is followed within this many. */
export const CLOCK_SAMPLES = 16;

/**
 * A socket message stamped `serverAt` by the server and received at `receivedAt` on the browser's
 * clock: the stamp was taken no later than the receipt, so the offset is at least their difference.
 */
export function socketSample(serverAt: number, receivedAt: number): ClockBound {
  return { lo: serverAt - receivedAt, hi: Number.POSITIVE_INFINITY };
}

/**
 * An HTTP answer's `Date` header (whole seconds, taken between sending and receiving): the server's
 * clock read D…D+999 ms at some instant between `sentAt` and `receivedAt`.
 */
export function httpDateSample(dateHeader: string | null, sentAt: number, receivedAt: number): ClockBound | null {
  const d = dateHeader ? Date.parse(dateHeader) : Number.NaN;
  if (!Number.isFinite(d)) return null;
  return { lo: d - receivedAt, hi: d + 999 - sentAt };
}

export function addSample(samples: ClockBound[], s: ClockBound | null): ClockBound[] {
  return s ? [...samples, s].slice(-CLOCK_SAMPLES) : samples;
}

/**
 * The offset to add to Date.now() to get server time: the middle of the intersection of the bounds,
 * or its lower end when no sample gave an upper one. Bounds that contradict each other mean a clock
 * moved: then only the newest sample counts. 0 without samples.
 */
export function clockOffset(samples: ClockBound[]): number {
  const last = samples[samples.length - 1];
  if (!last) return 0;
  let lo = Number.NEGATIVE_INFINITY;
  let hi = Number.POSITIVE_INFINITY;
  for (const s of samples) {
    lo = Math.max(lo, s.lo);
    hi = Math.min(hi, s.hi);
  }
  if (lo > hi) ({ lo, hi } = last);
  return Number.isFinite(hi) ? Math.round((lo + hi) / 2) : Math.round(lo);
}
