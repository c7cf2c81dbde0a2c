// Drill records on disk: one JSON file per drill, written atomically (tmp + fsync + rename +
// directory fsync), the newest 200 kept. The runner writes a drill at every step, and before each
// command it sends, so a crash leaves a record of everything the drill did to the topology.
import { mkdirSync, readdirSync, readFileSync, statSync, unlinkSync } from "node:fs";
import path from "node:path";
import { removeStaleTemps, writeAtomic, writeAtomicAsync } from "../storage/atomic-file";
import type { Drill } from "./types";

const KEEP = 200;
const ID = /^[a-z0-9-]{8,64}$/;

/**
 * What a cut-off drill had done to the topology: the commands it had sent. A command still
 * "started" was written before it was sent and has no answer on record: it may have run.
 */
export function sentSoFar(d: Drill): string {
  const sent = d.steps.filter((s) => s.command);
  if (sent.length === 0) return "no command had been sent";
  return `commands sent: ${sent.map((s) => `${s.detail}${s.status === "started" ? " (no answer recorded: it may have run)" : ""}`).join("; ")}`;
}

export class DrillStore {
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  save(d: Drill): void {
    if (!ID.test(d.id)) throw new Error(`bad drill id ${d.id}`);
    writeAtomic(path.join(this.dir, `${d.id}.json`), JSON.stringify(d));
    this.prune();
  }

  /** save() without blocking the event loop, for a drill that is running. Writes to one drill must not overlap. */
  async saveAsync(d: Drill): Promise<void> {
    if (!ID.test(d.id)) throw new Error(`bad drill id ${d.id}`);
    await writeAtomicAsync(path.join(this.dir, `${d.id}.json`), JSON.stringify(d));
    this.prune();
  }

  load(id: string): Drill | null {
    if (!ID.test(id)) return null;
    try {
      return JSON.parse(readFileSync(path.join(this.dir, `${id}.json`), "utf8")) as Drill;
    } catch {
      return null;
    }
  }

  /**
   * Called once when the process starts, before it runs any drill: a drill still "running" on disk
   * was cut off by a crash or kill -9. It becomes "interrupted", with a last step that says which
   * commands it had already sent (the topology may be half-way through a change).
   */
  recoverInterrupted(): string[] {
    const recovered: string[] = [];
    removeStaleTemps(this.dir);
    for (const f of this.files()) {
      const d = this.load(f.replace(/\.json$/, ""));
      if (d?.status !== "running") continue;
      const at = statSync(path.join(this.dir, f)).mtimeMs;
      const what = sentSoFar(d);
      this.save({
        ...d,
        status: "interrupted",
        endedAt: at,
        error: `interrupted: replscope stopped during the drill; ${what}`,
        steps: [...d.steps, { at, name: "interrupted", status: "error", detail: `replscope stopped during the drill; ${what}. Check the topology before the next drill.` }],
      });
      recovered.push(d.id);
    }
    return recovered;
  }

  /** Newest first, without the bulky events. */
  list(): Omit<Drill, "events">[] {
    return this.files()
      .reverse()
      .map((f) => this.load(f.replace(/\.json$/, "")))
      .filter((d): d is Drill => d !== null)
      .map(({ events: _events, ...rest }) => rest)
      .sort((a, b) => b.startedAt - a.startedAt);
  }

  private files(): string[] {
    return readdirSync(this.dir).filter((f) => f.endsWith(".json")).sort();
  }

  private prune(): void {
    if (this.files().length <= KEEP) return;
    const all = this.files()
      .map((f) => ({ f, at: this.load(f.replace(/\.json$/, ""))?.startedAt ?? 0 }))
      .sort((a, b) => a.at - b.at);
    for (const { f } of all.slice(0, Math.max(0, all.length - KEEP))) unlinkSync(path.join(this.dir, f));
  }
}
