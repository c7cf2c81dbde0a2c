// The pure parts of announcing alerts once among instances: adopting a previous owner's alerts
// (seedAlertState, holdAdopted, the `hold` input), what counts as a new announcement
// (alertRevision), and how an alert is stored in the ledger (bounded, validated on the way back).
import { test } from "node:test";
import assert from "node:assert/strict";
import { holdAdopted } from "../../lib/alerts/engine";
import {
  alertId,
  alertRevision,
  DEFAULT_ALERT_RULES,
  emptyAlertState,
  evaluateAlerts,
  FULL_RESYNC_ALERT_MS,
  seedAlertState,
  type Alert,
  type AlertNode,
} from "../../lib/alerts/rules";
import { MAX_ALERT_JSON, parseStoredAlert, storedAlertJson } from "../../lib/fleet/alert-ledger";

const T0 = 1_700_000_000_000;
const R = "10.0.0.2:6379";
const rules = { ...DEFAULT_ALERT_RULES, forSeconds: 0 };
const replica = (over: Partial<AlertNode> = {}): AlertNode => ({
  id: R,
  role: "replica",
  status: "up",
  masterId: "10.0.0.1:6379",
  lagBytes: 0,
  lagSeconds: 0,
  linkStatus: "up",
  readOnly: true,
  backlogSize: 1 << 26,
  ...over,
});
const linkDown: Alert = { id: alertId("main", "link-down", R), rule: "link-down", topology: "main", node: R, severity: "critical", text: `${R} lost its link`, since: T0 - 60_000 };
const input = (nodes: AlertNode[], now = T0, hold?: Set<string>) => ({ topology: "main", now, nodes, events: [], ...(hold ? { hold } : {}) });

test("an adopted alert whose cause persists is kept, not fired again; its since is the first owner's", () => {
  const step = evaluateAlerts(seedAlertState([linkDown]), input([replica({ linkStatus: "down", lagBytes: null })]), rules);
  assert.deepEqual(step.fired, []);
  assert.deepEqual(step.resolved, []);
  assert.equal(step.state.active[linkDown.id]?.since, linkDown.since);
});

test("an adopted alert whose cause is gone resolves on the first evaluation", () => {
  const step = evaluateAlerts(seedAlertState([linkDown]), input([replica()]), rules);
  assert.deepEqual(step.fired, []);
  assert.deepEqual(step.resolved.map((a) => a.id), [linkDown.id]);
});

test("an adopted alert of a higher severity than the rules give is kept; a lower one escalates", () => {
  const warning = { ...linkDown, severity: "warning" as const };
  const step = evaluateAlerts(seedAlertState([warning]), input([replica({ linkStatus: "down", lagBytes: null })]), rules);
  assert.deepEqual(step.fired.map((a) => a.severity), ["critical"]);
  assert.notEqual(alertRevision(step.fired[0]!), alertRevision(warning));
});

test("the ledger wins over the base state: a pending or different active entry of the same id is replaced", () => {
  const base = emptyAlertState();
  base.pending[linkDown.id] = T0 - 1000;
  base.pending["main/lag-bytes/x"] = T0 - 5;
  const seeded = seedAlertState([linkDown], base);
  assert.deepEqual(seeded.pending, { "main/lag-bytes/x": T0 - 5 });
  assert.equal(seeded.active[linkDown.id], linkDown);
  assert.deepEqual(base.active, {}, "the base is not mutated");
});

test("an adopted full resync resolves when its window ends; a later one in the base keeps it longer", () => {
  const fr: Alert = { id: alertId("main", "full-resync", R), rule: "full-resync", topology: "main", node: R, severity: "warning", text: "full", since: T0, value: 2 };
  assert.equal(seedAlertState([fr]).expires[fr.id], T0 + FULL_RESYNC_ALERT_MS);
  const base = emptyAlertState();
  base.expires[fr.id] = T0 + FULL_RESYNC_ALERT_MS + 9000;
  assert.equal(seedAlertState([fr], base).expires[fr.id], T0 + FULL_RESYNC_ALERT_MS + 9000);
  const late = evaluateAlerts(seedAlertState([fr]), input([replica()], T0 + FULL_RESYNC_ALERT_MS), rules);
  assert.deepEqual(late.resolved.map((a) => a.id), [fr.id]);
});

test("alertRevision: severity for threshold rules, severity and count for full resyncs", () => {
  assert.equal(alertRevision(linkDown), alertRevision({ ...linkDown, text: "other text", value: 7 }));
  const fr: Alert = { ...linkDown, rule: "full-resync", severity: "warning", value: 1 };
  assert.notEqual(alertRevision(fr), alertRevision({ ...fr, value: 2 }));
});

test("`hold` keeps an active alert whose node is absent instead of resolving it", () => {
  const seeded = seedAlertState([linkDown]);
  const held = evaluateAlerts(seeded, input([], T0, new Set([linkDown.id])), rules);
  assert.deepEqual(held.resolved, []);
  assert.ok(held.state.active[linkDown.id]);
  const judged = evaluateAlerts(seeded, input([]), rules);
  assert.deepEqual(judged.resolved.map((a) => a.id), [linkDown.id]);
});

test("holdAdopted: held until its node is seen or the time is up; then judged as usual", () => {
  const adopted = new Map([
    ["a", "n1"],
    ["b", "n2"],
  ]);
  assert.deepEqual([...holdAdopted(adopted, new Set(["n1"]), T0, T0 + 30_000)], ["b"]);
  assert.deepEqual([...adopted.keys()], ["b"], "a seen node's alert is no longer held, even if it disappears again");
  assert.deepEqual([...holdAdopted(adopted, new Set(), T0 + 30_000, T0 + 30_000)], []);
  assert.equal(adopted.size, 0);
});

test("stored alerts: text cut to fit, round trip, and anything else is not adopted", () => {
  const long = { ...linkDown, text: "x".repeat(10_000), value: 3 };
  const json = storedAlertJson(long);
  assert.ok(json !== null && Buffer.byteLength(json) <= MAX_ALERT_JSON);
  const back = parseStoredAlert(`critical\n${json}`, "main");
  assert.equal(back?.text.length, 1000);
  assert.deepEqual({ ...back, text: "" }, { ...long, text: "" });
  assert.equal(parseStoredAlert(`critical\n${json}`, "other"), null, "another topology's");
  assert.equal(parseStoredAlert(json ?? "", "main"), null, "no revision line");
  assert.equal(parseStoredAlert(`critical\n${JSON.stringify({ ...linkDown, rule: "made-up" })}`, "main"), null);
  assert.equal(parseStoredAlert("critical\n{not json", "main"), null);
  assert.equal(storedAlertJson({ ...linkDown, id: "y".repeat(5000) }), null, "an id too large to store");
});
