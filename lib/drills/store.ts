// Drill records on disk: one JSON file per drill, written atomically (tmp + fsync + rename), the
// newest 200 kept. A drill still "running" when read back was cut off by a restart.
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeSync } from "node:fs";
import path from "node:path";
import type { Drill } from "./types";

const KEEP = 200;
const ID = /^[a-z0-9-]{8,64}$/;

export class DrillStore {
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  save(d: Drill): void {
    if (!ID.test(d.id)) throw new Error(`bad drill id ${d.id}`);
    const file = path.join(this.dir, `${d.id}.json`);
    const tmp = `${file}.tmp`;
    const fd = openSync(tmp, "w", 0o600);
    try {
      writeSync(fd, JSON.stringify(d));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
    this.prune();
  }

  load(id: string): Drill | null {
    if (!ID.test(id)) return null;
    try {
      const d = JSON.parse(readFileSync(path.join(this.dir, `${id}.json`), "utf8")) as Drill;
      return d.status === "running" ? { ...d, status: "failed", error: d.error ?? "the dashboard stopped during the drill" } : d;
    } catch {
      return null;
    }
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
