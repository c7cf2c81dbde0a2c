// Which instance runs a job, and which "running" rows are orphans. Drills, compares, backups and
// restore drills write the id of the instance that runs them on their row; when that instance is
// gone, another one marks the row interrupted (never runs it again). Pure: no I/O here.
import type { Fleet } from "./fleet";

/** What the job managers need of the fleet (lib/fleet/fleet.ts's Fleet has it). */
export type JobFleet = Pick<Fleet, "instanceId" | "liveInstances" | "claimOnce">;

/** A row still "running" in the store, as cheap to read as possible (no body, no differences). */
export interface RunningRow {
  id: string;
  /** The instance that runs it; null on rows written alone or before instances were recorded. */
  instance: string | null;
  updatedAt: number;
}

/** Who is asking, and what they know about the fleet. */
export interface SweepScope {
  /** This instance's id; null when running alone (no fleet). */
  self: string | null;
  /** The live instances; null when the coordination Redis could not say (or alone). */
  live: ReadonlySet<string> | null;
  /** At open this process runs nothing yet; later its own rows are its own running jobs. */
  atOpen: boolean;
}

export const ALONE_AT_OPEN: SweepScope = { self: null, live: null, atOpen: true };

/**
 * Whether a running row was cut off. Alone, at open, every one was (as before instances existed).
 * In a fleet: at open, this instance's own rows (an earlier process with the same id) and rows with
 * no instance (written before the fleet) were; at any time, rows of an instance that is not live
 * were. An unknown liveness (coordination Redis down) marks no other instance's rows, and a row
 * with no instance is never judged after open: it may belong to an instance running alone.
 */
export function isOrphaned(owner: string | null, s: SweepScope): boolean {
  if (s.self === null) return s.atOpen;
  if (owner === null || owner === s.self) return s.atOpen;
  return s.live !== null && !s.live.has(owner);
}

/** The subject of an "interrupted" text: who stopped. */
export function whoStopped(owner: string | null | undefined, self: string | null): string {
  return owner && owner !== self ? `the instance ${owner} that ran it stopped` : "replscope stopped";
}

/** The instance field a new job's record carries: absent when running alone. */
export function instanceField(fleet: JobFleet | null | undefined): { instance?: string } {
  return fleet ? { instance: fleet.instanceId } : {};
}

/** The name a schedule's due run is claimed under: one instance starts that run. */
export const scheduleClaim = (scheduleId: string, dueAt: number): string => `schedule:${scheduleId}:${dueAt}`;
