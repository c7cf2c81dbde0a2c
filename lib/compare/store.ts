// Compare reports on disk: <dataDir>/compare/<id>.json (full) and <id>.meta.json (summary, so
// listing never reads megabytes of differences). Written atomically so a crash leaves the old file
// or the new one, never half of one. A running job is checkpointed, so a crash keeps what it did.
// Old reports are pruned.
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { removeStaleTemps, writeAtomic, writeAtomicAsync } from "../storage/atomic-file";
import { realCount, type CompareReport, type CompareSummary } from "./report";

export const JOB_ID = /^[a-f0-9]{16}$/;
const MAX_REPORTS = 50;

export class ReportStore {
  constructor(private readonly dir: string) {}

  private file(id: string, suffix: ".json" | ".meta.json"): string {
    if (!JOB_ID.test(id)) throw new Error("bad report id");
    return path.join(this.dir, `${id}${suffix}`);
  }

  save(report: CompareReport): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const { differences: _omit, ...summary } = report;
    writeAtomic(this.file(report.id, ".json"), JSON.stringify(report));
    writeAtomic(this.file(report.id, ".meta.json"), JSON.stringify(summary));
  }

  /** save() without blocking the event loop, for a running job. Writes of one report must not overlap. */
  async saveAsync(report: CompareReport): Promise<void> {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const { differences: _omit, ...summary } = report;
    await writeAtomicAsync(this.file(report.id, ".json"), JSON.stringify(report));
    await writeAtomicAsync(this.file(report.id, ".meta.json"), JSON.stringify(summary));
  }

  load(id: string): CompareReport | null {
    try {
      return JSON.parse(readFileSync(this.file(id, ".json"), "utf8")) as CompareReport;
    } catch {
      return null;
    }
  }

  /** true when there was a report to remove. */
  remove(id: string): boolean {
    const existed = this.load(id) !== null;
    rmSync(this.file(id, ".json"), { force: true });
    rmSync(this.file(id, ".meta.json"), { force: true });
    return existed;
  }

  /** Newest first. */
  list(): CompareSummary[] {
    return this.metaFiles()
      .map((f) => this.readMeta(f.name))
      .filter((s): s is CompareSummary => s !== null);
  }

  /**
   * Called once when the process starts, before it runs any job: a report still "running" was cut
   * off by a crash or kill -9. It becomes "interrupted", keeping what its last checkpoint holds.
   */
  recoverInterrupted(): string[] {
    const recovered: string[] = [];
    removeStaleTemps(this.dir);
    for (const f of this.metaFiles()) {
      const meta = this.readMeta(f.name);
      if (meta?.status !== "running") continue;
      const full = this.load(meta.id) ?? { ...meta, differences: [] };
      const found = realCount(full.counts);
      this.save({
        ...full,
        status: "interrupted",
        phase: "finished",
        finishedAt: f.mtime,
        etaSeconds: null,
        error: `interrupted: replscope stopped during the job, in its ${full.phase} phase, after ${full.scanned} of ${full.total} keys scanned and ${found} difference${found === 1 ? "" : "s"} confirmed`,
      });
      recovered.push(meta.id);
    }
    return recovered;
  }

  /** Keeps the newest MAX_REPORTS reports (minus `keep` slots for jobs about to be written). */
  prune(keep = 0): void {
    for (const f of this.metaFiles().slice(Math.max(0, MAX_REPORTS - keep))) {
      const id = f.name.slice(0, -".meta.json".length);
      rmSync(path.join(this.dir, `${id}.json`), { force: true });
      rmSync(path.join(this.dir, f.name), { force: true });
    }
  }

  private readMeta(name: string): CompareSummary | null {
    try {
      return JSON.parse(readFileSync(path.join(this.dir, name), "utf8")) as CompareSummary;
    } catch {
      return null;
    }
  }

  private metaFiles(): { name: string; mtime: number }[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    return names
      .filter((n) => n.endsWith(".meta.json") && JOB_ID.test(n.slice(0, -".meta.json".length)))
      .map((name) => ({ name, mtime: statSync(path.join(this.dir, name)).mtimeMs }))
      .sort((a, b) => b.mtime - a.mtime);
  }
}
