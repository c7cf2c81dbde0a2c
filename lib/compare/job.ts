// Whole-keyspace compare of a master with its replicas, lag-aware (in the spirit of
// redis-full-check): SCAN the master, fingerprint each batch on both sides, then SCAN each replica
// for keys only it has. A mismatch is only a candidate: it is re-checked in later rounds, and it
// counts only when, in `rounds` observations, the replica had applied the master's offset noted
// after the master read and the master's value did not change around the replica read. Keys that
// vanish by expiry get their own kind; keys too hot to pin down are "unverified", not differences.
import type Redis from "ioredis";
import { setTimeout as sleep } from "node:timers/promises";
import { encodeKey, displayKey } from "../keys/codec";
import { missingKeys, readBatchDigest, sameBatch } from "../redis/batch-digest";
import { runEngine } from "../keyspace/engine";
import { Serial } from "../keyspace/serial";
import { scanWalk } from "../keyspace/scan-source";
import { compareFingerprints, type KeyDifference, type KeyFingerprint } from "../redis/fingerprint";
import { readReplOffset, waitForOffset } from "../redis/offsets";
import { RateLimiter } from "../keyspace/rate-limit";
import { readWriteMarks, replicaScanNeedless, type WriteMarks } from "./quiet";
import { readFingerprintsFast } from "../redis/script-fingerprint";
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
/** Names per batch-digest call: about 0.8 ms of server time on small values, so a PING waits little behind one. */
const DIGEST_KEYS = 192;

export class CompareJob {
  private readonly o: Required<Omit<CompareJobOptions, "match">> & { match?: string };
  private readonly log: DifferenceLog;
  private readonly limiter: RateLimiter;
  private pending: Candidate[] = [];
  private readonly lagging = new Set<number>();
  /** One batch-digest call at a time per node (../keyspace/serial). */
  private readonly serials = new Map<CompareNode, Serial>();
  /** Replicas where some key was seen on one side only during the master pass (or re-checks). */
  private readonly existenceDiffers = new Set<number>();
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
  private readonly replicaScans: { node: string; ran: boolean; why: string }[] = [];

