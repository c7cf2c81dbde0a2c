// Compare reports in the store (lib/store/compare.ts: the summary and the differences in separate
// columns, so listing never reads megabytes of differences). A running job is checkpointed, so a
// crash keeps what it did. Old reports are pruned.
import type { CompareRepo } from "../store/compare";
import { realCount, type CompareReport, type CompareSummary } from "./report";

export const JOB_ID = /^[a-f0-9]{16}$/;
const MAX_REPORTS = 50;

/** The record a job cut off at `at` becomes: "interrupted", keeping what its last checkpoint holds. */
export function interruptedReport(full: CompareReport, at: number): CompareReport {
  const found = realCount(full.counts);
  return {
    ...full,
    status: "interrupted",
    phase: "finished",
    finishedAt: at,
    etaSeconds: null,
    error: `interrupted: replscope stopped during the job, in its ${full.phase} phase, after ${full.scanned} of ${full.total} keys scanned and ${found} difference${found === 1 ? "" : "s"} confirmed`,
  };
}

export class ReportStore {
  constructor(private readonly repo: CompareRepo) {}

  /** Resolves once the report is committed. Saves of one report must not overlap (SerialWriter). */
  save(report: CompareReport): Promise<void> {
    return this.repo.save(report);
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
   * Called once when the process starts, before it runs any job: a report still "running" was cut
   * off by a crash or kill -9. It becomes "interrupted" (finished when its last checkpoint was
   * written), keeping what that checkpoint holds.
   */
  async recoverInterrupted(): Promise<string[]> {
    const recovered: string[] = [];
    for (const { report, updatedAt } of await this.repo.running()) {
      await this.repo.save(interruptedReport(report, updatedAt), updatedAt);
      recovered.push(report.id);
    }
    return recovered;
  }

  /** Keeps the newest MAX_REPORTS reports (minus `keep` slots for jobs about to be written). */
  prune(keep = 0): Promise<number> {
    return this.repo.prune(Math.max(0, MAX_REPORTS - keep));
  }
}
