// Alert rules: a pure step function from (previous state, what the monitor sees now) to
// (next state, what fired, what resolved). No clock and no I/O, so every sequence is replayable.
import { z } from "zod";
import { formatBytes, formatDuration } from "../format";
import type { TimelineEvent } from "../timeline/types";

export const AlertRulesSchema = z.strictObject({
  /** Replica this many bytes behind its master's offset. */
  lagBytes: z.number().nonnegative().default(1024 * 1024),
  /** Replica whose last ack is this many seconds old. */
  lagSeconds: z.number().nonnegative().default(10),
  /** A threshold condition must hold this long before it fires, so brief spikes stay quiet. */
  forSeconds: z.number().nonnegative().default(10),
  /** Fire "replicas-missing" when fewer replicas than this are up. Unset: rule off. */
  expectedReplicas: z.number().int().nonnegative().optional(),
  /** Warn when byte lag exceeds this share of the master's repl_backlog_size. */
  backlogShare: z.number().positive().max(1).default(0.5),
  fullResync: z.boolean().default(true),
  writableReplica: z.boolean().default(true),
  linkDown: z.boolean().default(true),
  /**
   * Persistence panel: no successful RDB save for this many hours is a hazard (badge "no save for
   * …"), on nodes with save points set. Not an alert of its own.
   */
  noSaveHours: z.number().positive().max(24 * 365).default(24),
});
export type AlertRules = z.output<typeof AlertRulesSchema>;
export type AlertRulesInput = z.input<typeof AlertRulesSchema>;
export const DEFAULT_ALERT_RULES: AlertRules = AlertRulesSchema.parse({});

export type AlertRule =
  | "lag-bytes"
  | "lag-seconds"
  | "link-down"
  | "replicas-missing"
  | "full-resync"
  | "writable-replica"
  | "backlog-coverage"
  | "node-down"
  | "cluster-slots-uncovered"
  | "cluster-state-fail"
  | "cluster-slots-on-failed-master";

export interface Alert {
  /** Stable for one rule on one node of one topology: fired and resolved share it. */
  id: string;
  rule: AlertRule;
  topology: string;
  node: string | null;
  severity: "warning" | "critical";
  text: string;
  /** When the condition started (for threshold rules: first seen, not when it fired). */
  since: number;
  value?: number;
}

export interface AlertNode {
  id: string;
  role: "master" | "replica" | "unknown";
  status: "up" | "down";
  masterId: string | null;
  lagBytes: number | null;
  lagSeconds: number | null;
  linkStatus: "up" | "down" | null;
  readOnly: boolean | null;
  /** repl_backlog_size of this node's master. */
  backlogSize: number | null;
  /** Replica: does its master answer right now (false: the lag figures cannot be known). */
  masterAnswering?: boolean | null;
  /** The PSYNC replay on ordered samples (what the card says): false = a drop now means FULL. */
  canPartialResync?: boolean | null;
}

/** A Redis Cluster topology's coverage, from lib/cluster/alert-input. */
export interface ClusterAlertInput {
  /** false: the latest reading failed or is old; the cluster alerts are then held as they are. */
  current: boolean;
  state: "ok" | "fail" | "unknown";
  uncoveredCount: number;
  /** Ranges as text ("0-5460, 5462"). */
  uncovered: string;
  /** Slots whose master is FAIL. */
  failCount: number;
  fail: string;
}

export interface AlertInput {
  topology: string;
  now: number;
  nodes: readonly AlertNode[];
  /** Present for a cluster topology. */
  cluster?: ClusterAlertInput | null;
  /** Timeline events that arrived since the previous evaluation. */
  events: TimelineEvent[];
  /**
   * Active alerts the caller cannot judge yet (adopted from a previous owner, their node not
   * discovered again): held like undecidable ones.
   */
  hold?: ReadonlySet<string>;
}

export interface AlertState {
  /** Condition id -> when it was first seen true in an unbroken run of evaluations. */
  pending: Record<string, number>;
  active: Record<string, Alert>;
  /** Event-driven alerts (full-resync) -> when they resolve on their own. */
  expires: Record<string, number>;
}