  constructor(
    private readonly meta: CompareJobMeta,
    private readonly master: CompareNode,
    private readonly replicas: CompareNode[],
    opts: CompareJobOptions,
  ) {
    this.o = {
      ttlToleranceMs: 1000, maxKeysPerSec: 50_000, batch: 1000, rounds: 3, recheckDelayMs: 100, catchUpMs: 5000,
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
      const beforeAt = Math.floor(Date.now() / 1000);
      const before = await this.writeMarks();
      await this.scanNode(this.master, signal, (keys) => this.compareBatch(keys, signal));
      const after = await this.writeMarks();
      this.phase = "replicas";
      for (let i = 0; i < this.replicas.length && !signal.aborted; i++) {
        const replica = this.replicas[i] as CompareNode;
        const needless = replicaScanNeedless({
          match: this.o.match,
          beforeAt,
          master: { before: before[0] ?? null, after: after[0] ?? null },
          replica: { before: before[i + 1] ?? null, after: after[i + 1] ?? null },
          allMasterKeysFound: !this.existenceDiffers.has(i),
        });
        this.replicaScans.push({ node: replica.id, ran: needless === null, why: needless ?? "keys only the replica has are looked up on the master" });
        if (needless === null) await this.scanNode(replica, signal, (keys) => this.findReplicaOnly(i, keys));
        else this.total -= sizes[i + 1] ?? 0; // progress: that replica's keys will not be scanned
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

  /** Write counters of the master then each replica (null where INFO could not say). */
  private writeMarks(): Promise<(WriteMarks | null)[]> {
    return Promise.all([this.master, ...this.replicas].map((n) => readWriteMarks(n.redis, this.o.db).catch(() => null)));
  }

  /**
   * SCAN one node through the keyspace engine: the next SCAN is in flight while batches are being
   * compared, IN_FLIGHT batches at most, each charged to the rate limit before it is read.
   */
  private async scanNode(node: CompareNode, signal: AbortSignal, handle: (keys: Buffer[]) => Promise<void>): Promise<void> {
    await runEngine({
      source: scanWalk(node.redis, { filter: { match: this.o.match }, count: this.o.batch, signal }),
      batchKeys: this.o.batch,
      window: IN_FLIGHT,
      limiter: this.limiter,
      signal,
      read: handle,
      onStep: (step) => (this.scanned += step.examined),
      write: async () => {
        if (this.pending.length > 0) await this.recheckDue(signal, this.pending.length > MAX_PENDING);
      },
    }).catch((err: unknown) => {
      if (!signal.aborted) throw err;
    });
  }

  private fingerprints(node: CompareNode, keys: Buffer[]): Promise<(KeyFingerprint | null)[]> {
    return readFingerprintsFast(node.redis, keys, { db: this.o.db, maxElements: this.o.maxElements, maxStringBytes: this.o.maxStringBytes, batch: Math.min(this.o.batch, 1000) });
  }

  /**
   * Batch digests first (../redis/batch-digest), on the master and every replica at once: equal
   * digests mean equal keys, whatever the replication offsets, so this path waits for nothing.
   * Only the keys a digest left out, and every key of a batch that differs anywhere (a real
   * difference, or a replica behind), go through the per-key path, which waits for the replica
   * to catch up and turns differences into candidates.
   */
  private async compareBatch(keys: Buffer[], signal: AbortSignal): Promise<void> {
    const slow: Buffer[] = [];
    const opts = { maxStringBytes: this.o.maxStringBytes };
    const digest = (n: CompareNode, names: Buffer[]) => this.serial(n).run(() => readBatchDigest(n.redis, names, opts));
    // The master walks the batch call after call; each range it covered goes to the replicas
    // (their own queues) without holding the master's next call back.
    const ranges: Promise<void>[] = [];
    for (let from = 0; from < keys.length && !signal.aborted; ) {
      // A call covers about DIGEST_KEYS names (its work budget); sending more would only be sent again.
      const part = keys.slice(from, from + DIGEST_KEYS);
      const m = await digest(this.master, part);
      if (!m) {
        slow.push(...keys.slice(from)); // scripts refused: the per-key path reads everything
        break;
      }
      const names = part.slice(0, m.processed);
      const check = Promise.all(this.replicas.map((r) => digest(r, names))).then((reps) => {
        // A replica may stop earlier at its own budget (encodings differ): then they differ.
        if (reps.every((d) => d !== null && sameBatch(m, d))) for (const i of m.skipped) slow.push(names[i] as Buffer);
        else slow.push(...names);
      });
      check.catch(() => undefined); // awaited below
      ranges.push(check);
      from += m.processed;
    }
    await Promise.all(ranges);
    if (slow.length > 0) await this.compareKeys(slow, signal);
    this.compared += keys.length;
  }

  private serial(n: CompareNode): Serial {
    let s = this.serials.get(n);
    if (!s) {
      s = new Serial();
      this.serials.set(n, s);
    }
    return s;
  }

  /**
   * Waits for replica r to apply the master's offset. A replica that could not catch up last time
   * gets a short wait: its candidates are re-checked anyway, and a down link must not stall every
   * batch for catchUpMs.
   */
  private async catchUp(r: number, offset: number | null, signal: AbortSignal): Promise<void> {
    if (offset === null) return;
    const replica = this.replicas[r] as CompareNode;
    const applied = await waitForOffset(replica.redis, offset, this.lagging.has(r) ? 50 : this.o.catchUpMs, signal);
    if (applied !== null && applied >= offset) this.lagging.delete(r);
    else this.lagging.add(r);
  }

  /** Fingerprints on every node, key by key: differences become candidates. */
  private async compareKeys(keys: Buffer[], signal: AbortSignal): Promise<void> {
    const masterFps = await this.fingerprints(this.master, keys);
    const offset = await readReplOffset(this.master.redis);
    await Promise.all(
      this.replicas.map(async (replica, r) => {
        await this.catchUp(r, offset, signal);
        const replicaFps = await this.fingerprints(replica, keys);
        keys.forEach((key, i) => {
          const m = masterFps[i] ?? null;
          const rep = replicaFps[i] ?? null;
          const diff = compareFingerprints(m, rep, this.o.ttlToleranceMs);
          if (diff) {
            if (m === null || rep === null) this.existenceDiffers.add(r);
            this.enqueue(key, r);
          }
          else if (m && rep && (m.digest === null || rep.digest === null)) this.contentNotCompared++;
        });
      }),
    );
  }

  /** Replica keys the master does not have (one EXISTS script per batch on the master) become candidates. */
  private async findReplicaOnly(replica: number, keys: Buffer[]): Promise<void> {
    for (const i of await missingKeys(this.master.redis, keys)) this.enqueue(keys[i] as Buffer, replica);
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
      if (m === null || rep === null) this.existenceDiffers.add(r);
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
      replicaScans: this.replicaScans.map((x) => ({ ...x })),
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
