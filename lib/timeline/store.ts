// Persistent event timeline: append-only JSON Lines segments plus an in-memory ring for queries.
// Writes are batched and fsync'd once per flush, so a burst of events costs one fsync; a crash
// (kill -9) can only tear the line being written, which the next open cuts off.
import { open, readdir, unlink, mkdir, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import type { TimelineEvent } from "./types";
import { LineScanner } from "./lines";
import { EventRing, queryEvents, type EventQuery } from "./ring";
import { parseEventLine, TimelineEventSchema } from "./schema";
import { segmentName, segmentSeq, segmentsToDrop } from "./segments";
import { acquireLock, releaseLock } from "./lock";

export type { EventQuery } from "./ring";

const OptionsSchema = z.strictObject({
  maxEvents: z.number().int().positive().default(50_000),
  segmentEvents: z.number().int().positive().default(10_000),
  flushMs: z.number().int().nonnegative().default(200),
});
export type EventStoreOptions = z.input<typeof OptionsSchema>;

export interface EventStoreStats {
  /** Events held in memory and visible to queries. */
  events: number;
  segments: number;
  /** Bytes in segment files on disk. */
  bytes: number;
  /** Lines that could not be read back (torn, invalid JSON, wrong shape) plus rejected appends. */
  skipped: number;
  /** Events never written because writes kept failing and the pending buffer was full. */
  dropped: number;
  writeErrors: number;
  lastWriteError: string | null;
}

export interface EventStore {
  append(events: TimelineEvent[]): void;
  query(q: EventQuery): TimelineEvent[];
  nextId(): number;
  flush(): Promise<void>;
  close(): Promise<void>;
  stats(): EventStoreStats;
}

interface Segment {
  seq: number;
  events: number;
  lines: number;
  bytes: number;
}

const READ_CHUNK = 1 << 20;
// After a failed timer flush, wait at least this long before trying again (disk full, EIO ...).
const RETRY_AFTER_ERROR_MS = 1000;

export async function openEventStore(dir: string, opts: EventStoreOptions = {}): Promise<EventStore> {
  const o = OptionsSchema.parse(opts);
  await mkdir(dir, { recursive: true });
  const lock = await acquireLock(dir);
  try {
    const ring = new EventRing(o.maxEvents);
    const loaded = await loadSegments(dir, ring);
    const store = new SegmentStore(dir, o, ring, loaded, lock);
    await store.openActive();
    return store;
  } catch (err) {
    await releaseLock(lock);
    throw err;
  }
}

interface Loaded {
  segments: Segment[];
  maxId: number;
  skipped: number;
  /** Where the newest segment's good data ends when it has a torn or invalid last line. */
  truncateTo: number | null;
}

async function loadSegments(dir: string, ring: EventRing): Promise<Loaded> {
  const seqs = (await readdir(dir))
    .map(segmentSeq)
    .filter((n): n is number => n !== null)
    .sort((a, b) => a - b);
  const out: Loaded = { segments: [], maxId: 0, skipped: 0, truncateTo: null };
  for (const [i, seq] of seqs.entries()) {
    const isNewest = i === seqs.length - 1;
    const seg: Segment = { seq, events: 0, lines: 0, bytes: 0 };
    const scanner = new LineScanner();
    let last: { start: number; valid: boolean } | null = null;
    const fh = await open(path.join(dir, segmentName(seq)), "r");
    try {
      const buf = Buffer.allocUnsafe(READ_CHUNK);
      for (;;) {
        const { bytesRead } = await fh.read(buf, 0, READ_CHUNK, null);
        if (bytesRead === 0) break;
        seg.bytes += bytesRead;
        for (const line of scanner.feed(buf.subarray(0, bytesRead))) {
          seg.lines++;
          const e = line.text === null ? null : parseEventLine(line.text);
          last = { start: line.start, valid: e !== null };
          if (!e) {
            out.skipped++;
            continue;
          }
          seg.events++;
          ring.push(e);
          if (e.id > out.maxId) out.maxId = e.id;
        }
      }
    } finally {
      await fh.close();
    }
    const tail = scanner.tail();
    if (tail.bytes > 0) out.skipped++;
    if (isNewest) {
      // Only the newest segment can hold a write cut short by a crash; cut at most one bad line.
      if (tail.bytes > 0) out.truncateTo = tail.start;
      else if (last && !last.valid) {
        out.truncateTo = last.start;
        seg.lines--;
      }
      if (out.truncateTo !== null) seg.bytes = out.truncateTo;
    }
    out.segments.push(seg);
  }
  return out;
}

class SegmentStore implements EventStore {
  private readonly segments: Segment[];
  private fh: FileHandle | null = null;
  private lastId: number;
  private pending: string[] = [];
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  private skipped: number;
  private dropped = 0;
  private writeErrors = 0;
  private lastWriteError: string | null = null;
  // Pending lines are bounded too: if the disk keeps failing, the oldest unwritten lines go.
  private readonly maxPending: number;

  constructor(
    private readonly dir: string,
    private readonly o: z.output<typeof OptionsSchema>,
    private readonly ring: EventRing,
    private readonly loaded: Loaded,
    private readonly lock: string,
  ) {
    this.segments = loaded.segments;
    this.lastId = loaded.maxId;
    this.skipped = loaded.skipped;
    this.maxPending = o.maxEvents;
  }

  async openActive(): Promise<void> {
    const newest = this.segments.at(-1);
    if (!newest) return this.startSegment(1);
    this.fh = await open(this.file(newest.seq), "r+");
    if (this.loaded.truncateTo !== null) {
      await this.fh.truncate(this.loaded.truncateTo);
      await this.fh.datasync();
    }
    await this.enforceRetention();
  }

  append(events: TimelineEvent[]): void {
    if (this.closed) throw new Error("event store is closed");
    for (const e of events) {
      // Validate on the way in too: NaN or a stray field would serialise into a line that the
      // next open rejects, losing the event silently. The parsed copy also shields the ring
      // from later mutation by the caller.
      const r = TimelineEventSchema.safeParse(e);
      if (!r.success) {
        this.skipped++;
        continue;
      }
      this.ring.push(r.data);
      if (r.data.id > this.lastId) this.lastId = r.data.id;
      this.pending.push(`${JSON.stringify(r.data)}\n`);
    }
    const excess = this.pending.length - this.maxPending;
    if (excess > 0) {
      this.pending.splice(0, excess);
      this.dropped += excess;
    }
    this.schedule(this.o.flushMs);
  }

  query(q: EventQuery): TimelineEvent[] {
    return queryEvents(this.ring.newestFirst(), q);
  }

  nextId(): number {
    return ++this.lastId;
  }

  flush(): Promise<void> {
    // After close() nothing can be pending any more; never reopen a segment behind its back.
    if (this.closed && !this.fh) return this.chain;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const run = this.chain.then(() => this.writePending());
    // Flushes run one after another; a failure is reported to its caller, not to the next one.
    this.chain = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    if (this.closed) return this.chain;
    this.closed = true;
    try {
      await this.flush();
    } finally {
      await this.fh?.close().catch(() => undefined);
      this.fh = null;
      await releaseLock(this.lock);
    }
  }

  stats(): EventStoreStats {
    return {
      events: this.ring.size,
      segments: this.segments.length,
      bytes: this.segments.reduce((a, s) => a + s.bytes, 0),
      skipped: this.skipped,
      dropped: this.dropped,
      writeErrors: this.writeErrors,
      lastWriteError: this.lastWriteError,
    };
  }

  private schedule(ms: number): void {
    if (this.timer || this.pending.length === 0 || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush().catch((err: unknown) => {
        this.writeErrors++;
        this.lastWriteError = String(err);
        this.schedule(Math.max(this.o.flushMs, RETRY_AFTER_ERROR_MS));
      });
    }, ms);
  }

  private async writePending(): Promise<void> {
    while (this.pending.length > 0) {
      let seg = this.segments.at(-1);
      if (!seg || !this.fh || seg.lines >= this.o.segmentEvents) {
        await this.rotate();
        seg = this.segments.at(-1);
        if (!seg || !this.fh) throw new Error("no active segment");
      }
      const batch = this.pending.splice(0, this.o.segmentEvents - seg.lines);
      const buf = Buffer.from(batch.join(""), "utf8");
      try {
        await writeAll(this.fh, buf, seg.bytes);
        await this.fh.datasync();
      } catch (err) {
        // Cut any partial write so the retry starts on a line boundary, and keep the lines.
        await this.fh.truncate(seg.bytes).catch(() => undefined);
        this.pending.unshift(...batch);
        throw err;
      }
      seg.bytes += buf.length;
      seg.lines += batch.length;
      seg.events += batch.length;
      await this.enforceRetention();
    }
  }

  private async rotate(): Promise<void> {
    const prev = this.fh;
    this.fh = null;
    if (prev) {
      await prev.datasync();
      await prev.close();
    }
    await this.startSegment((this.segments.at(-1)?.seq ?? 0) + 1);
  }

  private async startSegment(seq: number): Promise<void> {
    this.fh = await open(this.file(seq), "wx+");
    this.segments.push({ seq, events: 0, lines: 0, bytes: 0 });
    // Make the new file's directory entry durable too, or a crash could lose the whole segment.
    const d = await open(this.dir, "r");
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  }

  private async enforceRetention(): Promise<void> {
    const drop = segmentsToDrop(
      this.segments.map((s) => s.events),
      this.o.maxEvents,
    );
    for (let i = 0; i < drop; i++) {
      const oldest = this.segments[0];
      if (!oldest) break;
      try {
        await unlink(this.file(oldest.seq));
      } catch (err) {
        // Keep counting a segment we could not delete; the next write tries again.
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") {
          this.lastWriteError = String(err);
          break;
        }
      }
      this.segments.shift();
    }
  }

  private file(seq: number): string {
    return path.join(this.dir, segmentName(seq));
  }
}

async function writeAll(fh: FileHandle, buf: Buffer, position: number): Promise<void> {
  let off = 0;
  while (off < buf.length) {
    const { bytesWritten } = await fh.write(buf, off, buf.length - off, position + off);
    off += bytesWritten;
  }
}
