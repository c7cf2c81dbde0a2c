// Whole-keyspace compare of a master with its replicas, lag-aware (in the spirit of
// redis-full-check): SCAN the master, fingerprint each batch on both sides, then SCAN each replica
// for keys only it has. A mismatch is only a candidate: it is re-checked in later rounds, and it
// counts only when, in `rounds` observations, the replica had applied the master's offset noted
// after the master read and the master's value did not change around the replica read. Keys that
// vanish by expiry get their own kind; keys too hot to pin down are "unverified", not differences.
import type Redis from "ioredis";
import { setTimeout as sleep } from "node:timers/promises";
import { encodeKey, displayKey } from "../keys/codec";
import { asScanReply } from "../redis/reply";
import { compareFingerprints, type KeyDifference, type KeyFingerprint } from "../redis/fingerprint";
import { readReplOffset, waitForOffset } from "../redis/offsets";
import { RateLimiter } from "../keyspace/rate-limit";
import { existsMany, readFingerprintsFast } from "../redis/script-fingerprint";
import { DifferenceLog, type CompareReport, type JobPhase, type JobStatus, type ReplicaSummary } from "./report";

export interface CompareNode { id: string; redis: Redis }

export interface CompareJobOptions {
  db: number;
  match?: string;
  ttlToleranceMs?: number;
  /** Keys per second read from each node (SCAN + fingerprints), to spare production. */
  maxKeysPerSec?: number;
  /** SCAN COUNT and keys per fingerprint pipeline. */
  batch?: number;
  /** Observations (first read + re-checks) that must agree before a difference counts. */
  rounds?: number;
  recheckDelayMs?: number;
  /** How long to wait for a replica to apply the master's offset before a round is inconclusive. */
  catchUpMs?: number;
  maxDifferences?: number;
  maxElements?: number;
  maxStringBytes?: number;
}

export interface CompareJobMeta { id: string; topology: string; replicas: ReplicaSummary[] }

interface Candidate {
  key: Buffer;
  replica: number;
  observed: number;
  inconclusive: number;
  dueAt: number;
}

const EXPIRING_WINDOW_MS = 10_000;
const MAX_PENDING = 50_000;
const IN_FLIGHT = 3;

export class CompareJob {
  private readonly o: Required<Omit<CompareJobOptions, "match">> & { match?: string };
  private readonly log: DifferenceLog;
  private readonly limiter: RateLimiter;
  private pending: Candidate[] = [];
  private readonly lagging = new Set<number>();
  private status: JobStatus = "running";
  private phase: JobPhase = "starting";
  private readonly startedAt = Date.now();
  private finishedAt: number | null = null;
  private scanned = 0;
  private total = 0;
  private compared = 0;
  private resolved = 0;
  /** Equal by type, length and TTL, content over the read limits: never called equal outright. */
  private contentNotCompared = 0;
  private error: string | null = null;