export interface AlertStep {
  state: AlertState;
  /** Newly firing alerts, and active ones whose severity went up (same id). */
  fired: Alert[];
  resolved: Alert[];
}

/** A full resync stays an alert this long after the last one, then resolves by itself. */
export const FULL_RESYNC_ALERT_MS = 5 * 60_000;
/** Bound on active plus pending alerts, whatever the input looks like. */
export const MAX_ALERTS = 500;

export function emptyAlertState(): AlertState {
  return { pending: {}, active: {}, expires: {} };
}

export function alertId(topology: string, rule: AlertRule, node: string | null): string {
  return `${topology}/${rule}/${node ?? "*"}`;
}

type Condition = Omit<Alert, "since" | "topology">;

/**
 * Alerts whose condition cannot be judged right now (the node or its master does not answer, the
 * lag is unknown): they neither resolve nor restart their hold time — an alert only resolves on
 * evidence that its cause is gone.
 */
export function undecidable(input: AlertInput): Set<string> {
  const out = new Set<string>();
  const hold = (rule: AlertRule, node: string) => out.add(alertId(input.topology, rule, node));
  for (const n of input.nodes) {
    if (n.status === "down") {
      for (const rule of ["lag-bytes", "lag-seconds", "link-down", "writable-replica", "backlog-coverage"] as const) hold(rule, n.id);
      continue;
    }
    if (n.role !== "replica") continue;
    if (n.masterAnswering === false) {
      for (const rule of ["lag-bytes", "lag-seconds", "backlog-coverage"] as const) hold(rule, n.id);
    }
    if (n.lagBytes === null) {
      hold("lag-bytes", n.id);
      hold("backlog-coverage", n.id);
    }
    if (n.lagSeconds === null) hold("lag-seconds", n.id);
  }
  if (input.cluster && !input.cluster.current) {
    out.add(alertId(input.topology, "cluster-slots-uncovered", null));
    out.add(alertId(input.topology, "cluster-state-fail", null));
    out.add(alertId(input.topology, "cluster-slots-on-failed-master", null));
  }
  return out;
}

