// A lease as its holder sees it. Validity is judged on this process's monotonic clock from the
// moment the acquire/renew command was SENT (the server can only have started the TTL later), minus
// a safety margin for clock-rate drift: so the holder stops believing in a lease strictly before the
// coordination Redis lets anyone else take it. Nothing here trusts a reply that came too late.
import { performance } from "node:perf_hooks";

export const monotonicMs = (): number => performance.now();

/** A write carrying `token` may proceed only if it is the latest token issued for the topology. */
export function mayWrite(token: number, currentToken: number | null | undefined): boolean {
  return currentToken !== null && currentToken !== undefined && Number.isSafeInteger(token) && token === currentToken;
}

export class FencedLease {
  private validUntil: number;

  constructor(
    readonly topology: string,
    readonly owner: string,
    /** Fencing token of this acquisition: present it with every write made under this lease. */
    readonly token: number,
    readonly ttlMs: number,
    readonly safetyMs: number,
    /** Monotonic time the acquire command was sent. */
    sentAt: number,
    readonly acquiredAt: number = Date.now(),
  ) {
    this.validUntil = sentAt + ttlMs - safetyMs;
  }

  /** Extends validity after a successful renew sent at `sentAt`; never shortens it. */
  renewed(sentAt: number): void {
    this.validUntil = Math.max(this.validUntil, sentAt + this.ttlMs - this.safetyMs);
  }

  /** True while the lease is certainly still ours; false as soon as it could have expired. */
  isValid(now: number = monotonicMs()): boolean {
    return now < this.validUntil;
  }

  /** Milliseconds of certain validity left (0 when expired). */
  remainingMs(now: number = monotonicMs()): number {
    return Math.max(0, this.validUntil - now);
  }

  /** Ends validity now (released, lost, or found taken). */
  invalidate(): void {
    this.validUntil = -Infinity;
  }
}
