// Write-behind queue: callers hand over compiled statements and return at once; a self-scheduling
// timer commits everything queued in ONE transaction at most `flushMs` (≤ 100 ms) after the first
// queued write. A kill -9 therefore loses at most the last flush interval plus the commit in
// flight, and never leaves half a batch (SQLite WAL / PostgreSQL transactions). Bounded: past
// `maxQueued` statements the oldest are dropped and counted.
export interface RawQuery {
  sql: string;
  params: readonly unknown[];
}

export interface WriterStats {
  queued: number;
  dropped: number;
  flushes: number;
  writeErrors: number;
  lastWriteError: string | null;
}

type Drain = () => RawQuery[] | Promise<RawQuery[]>;

// After a failed flush (disk full, database gone) wait this long before the next try.
const RETRY_AFTER_ERROR_MS = 1000;

/**
 * Rows waiting for the next flush, turned into multi-row inserts when it comes (one statement
 * per table per flush instead of one per row: that is what keeps a flush short on PostgreSQL).
 */
export class RowBuffer<T> {
  private rows: T[] = [];
  dropped = 0;

  constructor(
    private readonly writer: WriteBehind,
    private readonly toQueries: (rows: T[]) => RawQuery[],
    private readonly max = 50_000,
  ) {
    writer.addDrain(() => this.drain());
  }

  push(...rows: T[]): void {
    this.writer.assertOpen();
    this.rows.push(...rows);
    const excess = this.rows.length - this.max;
    if (excess > 0) {
      this.rows.splice(0, excess);
      this.dropped += excess;
    }
    this.writer.poke();
  }

  private drain(): RawQuery[] {
    if (this.rows.length === 0) return [];
    const rows = this.rows;
    this.rows = [];
    return this.toQueries(rows);
  }
}

export class WriteBehind {
  private queue: RawQuery[] = [];
  private readonly drains = new Set<Drain>();
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly s: WriterStats = { queued: 0, dropped: 0, flushes: 0, writeErrors: 0, lastWriteError: null };

  constructor(
    private readonly commit: (queries: RawQuery[]) => Promise<void>,
    private readonly flushMs = 100,
    private readonly maxQueued = 50_000,
  ) {}

  assertOpen(): void {
    if (this.closed) throw new Error("store is closed");
  }

  enqueue(...qs: RawQuery[]): void {
    this.assertOpen();
    this.queue.push(...qs);
    const excess = this.queue.length - this.maxQueued;
    if (excess > 0) {
      this.queue.splice(0, excess);
      this.s.dropped += excess;
    }
    this.schedule(this.flushMs);
  }

  /** A buffer owner (e.g. metric rows coalesced into multi-row inserts) drained at each flush. */
  addDrain(fn: Drain): void {
    this.drains.add(fn);
  }

  /** Arms the timer for a drain that has rows waiting. */
  poke(): void {
    this.schedule(this.flushMs);
  }

  /** Resolves once everything queued before the call is committed (rejects if that commit failed). */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const run = this.chain.then(() => this.commitPending());
    this.chain = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    if (this.closed) return this.chain;
    this.closed = true;
    await this.flush().catch((err: unknown) => {
      this.noteError(err);
    });
  }

  stats(): WriterStats {
    return { ...this.s, queued: this.queue.length };
  }

  private async commitPending(): Promise<void> {
    for (const d of this.drains) this.queue.push(...(await d()));
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    try {
      await this.commit(batch);
      this.s.flushes++;
    } catch (err) {
      // One bad statement must not block every write behind it: retry one by one and drop only
      // what fails alone. If every one fails the database itself is the problem: keep them all.
      const failed = await this.commitOneByOne(batch);
      if (failed.length < batch.length) {
        this.s.flushes++;
        this.s.dropped += failed.length;
        this.noteError(err);
        return;
      }
      // Keep the batch for the next try, still within the bound.
      this.queue = [...batch, ...this.queue];
      const excess = this.queue.length - this.maxQueued;
      if (excess > 0) {
        this.queue.splice(0, excess);
        this.s.dropped += excess;
      }
      throw err;
    }
  }

  private async commitOneByOne(batch: RawQuery[]): Promise<RawQuery[]> {
    const failed: RawQuery[] = [];
    for (const [i, q] of batch.entries()) {
      try {
        await this.commit([q]);
      } catch {
        failed.push(q);
        // The first three all failing: the database is down, not one statement bad. Stop trying.
        if (i === 2 && failed.length === 3) return batch;
      }
    }
    return failed;
  }

  private noteError(err: unknown): void {
    this.s.writeErrors++;
    this.s.lastWriteError = String(err);
  }

  private schedule(ms: number): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush().catch((err: unknown) => {
        this.noteError(err);
        this.schedule(Math.max(this.flushMs, RETRY_AFTER_ERROR_MS));
      });
    }, ms);
  }
}
