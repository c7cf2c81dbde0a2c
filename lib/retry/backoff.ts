// Exponential backoff, one formula for every retry loop (node pollers, Sentinel watcher, webhook
// delivery, login lockouts). Pure: callers own their timers and their attempt counters.

export interface BackoffPolicy {
  /** The delay for attempt 0; each further attempt doubles it. */
  baseMs: number;
  /** No delay is longer than this. */
  capMs: number;
}

/**
 * Doublings stop here: 2^30 times any sane base is already past any cap, and beyond ~2^1000 the
 * product would be Infinity (or NaN for a zero base).
 */
const MAX_DOUBLINGS = 30;

/** baseMs · 2^attempt, at most capMs. Attempt 0 (or below) is the base delay. */
export function exponentialBackoff(attempt: number, { baseMs, capMs }: BackoffPolicy): number {
  const doublings = Math.min(Math.max(0, Math.floor(attempt)), MAX_DOUBLINGS);
  return Math.min(capMs, baseMs * 2 ** doublings);
}

/**
 * The exponential delay with "equal jitter": half of it fixed, half random, so that many clients
 * retrying after the same failure spread out instead of arriving together.
 */
export function equalJitterBackoff(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const exp = exponentialBackoff(attempt, policy);
  return Math.round(exp / 2 + (exp / 2) * random());
}
