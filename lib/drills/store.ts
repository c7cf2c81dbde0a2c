// Drill records in the store (lib/store/drills.ts: summary columns, the drill as JSON, its events
// as rows), the newest 200 kept. The runner saves a drill at every step, and before each command
// it sends (commit: durable before the command goes out), so a crash leaves a record of
// everything the drill did to the topology.
import { ALONE_AT_OPEN, isOrphaned, whoStopped, type SweepScope } from "../fleet/jobs";
import type { DrillRepo } from "../store/drills";
import type { Drill, DrillListItem } from "./types";

const KEEP = 200;

/**
 * What a cut-off drill had done to the topology: the commands it had sent. A command still
 * "started" was written before it was sent and has no answer on record: it may have run.
 */
export function sentSoFar(d: Drill): string {
  const sent = d.steps.filter((s) => s.command);
  if (sent.length === 0) return "no command had been sent";
  return `commands sent: ${sent.map((s) => `${s.detail}${s.status === "started" ? " (no answer recorded: it may have run)" : ""}`).join("; ")}`;
}

/**
 * The record a drill cut off at `at` becomes: "interrupted", its last step naming what had been
 * sent. `who` stopped: "replscope stopped", or "the instance X that ran it stopped" (whoStopped).
 */
export function interrupted(d: Drill, at: number, who = "replscope stopped"): Drill {
  const what = sentSoFar(d);
  return {
    ...d,
    status: "interrupted",
    endedAt: at,
    error: `interrupted: ${who} during the drill; ${what}`,
    steps: [...d.steps, { at, name: "interrupted", status: "error", detail: `${who} during the drill; ${what}. Check the topology before the next drill.` }],
  };
}

export class DrillStore {
  constructor(private readonly repo: DrillRepo) {}

  /** Commits the whole drill (a new one, or a final record); resolves once it is durable. */
  async save(d: Drill): Promise<void> {
    await this.repo.save(d);
  }

  /**
   * A saver for one running drill: each call commits the drill and only the events not stored
   * yet. Calls must not overlap (the journal's SerialWriter runs them one at a time).
   */
  saver(): (d: Drill) => Promise<void> {
    let stored = 0;
    return async (d) => {
      const n = d.events.length;
      await this.repo.save(d, stored);
      stored = n;
    };
  }

  load(id: string): Promise<Drill | null> {
    return this.repo.load(id);
  }

  /** Newest first, summary columns only. */
  list(): Promise<DrillListItem[]> {
    return this.repo.list(KEEP);
  }

  prune(): Promise<number> {
    return this.repo.prune(KEEP);
  }

  /**
   * Marks cut-off drills: alone, called once at start before any drill runs (a drill still
   * "running" was cut off by a crash or kill -9); in a fleet, also by the periodic sweep, for the
   * drills of instances that stopped (isOrphaned). Each becomes "interrupted" (ended when its last
   * record was written), with a last step that says which commands it had already sent. A row
   * written since it was read is left for the next pass. Returns the ids marked.
   */
  async recoverInterrupted(scope: SweepScope = ALONE_AT_OPEN): Promise<string[]> {
    const recovered: string[] = [];
    for (const row of await this.repo.runningRows()) {
      if (!isOrphaned(row.instance, scope)) continue;
      const drill = await this.repo.load(row.id);
      if (!drill) continue;
      const marked = interrupted(drill, row.updatedAt || Date.now(), whoStopped(row.instance, scope.self));
      if (await this.repo.saveIfUnchanged(marked, row.updatedAt)) recovered.push(drill.id);
    }
    return recovered;
  }
}