/** Threshold conditions that are true right now. */
export function currentConditions(input: AlertInput, rules: AlertRules): Condition[] {
  const out: Condition[] = [];
  const add = (rule: AlertRule, node: string | null, severity: Alert["severity"], text: string, value?: number) =>
    out.push({ id: alertId(input.topology, rule, node), rule, node, severity, text, ...(value === undefined ? {} : { value }) });

  for (const n of input.nodes) {
    if (n.status === "down") {
      add("node-down", n.id, "critical", `${n.id} is not answering`);
      continue; // the rest would be judged on stale numbers
    }
    if (n.role !== "replica") continue;
    const master = n.masterId ?? "its master";
    // A frozen master's last numbers are not news about its replicas.
    if (n.masterAnswering === false) {
      if (rules.writableReplica && n.readOnly === false) {
        add("writable-replica", n.id, "warning", `${n.id} accepts writes (replica-read-only is off); they never reach ${master} and vanish on the next full resync`);
      }
      if (rules.linkDown && n.linkStatus === "down") add("link-down", n.id, "critical", `${n.id} lost its link to ${master}`);
      continue;
    }
    if (rules.linkDown && n.linkStatus === "down") add("link-down", n.id, "critical", `${n.id} lost its link to ${master}`);
    if (n.lagBytes !== null && n.lagBytes > rules.lagBytes) {
      add("lag-bytes", n.id, "warning", `${n.id} is ${formatBytes(n.lagBytes)} behind ${master} (limit ${formatBytes(rules.lagBytes)})`, n.lagBytes);
    }
    if (n.lagSeconds !== null && n.lagSeconds > rules.lagSeconds) {
      add("lag-seconds", n.id, "warning", `${n.id} last acknowledged ${master} ${formatDuration(n.lagSeconds * 1000)} ago (limit ${formatDuration(rules.lagSeconds * 1000)})`, n.lagSeconds);
    }
    if (rules.writableReplica && n.readOnly === false) {
      add("writable-replica", n.id, "warning", `${n.id} accepts writes (replica-read-only is off); they never reach ${master} and vanish on the next full resync`);
    }
    if (n.canPartialResync === false && n.linkStatus === "up") {
      // The same replay the card shows: the backlog no longer holds what this replica would ask for.
      add("backlog-coverage", n.id, "critical", `${n.id}: the master's backlog no longer covers it: a reconnect now means a full resync`, 1);
    } else if (n.lagBytes !== null && n.backlogSize !== null && n.backlogSize > 0 && n.lagBytes > rules.backlogShare * n.backlogSize) {
      const share = n.lagBytes / n.backlogSize;
      const beyond = n.lagBytes >= n.backlogSize;
      add(
        "backlog-coverage",
        n.id,
        beyond ? "critical" : "warning",
        beyond
          ? `${n.id} is ${formatBytes(n.lagBytes)} behind, more than the ${formatBytes(n.backlogSize)} backlog: a reconnect now means a full resync`
          : `${n.id} is ${formatBytes(n.lagBytes)} behind, ${Math.round(share * 100)}% of the ${formatBytes(n.backlogSize)} backlog: close to needing a full resync`,
        share,
      );
    }
  }

  const c = input.cluster;
  if (c?.current) {
    // Keys in a slot no master claims cannot be read or written, whatever cluster_state says.
    if (c.uncoveredCount > 0) {
      add("cluster-slots-uncovered", null, "critical", `${c.uncoveredCount} slot${c.uncoveredCount === 1 ? " is" : "s are"} served by no master in ${input.topology}: ${c.uncovered}`, c.uncoveredCount);
    }
    // With cluster-require-full-coverage no, cluster_state stays ok while a FAIL master with no
    // replica to take over leaves its slots unserved: that needs saying on its own.
    if (c.failCount > 0 && c.state !== "fail") {
      add("cluster-slots-on-failed-master", null, "critical", `${c.failCount} slot${c.failCount === 1 ? " is" : "s are"} on a master the cluster marks FAIL in ${input.topology} (${c.fail}): keys there cannot be read or written until a replica takes over`, c.failCount);
    }
    if (c.state === "fail") {
      const why = [c.uncoveredCount ? `${c.uncoveredCount} slots unclaimed` : "", c.failCount ? `${c.failCount} slots on a FAIL master (${c.fail})` : ""].filter(Boolean).join(", ");
      add("cluster-state-fail", null, "critical", `cluster_state is fail in ${input.topology}: the cluster refuses queries${why ? ` (${why})` : ""}`, 1);
    }
  }

  if (rules.expectedReplicas !== undefined) {
    const up = input.nodes.filter((n) => n.role === "replica" && n.status === "up").length;
    if (up < rules.expectedReplicas) {
      add("replicas-missing", null, up === 0 ? "critical" : "warning", `${up} of ${rules.expectedReplicas} expected replicas are up in ${input.topology}`, up);
    }
  }
  return out;
}

const rank = (s: Alert["severity"]) => (s === "critical" ? 2 : 1);

