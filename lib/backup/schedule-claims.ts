// Which due schedule runs this instance may start, with several instances: the one that claims the
// run's slot (`schedule:<id>:<due time>`, SET NX PX in the coordination Redis) starts it. Alone,
// every due run is this instance's. A claim held stays this instance's until the run is recorded,
// so a busy retry on the next tick neither loses it nor starts a second backup.
import { scheduleClaim, type JobFleet } from "../fleet/jobs";

/**
 * How long a claim lives in the coordination Redis: far longer than it takes the claimer to record
 * the run (after which no instance sees that slot due), so a late reader of the old slot finds it
 * taken. A claimer that dies before recording leaves the slot to another instance this much later.
 */
export const CLAIM_TTL_MS = 10 * 60_000;

export interface HeldClaim {
  name: string;
  /** When this instance claimed it (its own clock). */
  at: number;
  /** The backup this run started or recorded, once it did: a retry records it instead of starting another. */
  backupId: string | null;
}

export class ScheduleClaims {
  private readonly held = new Map<string, HeldClaim>();

  constructor(
    private readonly fleet: JobFleet | null,
    /** Forget a claim this long before its key expires (another instance may take the slot then). */
    private readonly marginMs: number,
  ) {}

  /** This instance's claim on the due run, or null when another instance has it or Redis cannot say. */
  async hold(scheduleId: string, dueAt: number): Promise<HeldClaim | null> {
    const name = scheduleClaim(scheduleId, dueAt);
    if (!this.fleet) return { name, at: Date.now(), backupId: null };
    this.prune();
    const mine = this.held.get(name);
    if (mine) return mine;
    try {
      if (!(await this.fleet.claimOnce(name, CLAIM_TTL_MS))) return null;
    } catch (err) {
      // The coordination Redis is down: better a late run than one run twice.
      console.error(`replscope: cannot claim the backup schedule run ${name}: ${err instanceof Error ? err.message : String(err)}`);
      return null;
    }
    const claim: HeldClaim = { name, at: Date.now(), backupId: null };
    this.held.set(name, claim);
    return claim;
  }

  /** The run is recorded: no instance sees that slot due any more (its key expires by itself). */
  done(claim: HeldClaim): void {
    this.held.delete(claim.name);
  }

  private prune(): void {
    const now = Date.now();
    for (const [name, c] of this.held) if (now - c.at >= CLAIM_TTL_MS - this.marginMs) this.held.delete(name);
  }
}
