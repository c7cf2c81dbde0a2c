// Runs the pure alert rules for one topology once a second and delivers what fired or resolved:
// as timeline events, to the socket (active list), and to an optional webhook. With a ledger
// (several instances, see lib/fleet/alert-ledger.ts) an alert is announced only once its claim in
// the ledger says so, which keeps one announcement per alert whichever instance watches it.
import type { TimelineEvent, NodeEvent } from "../timeline/types";
import { ClaimQueue, type AlertClaims, type ClaimKind, type ClaimQueueStats } from "./claims";
import { emptyAlertState, evaluateAlerts, seedAlertState, type Alert, type AlertNode, type AlertRules, type AlertState, type ClusterAlertInput } from "./rules";
import { createWebhookSender } from "./webhook";

const MAX_PENDING_EVENTS = 1000;
/**
 * How long an adopted alert on a node this engine has not discovered yet is held instead of
 * resolved: a new owner finds replicas one poll round after another.
 */
export const ADOPTED_HOLD_MS = 30_000;

export interface AlertEngineOptions {
  /** Announce through this ledger (once per alert among instances); without it, announce at once. */
  ledger?: AlertClaims;
  adoptedHoldMs?: number;
  maxQueuedClaims?: number;
}

/**
 * Adopted alerts still to hold: those on a node not among `nodeIds`, until `until`. Ids whose node
 * was seen (or whose time is up) leave `adopted`: from then on the rules judge them as usual.
 */
export function holdAdopted(adopted: Map<string, string>, nodeIds: ReadonlySet<string>, now: number, until: number): Set<string> {
  const out = new Set<string>();
  for (const [id, node] of adopted) {
    if (nodeIds.has(node) || now >= until) adopted.delete(id);
    else out.add(id);
  }
  return out;
}

export class AlertEngine {
  private state: AlertState = emptyAlertState();
  private pendingEvents: TimelineEvent[] = [];
  private readonly webhook: ReturnType<typeof createWebhookSender> | null;
  private readonly claims: ClaimQueue | null;
  /** Adopted alert id → its node, while that node has not been seen (see holdAdopted). */
  private readonly adopted = new Map<string, string>();
  private adoptedUntil: number | null = null;
  private readonly adoptedHoldMs: number;
  /** Alerts announced as firing (here or, adopted, by a previous owner) and not resolved since. */
  private readonly announced = new Map<string, Alert>();
  private readonly ledger: AlertClaims | null;

  constructor(
    private readonly topology: string,
    private readonly rules: AlertRules,
    webhookUrl: string | undefined,
    private readonly record: (events: NodeEvent[], at: number) => void,
    opts: AlertEngineOptions = {},
  ) {
    this.webhook = webhookUrl ? createWebhookSender({ url: webhookUrl }) : null;
    this.adoptedHoldMs = opts.adoptedHoldMs ?? ADOPTED_HOLD_MS;
    this.ledger = opts.ledger ?? null;
    this.claims = opts.ledger
      ? new ClaimQueue(opts.ledger, { adopt: (alerts) => this.adopt(alerts), announce: (kind, a, at) => this.record([this.announce(kind, a)], at) }, opts.maxQueuedClaims)
      : null;
  }

  /** Timeline events since the last tick (full resyncs fire an alert of their own). */
  observe(events: TimelineEvent[]): void {
    for (const e of events) {
      if (e.kind.startsWith("alert:")) continue;
      // A new replica's first full sync is expected: a timeline entry, never an alert.
      if (e.kind === "sync:full-resync" && e.data?.reason === "new-replica") continue;
      if (this.pendingEvents.length < MAX_PENDING_EVENTS) this.pendingEvents.push(e);
    }
  }

  /** Sync by design (the monitor's loop calls it each second); ledger claims run behind it. */
  tick(now: number, nodes: readonly AlertNode[], cluster: ClusterAlertInput | null = null): void {
    let hold: Set<string> | undefined;
    if (this.adopted.size) {
      this.adoptedUntil ??= now + this.adoptedHoldMs;
      hold = holdAdopted(this.adopted, new Set(nodes.map((n) => n.id)), now, this.adoptedUntil);
    }
    const input = { topology: this.topology, now, nodes, events: this.pendingEvents, cluster, ...(hold ? { hold } : {}) };
    const step = evaluateAlerts(this.state, input, this.rules);
    this.pendingEvents = [];
    this.state = step.state;
    if (this.claims) {
      for (const a of step.fired) this.claims.push("firing", a, now);
      for (const a of step.resolved) this.claims.push("resolved", a, now);
      this.claims.kick();
      return;
    }
    const out = [...step.fired.map((a) => this.announce("firing", a)), ...step.resolved.map((a) => this.announce("resolved", a))];
    if (out.length) this.record(out, now);
  }

  /** What the rules say is active now, claimed or not yet (the socket and /metrics show it). */
  active(): Alert[] {
    return Object.values(this.state.active).sort((a, b) => (a.severity === b.severity ? a.since - b.since : a.severity === "critical" ? -1 : 1));
  }

  /**
   * The ledger lost its data (the coordination Redis restarted empty): puts back the alerts this
   * engine knows were announced, so a later owner adopts them instead of announcing them again.
   */
  async restoreLedger(): Promise<void> {
    await this.ledger?.restore?.([...this.announced.values()]);
  }

  /** The ledger queue's counters; null without a ledger. */
  claimStats(): ClaimQueueStats | null {
    return this.claims?.stats() ?? null;
  }

  async close(): Promise<void> {
    await this.claims?.close();
    await this.webhook?.close();
  }

  /** Sends the webhook and returns the timeline event for one announcement. */
  private announce(kind: ClaimKind, a: Alert): NodeEvent {
    if (kind === "firing") this.announced.set(a.id, a);
    else this.announced.delete(a.id);
    this.webhook?.send({ state: kind, alert: a });
    const node = a.node ?? this.topology;
    return kind === "firing"
      ? { kind: `alert:${a.rule}`, node, severity: a.severity, text: `ALERT ${a.text}`, data: { alert: a.id, state: "firing" } }
      : { kind: `alert:${a.rule}`, node, severity: "info", text: `resolved: ${a.text}`, data: { alert: a.id, state: "resolved" } };
  }

  /** Alerts a previous owner announced: active from now on, so they are neither fired again nor forgotten. */
  private adopt(alerts: Alert[]): void {
    const mine = alerts.filter((a) => a.topology === this.topology);
    this.state = seedAlertState(mine, this.state);
    for (const a of mine) {
      this.announced.set(a.id, a);
      if (a.node !== null) this.adopted.set(a.id, a.node);
    }
  }
}