export function evaluateAlerts(prev: AlertState, input: AlertInput, rules: AlertRules): AlertStep {
  const { now, topology } = input;
  const holdMs = rules.forSeconds * 1000;
  const next = emptyAlertState();
  const fired: Alert[] = [];
  const resolved: Alert[] = [];
  let tracked = 0;

  const seen = new Set<string>();
  const held = undecidable(input);
  for (const id of input.hold ?? []) held.add(id);
  for (const c of currentConditions(input, rules)) {
    seen.add(c.id);
    const was = prev.active[c.id];
    if (was) {
      // Escalate in place (same id) so the operator hears about it; never quietly de-escalate.
      const escalated = rank(c.severity) > rank(was.severity) ? { ...was, severity: c.severity, text: c.text, ...(c.value === undefined ? {} : { value: c.value }) } : was;
      if (escalated !== was) fired.push(escalated);
      next.active[c.id] = escalated;
      tracked++;
      continue;
    }
    if (tracked >= MAX_ALERTS) continue;
    tracked++;
    const since = prev.pending[c.id] ?? now;
    if (now - since >= holdMs) {
      const alert: Alert = { ...c, topology, since };
      next.active[c.id] = alert;
      fired.push(alert);
    } else next.pending[c.id] = since;
  }
  for (const a of Object.values(prev.active)) {
    if (a.rule === "full-resync" || seen.has(a.id)) continue;
    if (held.has(a.id)) {
      next.active[a.id] = a;
      tracked++;
    } else resolved.push(a);
  }
  for (const [id, since] of Object.entries(prev.pending)) {
    if (!seen.has(id) && held.has(id) && tracked < MAX_ALERTS) {
      next.pending[id] = since;
      tracked++;
    }
  }

  // Event-driven: a full resync fires at once, and repeats within the window re-fire with a count.
  const resyncing = new Set(input.events.filter((e) => e.kind === "sync:full-resync" && e.topology === topology).map((e) => alertId(topology, "full-resync", e.node)));
  for (const a of Object.values(prev.active)) {
    if (a.rule !== "full-resync") continue;
    const until = prev.expires[a.id] ?? a.since + FULL_RESYNC_ALERT_MS;
    if (!rules.fullResync) resolved.push(a);
    else if (now >= until) {
      // Expired just as another resync came in: that one starts a fresh run under the same id.
      if (!resyncing.has(a.id)) resolved.push(a);
    } else {
      next.active[a.id] = a;
      next.expires[a.id] = until;
      tracked++;
    }
  }
  if (rules.fullResync) {
    for (const e of input.events) {
      if (e.kind !== "sync:full-resync" || e.topology !== topology) continue;
      const id = alertId(topology, "full-resync", e.node);
      const was = next.active[id];
      if (!was && tracked >= MAX_ALERTS) continue;
      if (!was) tracked++;
      const count = (was?.value ?? 0) + 1;
      const alert: Alert = {
        id,
        rule: "full-resync",
        topology,
        node: e.node,
        severity: "warning",
        text: fullResyncText(e, count),
        since: was?.since ?? e.at,
        value: count,
      };
      next.active[id] = alert;
      next.expires[id] = Math.max(next.expires[id] ?? 0, e.at + FULL_RESYNC_ALERT_MS);
      fired.push(alert);
    }
  }
  return { state: next, fired, resolved };
}

/**
 * `base` with `announced` (alerts another instance already announced, e.g. from the fleet's alert
 * ledger) made active: they win over what `base` holds under the same id (they are what the
 * operator was told), and the next evaluation keeps, escalates or resolves them like its own. A
 * full resync's run end is not stored with it: it is taken as its first resync plus the window,
 * unless `base` saw a later one.
 */
export function seedAlertState(announced: readonly Alert[], base: AlertState = emptyAlertState()): AlertState {
  const ids = new Set(announced.map((a) => a.id));
  const keep = <T>(r: Record<string, T>) => Object.fromEntries(Object.entries(r).filter(([id]) => !ids.has(id)));
  const next: AlertState = { pending: keep(base.pending), active: { ...base.active }, expires: keep(base.expires) };
  for (const a of announced) {
    next.active[a.id] = a;
    if (a.rule === "full-resync") next.expires[a.id] = Math.max(base.expires[a.id] ?? 0, a.since + FULL_RESYNC_ALERT_MS);
  }
  return next;
}

/**
 * What makes a firing alert news under an id already announced: a higher severity, or another
 * full resync in the run (its count). Two announcements with the same revision are one.
 */
export function alertRevision(a: Alert): string {
  return a.rule === "full-resync" ? `${a.severity}#${a.value ?? 1}` : a.severity;
}

/** A full resync alert's text; one the master counted for a replica the polls cannot tell is the master's (its event says so). */
function fullResyncText(e: TimelineEvent, count: number): string {
  const served = e.data?.replica === null;
  if (count === 1) return served ? e.text : `${e.node} needed a full resync: ${e.text}`;
  return `${e.node} ${served ? "served" : "needed"} ${count} full resyncs within ${formatDuration(FULL_RESYNC_ALERT_MS)} of each other: ${e.text}`;
}
