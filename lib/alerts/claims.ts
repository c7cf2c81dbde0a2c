// Announcing alerts through a shared ledger, so that among several replscope instances (and across
// a change of the instance that watches a topology) each alert is announced once. The ledger's
// calls are async and may fail; the engine's tick is sync, once a second. This queue sits between:
// it takes what the rules fired and resolved, claims each in order (one call in flight), and calls
// `announce` only for a claim that answered "announce". A failed call stays at the head and is
// retried on the next kick (the engine kicks every tick); "fenced" means this instance lost the
// topology: everything queued is dropped, the new owner announces from its own evaluation.
import { randomUUID } from "node:crypto";
import type { Alert } from "./rules";

export type FiringClaim = "announce" | "known" | "fenced" | "refused";
export type ResolvedClaim = "announce" | "unknown" | "fenced";

/** What the engine needs of a ledger (lib/fleet/alert-ledger.ts is the Redis one). */
export interface AlertClaims {
  /**
   * "announce": this call recorded it (or a retry of this claimId whose first try did); "known":
   * already announced; "fenced": the caller's lease is no longer current; "refused": not
   * recordable (ledger full, alert too large): it is not announced.
   */
  claimFiring(alert: Alert, claimId?: string): Promise<FiringClaim>;
  claimResolved(alertId: string, claimId?: string): Promise<ResolvedClaim>;
  /** The alerts announced as firing and not resolved (bounded). */
  active(): Promise<Alert[]>;
  /**
   * Records alerts already announced, without announcing them again (fenced; entries present are
   * kept): after the coordination Redis lost its data, the owner puts back what it had announced.
   */
  restore?(alerts: readonly Alert[]): Promise<void>;
}

export type ClaimKind = "firing" | "resolved";

interface Op {
  kind: ClaimKind;
  alert: Alert;
  /** When the rules fired / resolved it: the timeline event's time, however late the claim answers. */
  at: number;
  /** Reused on every retry of this op, so one that went through unseen still announces. */
  claimId: string;
}

export interface ClaimQueueStats {
  queued: number;
  /** A ledger call is in flight. */
  busy: boolean;
  /** Ops dropped because the queue was full (the oldest go first). */
  dropped: number;
  /** Claims the ledger refused (full, too large): not announced. */
  refused: number;
  loaded: boolean;
  fenced: boolean;
  /** The last failed ledger call, cleared by the next success. */
  lastError: string | null;
}

export interface ClaimQueueHooks {
  /** The ledger's active alerts, once, before any claim: the engine adopts them. */
  adopt(alerts: Alert[]): void;
  announce(kind: ClaimKind, alert: Alert, at: number): void;
}

export const MAX_QUEUED_CLAIMS = 1000;

export class ClaimQueue {
  private ops: Op[] = [];
  private running: Promise<void> | null = null;
  private loaded = false;
  private fenced = false;
  private closed = false;
  private dropped = 0;
  private refused = 0;
  private lastError: string | null = null;

  constructor(
    private readonly ledger: AlertClaims,
    private readonly hooks: ClaimQueueHooks,
    private readonly maxOps = MAX_QUEUED_CLAIMS,
  ) {}

  push(kind: ClaimKind, alert: Alert, at: number): void {
    if (this.fenced || this.closed) return;
    this.ops.push({ kind, alert, at, claimId: randomUUID() });
    if (this.ops.length > this.maxOps) {
      this.ops.shift();
      this.dropped++;
    }
  }

  /** Starts a pass over the queue unless one is running (or there is nothing to do). */
  kick(): void {
    if (this.running || this.fenced || this.closed || (this.loaded && this.ops.length === 0)) return;
    this.running = this.pass().finally(() => (this.running = null));
  }

  stats(): ClaimQueueStats {
    return { queued: this.ops.length, busy: this.running !== null, dropped: this.dropped, refused: this.refused, loaded: this.loaded, fenced: this.fenced, lastError: this.lastError };
  }

  /** No new passes; waits for the call in flight, whose "announce" is still honoured (the ledger says it was made). */
  async close(): Promise<void> {
    this.closed = true;
    await this.running;
  }

  private async pass(): Promise<void> {
    try {
      if (!this.loaded) {
        const alerts = await this.ledger.active();
        this.loaded = true;
        this.lastError = null;
        // The ledger wins for the ids it holds: what was claimed before it answered is re-derived
        // by the next evaluation from the adopted alerts.
        const ids = new Set(alerts.map((a) => a.id));
        this.ops = this.ops.filter((op) => !ids.has(op.alert.id));
        this.hooks.adopt(alerts);
      }
      for (let op = this.ops.shift(); op; op = this.closed ? undefined : this.ops.shift()) {
        let answer: FiringClaim | ResolvedClaim;
        try {
          answer = op.kind === "firing" ? await this.ledger.claimFiring(op.alert, op.claimId) : await this.ledger.claimResolved(op.alert.id, op.claimId);
        } catch (err) {
          this.ops.unshift(op);
          throw err;
        }
        this.lastError = null;
        if (answer === "announce") this.hooks.announce(op.kind, op.alert, op.at);
        else if (answer === "refused") this.refused++;
        else if (answer === "fenced") {
          this.fenced = true;
          this.ops = [];
        }
      }
    } catch (err) {
      this.lastError = err instanceof Error ? err.message : String(err);
    }
  }
}
