// Compare reports in the store (lib/store/compare.ts: the summary and the differences in separate
// columns, so listing never reads megabytes of differences). A running job is checkpointed, so a
// crash keeps what it did. Old reports are pruned.
import { ALONE_AT_OPEN, isOrphaned, whoStopped, type SweepScope } from "../fleet/jobs";
import type { CompareRepo } from "../store/compare";
import { realCount, type CompareReport, type CompareSummary } from "./report";

export const JOB_ID = /^[a-f0-9]{16}$/;
const MAX_REPORTS = 50;

/**
 * The record a job cut off at `at` becomes: "interrupted", keeping what its last checkpoint holds.
 * `who` stopped: "replscope stopped", or "the instance X that ran it stopped" (whoStopped).
 */
export function interruptedReport(full: CompareReport, at: number, who = "replscope stopped"): CompareReport {
  const found = realCount(full.counts);
  return {
    ...full,
    status: "interrupted",
    phase: "finished",
    finishedAt: at,
    etaSeconds: null,
    error: `interrupted: ${who} during the job, in its ${full.phase} phase, after ${full.scanned} of ${full.total} keys scanned and ${found} difference${found === 1 ? "" : "s"} confirmed`,
  };
}

export class ReportStore {
  constructor(
    private readonly repo: CompareRepo,
    /** This instance's id, written on every report it saves; null alone. */
    private readonly instance: string | null = null,
  ) {}

  /** Resolves once the report is committed. Saves of one report must not overlap (SerialWriter). */
  save(report: CompareReport): Promise<void> {
    return this.repo.save(this.instance === null ? report : { ...report, instance: this.instance });
  }

  load(id: string): Promise<CompareReport | null> {
    return JOB_ID.test(id) ? this.repo.load(id) : Promise.resolve(null);
  }

  /** true when there was a report to remove. */
  remove(id: string): Promise<boolean> {
    return JOB_ID.test(id) ? this.repo.remove(id) : Promise.resolve(false);
  }

  /** Newest written first. */
  async list(): Promise<CompareSummary[]> {
    return (await this.repo.list(MAX_REPORTS)).map(({ updatedAt: _u, ...summary }) => summary);
  }

  /**
   * Marks cut-off jobs: alone, called once at start before any job runs (a report still "running"
   * was cut off by a crash or kill -9); in a fleet, also by the periodic sweep, for the jobs of
   * instances that stopped (isOrphaned). Each becomes "interrupted" (finished when its last
   * checkpoint was written), keeping what that checkpoint holds. A report checkpointed since it was
   * read is left for the next pass. Returns the ids marked.
   */
  async recoverInterrupted(scope: SweepScope = ALONE_AT_OPEN): Promise<string[]> {
    const recovered: string[] = [];
    for (const row of await this.repo.runningRows()) {
      if (!isOrphaned(row.instance, scope)) continue;
      const report = await this.repo.load(row.id);
      if (!report) continue;
      if (await this.repo.saveIfUnchanged(interruptedReport(report, row.updatedAt, whoStopped(row.instance, scope.self)), row.updatedAt)) recovered.push(report.id);
    }
    return recovered;
  }

  /** Keeps the newest MAX_REPORTS reports (minus `keep` slots for jobs about to be written). */
  prune(keep = 0): Promise<number> {
    return this.repo.prune(Math.max(0, MAX_REPORTS - keep));
  }
}
