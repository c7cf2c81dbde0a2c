// Token bucket for the compare job's "keys per second per node" limit, so a full compare never
// takes more than the operator allowed from a production server.
import { setTimeout as sleep } from "node:timers/promises";

export class RateLimiter {
  private tokens: number;
  private last = Date.now();
  /** At most a tenth of a second of burst: a batch waits rather than overshooting. */
  private readonly burst: number;

  constructor(private readonly perSecond: number) {
    this.burst = Math.max(1, perSecond / 10);
    // No head start: over any run the rate is the limit, not the limit plus a burst.
    this.tokens = 0;
  }

  /** Resolves once `n` units may be spent (an n above the burst is spent on credit). */
  async take(n: number, signal?: AbortSignal): Promise<void> {
    const now = Date.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    this.tokens -= n;
    if (this.tokens < 0) {
      try {
        await sleep((-this.tokens / this.perSecond) * 1000, undefined, { signal });
      } catch {
        /* cancelled: the caller checks the signal */
      }
    }
  }
}
