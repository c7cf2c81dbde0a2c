// The canary writer: during a drill, a sequence-numbered write to whoever is master every 50 ms,
// each with its own reply deadline, so a paused master never stops the writer. Afterwards every
// node is read back to count writes that were acknowledged and then lost.
import type Redis from "ioredis";
import { createConnection, type ConnectOptions } from "../redis/connection";

export interface CanaryWrite {
  seq: number;
  node: string | null;
  sentAt: number;
  /** When a reply arrived (even after the deadline: a late ack is still an ack). */
  ackAt: number | null;
  failedAt: number | null;
  error: string | null;
}

export interface CanaryOptions {
  key: string;
  everyMs?: number;
  replyTimeoutMs?: number;
  /** Bound on how many writes are kept (a drill has a deadline anyway). */
  maxWrites?: number;
  /** Which node is master now, and how to reach it; never one of `exclude`. */
  target: (exclude: ReadonlySet<string>) => { id: string; conn: ConnectOptions } | null;
}

export class CanaryWriter {
  readonly writes: CanaryWrite[] = [];
  private readonly conns = new Map<string, Redis>();
  private stopped = false;
  /** Between a failed write and the next good one the canary writes every 10 ms, so the end of an
   * outage is pinned down to ~10 ms rather than a 50 ms step. */
  private failing = false;
  /** Nodes that just answered READONLY: not master, whatever a slower source still says. */
  private readonly notMaster = new Map<string, number>();
  private loop: Promise<void> | null = null;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly o: CanaryOptions) {}

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    // Late acknowledgements still count (a paused master acks when the pause ends): give the writes
    // in flight a moment, then close, which fails whatever is left.
    await Promise.race([Promise.all([...this.inFlight]), new Promise((r) => setTimeout(r, 2000))]);
    for (const c of this.conns.values()) c.disconnect();
    this.conns.clear();
  }

  private connection(id: string, conn: ConnectOptions): Redis {
    let r = this.conns.get(id);
    if (!r || r.status === "end" || r.status === "close") {
      r?.disconnect();
      r = createConnection({ ...conn, timeoutMs: 60_000, connectionName: "replscope-canary" });
      // Commands may be queued while connecting; they fail fast if the connection cannot be made.
      r.options.enableOfflineQueue = true;
      r.connect().catch(() => undefined);
      this.conns.set(id, r);
    }
    return r;
  }

  private async run(): Promise<void> {
    const every = this.o.everyMs ?? 50;
    let seq = 0;
    while (!this.stopped && this.writes.length < (this.o.maxWrites ?? 20_000)) {
      const started = Date.now();
      this.fire(++seq);
      // Wait in short slices: a failure seen meanwhile switches to the 10 ms cadence at once.
      while (!this.stopped && Date.now() - started < (this.failing ? Math.min(10, every) : every)) {
        await new Promise((r) => setTimeout(r, 5));
      }
    }
  }

  private fire(seq: number): void {
    const now = Date.now();
    for (const [id, until] of this.notMaster) if (until < now) this.notMaster.delete(id);
    const target = this.o.target(new Set([...this.notMaster].map(([id]) => id)));
    const w: CanaryWrite = { seq, node: target?.id ?? null, sentAt: Date.now(), ackAt: null, failedAt: null, error: null };
    this.writes.push(w);
    if (!target) {
      w.failedAt = w.sentAt;
      w.error = "no master known";
      this.failing = true;
      return;
    }
    const deadline = this.o.replyTimeoutMs ?? 1000;
    const r = this.connection(target.id, target.conn);
    // Past the deadline the write counts as failed for the outage window; a reply may still come.
    setTimeout(() => {
      if (w.ackAt === null && w.failedAt === null) {
        w.failedAt = Date.now();
        w.error = `no reply within ${deadline} ms`;
        this.failing = true;
      }
    }, deadline).unref();
    const reply = r
      .multi()
      .hset(this.o.key, String(seq), String(w.sentAt))
      .pexpire(this.o.key, 3_600_000)
      .exec()
      .then((res) => {
        const err = res?.find(([e]) => e)?.[0];
        if (err) throw err;
        w.ackAt = Date.now();
        if (w.failedAt === null) this.failing = false;
      });
    const tracked: Promise<void> = reply
      .catch((e: unknown) => {
        if (w.failedAt === null) w.failedAt = Date.now();
        w.error = String((e as Error)?.message ?? e).slice(0, 200);
        this.failing = true;
        // A replica refusing the write is the fastest news of a role change there is.
        if (/READONLY|EXECABORT/.test(w.error) && target.id) this.notMaster.set(target.id, Date.now() + 1000);
      })
      .finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }
}

/** Pure: first failed write → first write sent after it that succeeded in time. */
export function writeOutageMs(writes: CanaryWrite[]): number | null {
  const firstFail = writes.find((w) => w.failedAt !== null && (w.ackAt === null || w.ackAt > w.failedAt));
  if (!firstFail) return null;
  const recovered = writes.find((w) => w.sentAt > firstFail.sentAt && w.ackAt !== null && (w.failedAt === null || w.ackAt <= w.failedAt));
  return recovered ? recovered.sentAt - firstFail.sentAt : null;
}

/** Pure: acknowledged sequence numbers missing from what the final master holds. */
export function lostWrites(writes: CanaryWrite[], present: Set<number>): number[] {
  return writes.filter((w) => w.ackAt !== null && !present.has(w.seq)).map((w) => w.seq);
}
