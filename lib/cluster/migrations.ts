// Pure: keys left per migrating slot over successive readings → rate and ETA. Bounded: one short
// sample list per migration in progress; migrations that ended are dropped on the next update.
import type { SlotMigration } from "./model";

export interface MigrationProgress extends SlotMigration {
  fromAddress: string | null;
  toAddress: string | null;
  /** When replscope first saw this slot migrating. */
  firstSeenAt: number;
  /** CLUSTER COUNTKEYSINSLOT on the source; null until read (or when the source cannot be dialled). */
  keysLeft: number | null;
  keysLeftAt: number | null;
  /** Keys moved per second over the kept readings; null until two readings show progress. */
  keysPerSec: number | null;
  etaSeconds: number | null;
}

interface Track {
  firstSeenAt: number;
  samples: [number, number][];
}

const MAX_SAMPLES = 8;

export const migrationKey = (m: { slot: number; from: string; to: string }): string => `${m.slot}:${m.from}:${m.to}`;

export class MigrationTracker {
  private readonly tracks = new Map<string, Track>();

  /** Keeps tracks only for `current`; records the counts read this round (slot key → keys left). */
  update(current: readonly SlotMigration[], counts: ReadonlyMap<string, number>, at: number, addressOf: (id: string) => string | null): MigrationProgress[] {
    const live = new Set(current.map(migrationKey));
    for (const [k] of [...this.tracks]) if (!live.has(k)) this.tracks.delete(k);
    return current.map((m) => {
      const key = migrationKey(m);
      let t = this.tracks.get(key);
      if (!t) this.tracks.set(key, (t = { firstSeenAt: at, samples: [] }));
      const n = counts.get(key);
      if (n !== undefined) {
        t.samples.push([at, n]);
        if (t.samples.length > MAX_SAMPLES) t.samples.shift();
      }
      const last = t.samples.at(-1);
      const first = t.samples[0];
      let rate: number | null = null;
      if (first && last && last[0] > first[0] && first[1] >= last[1]) rate = ((first[1] - last[1]) * 1000) / (last[0] - first[0]);
      const keysLeft = last?.[1] ?? null;
      return {
        ...m,
        fromAddress: addressOf(m.from),
        toAddress: addressOf(m.to),
        firstSeenAt: t.firstSeenAt,
        keysLeft,
        keysLeftAt: last?.[0] ?? null,
        keysPerSec: rate !== null && rate > 0 ? Math.round(rate * 10) / 10 : rate === 0 ? 0 : null,
        etaSeconds: keysLeft === 0 ? 0 : rate && rate > 0 && keysLeft !== null ? Math.ceil(keysLeft / rate) : null,
      };
    });
  }
}