  constructor(
    private readonly meta: CompareJobMeta,
    private readonly master: CompareNode,
    private readonly replicas: CompareNode[],
    opts: CompareJobOptions,
  ) {
    this.o = {
      ttlToleranceMs: 1000, maxKeysPerSec: 50_000, batch: 1000, rounds: 3, recheckDelayMs: 300, catchUpMs: 5000,
      maxDifferences: 10_000, maxElements: 10_000, maxStringBytes: 512 * 1024,
      // An explicit `undefined` (an optional API field) must not override a default.
      ...(Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) as CompareJobOptions),
    };
    this.log = new DifferenceLog(this.o.maxDifferences);
    this.limiter = new RateLimiter(this.o.maxKeysPerSec);
  }

  async run(signal: AbortSignal): Promise<void> {
    try {
      const sizes = await Promise.all([this.master, ...this.replicas].map((n) => n.redis.dbsize()));
      this.total = sizes.reduce((a, b) => a + b, 0);
      this.phase = "master";
      await this.scanNode(this.master, signal, (keys) => this.compareBatch(keys, signal));
      this.phase = "replicas";
      for (let i = 0; i < this.replicas.length && !signal.aborted; i++) {
        const replica = this.replicas[i] as CompareNode;
        await this.scanNode(replica, signal, (keys) => this.findReplicaOnly(i, keys));
      }
      this.phase = "recheck";
      while (this.pending.length > 0 && !signal.aborted) await this.recheckDue(signal, true);
      this.status = signal.aborted ? "cancelled" : "done";
    } catch (err) {
      this.status = signal.aborted ? "cancelled" : "failed";
      if (!signal.aborted) this.error = err instanceof Error ? err.message.slice(0, 300) : String(err);
    } finally {
      this.phase = "finished";
      this.finishedAt = Date.now();
    }
  }

  /** SCAN one node; the next SCAN is already in flight while a batch is being compared. */
  private async scanNode(node: CompareNode, signal: AbortSignal, handle: (keys: Buffer[]) => Promise<void>): Promise<void> {
    const filter: (string | Buffer)[] = this.o.match && this.o.match !== "*" ? ["MATCH", Buffer.from(this.o.match, "utf8")] : [];
    const scan = (cursor: string) => {
      const p = node.redis.callBuffer("SCAN", [cursor, ...filter, "COUNT", this.o.batch]).then((r) => asScanReply(r, "SCAN"));
      p.catch(() => undefined); // a prefetch that fails while we bail out must not crash the process
      return p;
    };
    // A few batches in flight hide round trips; each one's memory is bounded by the batch size.
    const inflight: Promise<void>[] = [];
    let failure: unknown = null;
    let next = scan("0");
    try {
      for (;;) {
        const page = await next;
        if (page.cursor !== "0") next = scan(page.cursor);
        // With MATCH, SCAN examines ~COUNT keys and returns the matches: progress counts examined keys.
        this.scanned += filter.length ? this.o.batch : page.items.length;
        if (page.items.length > 0) {
          await this.limiter.take(page.items.length, signal);
          const p = handle(page.items);
          p.catch((err: unknown) => (failure ??= err));
          inflight.push(p);
          if (inflight.length >= IN_FLIGHT) await inflight.shift()?.catch(() => undefined);
        }
        if (failure) throw failure;
        if (this.pending.length > 0) await this.recheckDue(signal, this.pending.length > MAX_PENDING);
        if (page.cursor === "0" || signal.aborted) break;
      }
    } finally {
      await Promise.all(inflight.map((p) => p.catch(() => undefined)));
    }
    if (failure) throw failure;
  }

  private fingerprints(node: CompareNode, keys: Buffer[]): Promise<(KeyFingerprint | null)[]> {
    return readFingerprintsFast(node.redis, keys, { db: this.o.db, maxElements: this.o.maxElements, maxStringBytes: this.o.maxStringBytes, batch: Math.min(this.o.batch, 1000) });
  }

  private async compareBatch(keys: Buffer[], signal: AbortSignal): Promise<void> {
    const masterFps = await this.fingerprints(this.master, keys);
    const offset = await readReplOffset(this.master.redis);
    this.compared += keys.length;
    await Promise.all(
      this.replicas.map(async (replica, r) => {
        // A replica that could not catch up last time gets a short wait: its candidates are
        // re-checked anyway, and a down link must not stall every batch for catchUpMs.
        if (offset !== null) {
          const applied = await waitForOffset(replica.redis, offset, this.lagging.has(r) ? 50 : this.o.catchUpMs, signal);
          if (applied !== null && applied >= offset) this.lagging.delete(r);
          else this.lagging.add(r);
        }
        const replicaFps = await this.fingerprints(replica, keys);
        keys.forEach((key, i) => {
          const m = masterFps[i] ?? null;
          const rep = replicaFps[i] ?? null;
          if (compareFingerprints(m, rep, this.o.ttlToleranceMs)) this.enqueue(key, r);
          else if (m && rep && (m.digest === null || rep.digest === null)) this.contentNotCompared++;
        });
      }),
    );
  }

  /** Replica keys the master does not have (EXISTS on the master, batched) become candidates. */
  private async findReplicaOnly(replica: number, keys: Buffer[]): Promise<void> {
    const exists = await existsMany(this.master.redis, keys);
    keys.forEach((key, i) => {
      if (!exists[i]) this.enqueue(key, replica);
    });
  }

  private enqueue(key: Buffer, replica: number): void {
    this.pending.push({ key, replica, observed: 1, inconclusive: 0, dueAt: Date.now() + this.o.recheckDelayMs });
  }

  /** Re-checks candidates whose delay has passed (`wait`: sleep until the first one is due). */
  private async recheckDue(signal: AbortSignal, wait: boolean): Promise<void> {
    const first = this.pending[0];
    if (!first) return;
    if (wait && first.dueAt > Date.now()) await sleep(first.dueAt - Date.now(), undefined, { signal }).catch(() => undefined);
    const now = Date.now();
    const due = this.pending.filter((c) => c.dueAt <= now);
    if (due.length === 0) return;
    this.pending = this.pending.filter((c) => c.dueAt > now);
    for (let r = 0; r < this.replicas.length; r++) {
      const mine = due.filter((c) => c.replica === r);
      for (let i = 0; i < mine.length && !signal.aborted; i += this.o.batch) {
        const chunk = mine.slice(i, i + this.o.batch);
        await this.limiter.take(chunk.length * 2, signal);
        await this.recheckRound(r, chunk, signal);
      }
    }
  }

  private async recheckRound(r: number, chunk: Candidate[], signal: AbortSignal): Promise<void> {
    const replica = this.replicas[r] as CompareNode;
    const keys = chunk.map((c) => c.key);
    const before = await this.fingerprints(this.master, keys);
    const offset = await readReplOffset(this.master.redis);
    const applied = offset === null ? null : await waitForOffset(replica.redis, offset, this.o.catchUpMs, signal);
    const replicaFps = await this.fingerprints(replica, keys);
    const after = await this.fingerprints(this.master, keys);
    const caughtUp = offset === null || (applied !== null && applied >= offset);
    const now = Date.now();
    chunk.forEach((c, i) => {
      const m = before[i] ?? null;
      const rep = replicaFps[i] ?? null;
      const diff = compareFingerprints(m, rep, this.o.ttlToleranceMs);
      if (!diff) {
        this.resolved++;
        return;
      }
      // The round proves something only if the replica had caught up and the key held still.
      if (caughtUp && sameFingerprint(m, after[i] ?? null)) c.observed++;
      else c.inconclusive++;
      if (c.observed >= this.o.rounds) this.record(c, r, classify(diff, m, rep, now));
      else if (c.inconclusive >= this.o.rounds + 2) {
        const why = caughtUp ? "the key kept changing on the master" : `the replica stayed ${offset !== null && applied !== null ? offset - applied : "?"} bytes behind`;
        this.record(c, r, { kind: "unverified", detail: `${diff.detail}; not confirmed: ${why}` });
      } else this.pending.push({ ...c, dueAt: now + this.o.recheckDelayMs });
    });
  }

  private record(c: Candidate, r: number, d: { kind: CompareReport["differences"][number]["kind"]; detail: string }): void {
    const node = this.replicas[r]?.id ?? "?";
    this.log.add({ key: encodeKey(c.key), display: displayKey(c.key), node, kind: d.kind, detail: d.detail });
  }

  report(): CompareReport {
    const elapsed = Math.max(0.001, ((this.finishedAt ?? Date.now()) - this.startedAt) / 1000);
    const keysPerSec = Math.round(this.scanned / elapsed);
    const scanned = this.status === "done" ? Math.max(this.scanned, this.total) : Math.min(this.scanned, this.total);
    const left = Math.max(0, this.total - scanned);
    return {
      id: this.meta.id,
      topology: this.meta.topology,
      master: this.master.id,
      replicas: this.meta.replicas,
      match: this.o.match ?? null,
      db: this.o.db,
      status: this.status,
      phase: this.phase,
      startedAt: this.startedAt,
      finishedAt: this.finishedAt,
      scanned: this.status === "done" ? this.total : scanned,
      total: this.total,
      compared: this.compared,
      keysPerSec,
      etaSeconds: this.status === "running" && keysPerSec > 0 ? Math.ceil(left / keysPerSec) : null,
      counts: { ...this.log.counts },
      resolvedOnRecheck: this.resolved,
      contentNotCompared: this.contentNotCompared,
      truncated: this.log.truncated,
      maxKeysPerSec: this.o.maxKeysPerSec,
      error: this.error,
      differences: this.log.list(),
    };
  }
}

function sameFingerprint(a: KeyFingerprint | null, b: KeyFingerprint | null): boolean {
  if (!a || !b) return a === b;
  return a.type === b.type && a.length === b.length && a.digest === b.digest && a.expireAtMs === b.expireAtMs;
}

/** A key present on one side only whose expiry is (nearly) due is expiring, not divergent. */
function classify(diff: KeyDifference, m: KeyFingerprint | null, r: KeyFingerprint | null, now: number): { kind: CompareReport["differences"][number]["kind"]; detail: string } {
  const present = m ?? r;
  const existence = diff.kind === "missing-on-replica" || diff.kind === "only-on-replica";
  if (existence && present && present.expireAtMs !== -1 && present.expireAtMs - now <= EXPIRING_WINDOW_MS) {
    const inMs = present.expireAtMs - now;
    return { kind: "expiring", detail: `${diff.detail}; ${inMs <= 0 ? `expired ${-inMs} ms ago` : `expires in ${inMs} ms`}` };
  }
  return diff;
}
