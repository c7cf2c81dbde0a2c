// The persistent event timeline, on the store's `events` table. append() is synchronous for the
// poll loop (it only queues: the write-behind commits within 100 ms); query() reads your writes
// (it flushes first) and filters in SQL.
import { z } from "zod";
import type { TimelineEvent } from "./types";
import { openStore, type Store } from "../store";
import type { EventQuery } from "../store/events";
import { TimelineEventSchema } from "./schema";

export type { EventQuery } from "../store/events";

const OptionsSchema = z.strictObject({
  /** Newest events kept by retention (only for a store this module opens itself). */
  maxEvents: z.number().int().positive().default(50_000),
  /** Write-behind interval, at most 100 ms (only for a store this module opens itself). */
  flushMs: z.number().int().nonnegative().max(100).default(50),
});
export type EventStoreOptions = z.input<typeof OptionsSchema>;

export interface EventStoreStats {
  /** Appends refused because they would not read back (NaN, unknown kind, stray types). */
  skipped: number;
  /** Events (or statements) dropped because writes kept failing and the queue was full. */
  dropped: number;
  writeErrors: number;
  lastWriteError: string | null;
}

export interface EventStore {
  append(events: TimelineEvent[]): void;
  /** The last `limit` matches, oldest -> newest. */
  query(q: EventQuery): Promise<TimelineEvent[]>;
  nextId(): number;
  flush(): Promise<void>;
  close(): Promise<void>;
  stats(): EventStoreStats;
}

/**
 * The timeline on an open store (server.ts): close() flushes; the store is closed by its owner.
 * `ids` replaces the count-up ids (several instances writing one store: lib/fleet/event-ids.ts),
 * given the largest id stored.
 */
export async function eventStoreOn(store: Store, opts: { ids?: (floor: number) => () => number } = {}): Promise<EventStore> {
  const maxId = await store.events.maxId();
  return new StoreTimeline(store, maxId, false, opts.ids?.(maxId));
}

/** The timeline on its own SQLite store in `dir` (tests, tools): close() closes that store. */
export async function openEventStore(dir: string, opts: EventStoreOptions = {}): Promise<EventStore> {
  const o = OptionsSchema.parse(opts);
  const store = await openStore({ dataDir: dir, maxEvents: o.maxEvents, flushMs: o.flushMs });
  return new StoreTimeline(store, await store.events.maxId(), true);
}

class StoreTimeline implements EventStore {
  private closed = false;
  private skipped = 0;

  constructor(
    private readonly store: Store,
    private lastId: number,
    private readonly ownsStore: boolean,
    private readonly ids?: () => number,
  ) {}

  append(events: TimelineEvent[]): void {
    if (this.closed) throw new Error("event store is closed");
    const ok: TimelineEvent[] = [];
    for (const e of events) {
      // Validate on the way in: NaN or a stray field would be stored as something that no longer
      // reads back as the event. The parsed copy also shields the row from later mutation.
      const r = TimelineEventSchema.safeParse(e);
      if (!r.success) {
        this.skipped++;
        continue;
      }
      ok.push(r.data);
      if (r.data.id > this.lastId) this.lastId = r.data.id;
    }
    if (this.closed) throw new Error("event store is closed");
    if (ok.length) this.store.events.queue(ok);
  }

  async query(q: EventQuery): Promise<TimelineEvent[]> {
    if (!this.closed) await this.store.flush().catch(() => undefined);
    return this.store.events.query(q);
  }

  nextId(): number {
    if (this.ids) return this.ids();
    return ++this.lastId;
  }

  flush(): Promise<void> {
    return this.store.flush();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsStore) await this.store.close();
    else await this.store.flush();
  }

  stats(): EventStoreStats {
    const w = this.store.writerStats();
    return { skipped: this.skipped, dropped: w.dropped + this.store.events.dropped, writeErrors: w.writeErrors, lastWriteError: w.lastWriteError };
  }
}
