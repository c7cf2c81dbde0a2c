// Runs the pure alert rules for one topology once a second and delivers what fired or resolved:
// as timeline events, to the socket (active list), and to an optional webhook.
import type { NodeView } from "../monitor/types";
import type { TimelineEvent, NodeEvent } from "../timeline/types";
import { emptyAlertState, evaluateAlerts, type Alert, type AlertRules, type AlertState, type ClusterAlertInput } from "./rules";
import { createWebhookSender } from "./webhook";

const MAX_PENDING_EVENTS = 1000;

export class AlertEngine {
  private state: AlertState = emptyAlertState();
  private pendingEvents: TimelineEvent[] = [];
  private readonly webhook: ReturnType<typeof createWebhookSender> | null;

  constructor(
    private readonly topology: string,
    private readonly rules: AlertRules,
    webhookUrl: string | undefined,
    private readonly record: (events: NodeEvent[], at: number) => void,
  ) {
    this.webhook = webhookUrl ? createWebhookSender({ url: webhookUrl }) : null;
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

  tick(now: number, nodes: NodeView[], cluster: ClusterAlertInput | null = null): void {
    const step = evaluateAlerts(this.state, { topology: this.topology, now, nodes, events: this.pendingEvents, cluster }, this.rules);
    this.pendingEvents = [];
    this.state = step.state;
    const out: NodeEvent[] = [];
    for (const a of step.fired) {
      out.push({ kind: `alert:${a.rule}`, node: a.node ?? this.topology, severity: a.severity, text: `ALERT ${a.text}`, data: { alert: a.id, state: "firing" } });
      this.webhook?.send({ state: "firing", alert: a });
    }
    for (const a of step.resolved) {
      out.push({ kind: `alert:${a.rule}`, node: a.node ?? this.topology, severity: "info", text: `resolved: ${a.text}`, data: { alert: a.id, state: "resolved" } });
      this.webhook?.send({ state: "resolved", alert: a });
    }
    if (out.length) this.record(out, now);
  }

  active(): Alert[] {
    return Object.values(this.state.active).sort((a, b) => (a.severity === b.severity ? a.since - b.since : a.severity === "critical" ? -1 : 1));
  }

  async close(): Promise<void> {
    await this.webhook?.close();
  }
}
