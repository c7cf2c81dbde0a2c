// The periodic sweep of one job kind: every few seconds, rows still "running" on an instance that
// no longer heartbeats are marked interrupted. A self-scheduling loop (one pass at a time); a pass
// that fails (coordination Redis or store down) is recorded and the next one tries again.
import type { JobFleet, SweepScope } from "./jobs";

export const SWEEP_MS = 5000;

export interface SweepStats {
  /** Passes finished, judged or not (the one at open included). */
  runs: number;
  /** Rows this instance marked interrupted. */
  marked: number;
  /** Why the last pass could not judge (null once one succeeds). */
  lastError: string | null;
}

/** Marks the orphaned rows in `scope` (a conditional write each: false when the row moved on); returns the ids marked. */
export type Recover = (scope: SweepScope) => Promise<string[]>;

export class OrphanSweep {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private pass: Promise<unknown> = Promise.resolve();
  private readonly counts: SweepStats = { runs: 0, marked: 0, lastError: null };

  private constructor(
    private readonly fleet: JobFleet,
    private readonly what: string,
    private readonly recover: Recover,
    private readonly everyMs: number,
  ) {}

  /**
   * The pass at open (this process runs nothing yet: its own earlier rows are orphans too; store
   * errors propagate, as a failed open did before), then the loop. Liveness unknown at open marks
   * only this instance's and instance-less rows.
   */
  static async start(fleet: JobFleet, what: string, recover: Recover, everyMs = SWEEP_MS): Promise<OrphanSweep> {
    const s = new OrphanSweep(fleet, what, recover, everyMs);
    const live = await s.liveOrNull();
    s.done(await recover({ self: fleet.instanceId, live, atOpen: true }), live !== null);
    s.arm();
    return s;
  }

  stats(): SweepStats {
    return { ...this.counts };
  }

  /** One pass now (the loop's; tests may call it). Never throws: a failure is recorded. */
  async once(): Promise<string[]> {
    try {
      const live = await this.liveOrNull();
      // Without a liveness answer no other instance's row can be judged, and ours are ours.
      if (live === null) {
        this.counts.runs++;
        return [];
      }
      const ids = await this.recover({ self: this.fleet.instanceId, live, atOpen: false });
      this.done(ids);
      return ids;
    } catch (err) {
      this.counts.runs++;
      this.failed(err);
      return [];
    }
  }

  /** Stops the loop and waits for a pass under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.pass;
  }

  private async liveOrNull(): Promise<Set<string> | null> {
    try {
      return await this.fleet.liveInstances();
    } catch (err) {
      this.failed(err);
      return null;
    }
  }

  private done(ids: string[], judged = true): void {
    this.counts.runs++;
    this.counts.marked += ids.length;
    if (judged) this.counts.lastError = null;
  }

  private failed(err: unknown): void {
    const msg = err instanceof Error ? err.message : String(err);
    // Logged when the reason changes, not every few seconds while an outage lasts.
    if (msg !== this.counts.lastError) console.error(`replscope: cannot sweep interrupted ${this.what}: ${msg}`);
    this.counts.lastError = msg;
  }

  private arm(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.pass = this.once().finally(() => this.arm());
    }, this.everyMs);
    this.timer.unref();
  }
}
