// Compare reports on disk: <dataDir>/compare/<id>.json (full) and <id>.meta.json (summary, so
// listing never reads megabytes of differences). Written atomically (tmp + fsync + rename) so a
// crash leaves the old file or the new one, never half of one. Old reports are pruned.
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import path from "node:path";
import type { CompareReport, CompareSummary } from "./report";

export const JOB_ID = /^[a-f0-9]{16}$/;
const MAX_REPORTS = 50;

export function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, "w", 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  // fsync the directory so the rename itself survives a power loss.
  const dir = openSync(path.dirname(file), "r");
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}

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

  load(id: string): CompareReport | null {
    try {
      return JSON.parse(readFileSync(this.file(id, ".json"), "utf8")) as CompareReport;
    } catch {
      return null;
    }
  }

  /** Newest first. A summary left "running" by a crashed process reads as failed. */
  list(): CompareSummary[] {
    return this.metaFiles()
      .map((f) => {
        try {
          return JSON.parse(readFileSync(path.join(this.dir, f.name), "utf8")) as CompareSummary;
        } catch {
          return null;
        }
      })
      .filter((s): s is CompareSummary => s !== null)
      .map((s) => (s.status === "running" ? { ...s, status: "failed" as const, error: "interrupted: replscope stopped during the job" } : s));
  }

  /** Keeps the newest MAX_REPORTS reports (minus `keep` slots for jobs about to be written). */
  prune(keep = 0): void {
    for (const f of this.metaFiles().slice(Math.max(0, MAX_REPORTS - keep))) {
      const id = f.name.slice(0, -".meta.json".length);
      rmSync(path.join(this.dir, `${id}.json`), { force: true });
      rmSync(path.join(this.dir, f.name), { force: true });
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
