// The engine with a ledger, on an in-process ledger (the Redis one is tested in
// tests/integration/fleet-alerts.test.ts): announcements follow claims, failed calls are retried on
// the next tick, a fenced claim silences the engine, an adopted alert is not fired again.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { AlertClaims, FiringClaim, ResolvedClaim } from "../../lib/alerts/claims";
import { AlertEngine } from "../../lib/alerts/engine";
import { alertId, alertRevision, DEFAULT_ALERT_RULES, type Alert, type AlertNode } from "../../lib/alerts/rules";
import type { NodeEvent } from "../../lib/timeline/types";
import { waitFor } from "../support/wait";

const T0 = 1_700_000_000_000;
const R = "10.0.0.2:6379";
const rules = { ...DEFAULT_ALERT_RULES, forSeconds: 0 };
const replica = (linkStatus: "up" | "down"): AlertNode => ({
  id: R,
  role: "replica",
  status: "up",
  masterId: "10.0.0.1:6379",
  lagBytes: linkStatus === "up" ? 0 : null,
  lagSeconds: 0,
  linkStatus,
  readOnly: true,
  backlogSize: 1 << 26,
});
const ID = alertId("main", "link-down", R);

/** A ledger in memory with the Redis one's answers; `down` makes every call fail, `fenced` refuses writes. */
class MemoryLedger implements AlertClaims {
  readonly alerts = new Map<string, Alert>();
  down = false;
  fenced = false;
  calls: string[] = [];
  inFlight = 0;
  maxInFlight = 0;
  async claimFiring(a: Alert): Promise<FiringClaim> {
    await this.check(`firing ${a.id}`);
    if (this.fenced) return "fenced";
    const old = this.alerts.get(a.id);
    if (old && alertRevision(old) === alertRevision(a)) return "known";
    this.alerts.set(a.id, a);
    return "announce";
  }
  async claimResolved(id: string): Promise<ResolvedClaim> {
    await this.check(`resolved ${id}`);
    if (this.fenced) return "fenced";
    return this.alerts.delete(id) ? "announce" : "unknown";
  }
  async active(): Promise<Alert[]> {
    await this.check("active");
    return [...this.alerts.values()];
  }
  /** Answers a turn of the event loop later, like a network call, counting overlapping calls. */
  private async check(what: string): Promise<void> {
    this.calls.push(what);
    this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
    await new Promise((r) => setImmediate(r));
    this.inFlight--;
    if (this.down) throw new Error("connection is closed");
  }
}

function engine(ledger: AlertClaims) {
  const recorded: { text: string; state: unknown; at: number }[] = [];
  const e = new AlertEngine("main", rules, undefined, (events: NodeEvent[], at) => recorded.push(...events.map((ev) => ({ text: ev.text, state: ev.data?.state, at }))), { ledger, adoptedHoldMs: 5000 });
  return { e, recorded };
}
const settled = (e: AlertEngine) => waitFor("claims settled", () => e.claimStats(), (s) => s !== null && s.loaded && s.queued === 0 && !s.busy);

test("fires once on claim; a fresh engine on the same ledger adopts it quietly and resolves it once", async () => {
  const ledger = new MemoryLedger();
  const one = engine(ledger);
  one.e.tick(T0, [replica("down")]);
  assert.deepEqual(one.e.active().map((a) => a.id), [ID], "active before the claim answers");
  await settled(one.e);
  one.e.tick(T0 + 1000, [replica("down")]);
  await settled(one.e);
  assert.deepEqual(one.recorded, [{ text: `ALERT ${R} lost its link to 10.0.0.1:6379`, state: "firing", at: T0 }]);

  const two = engine(ledger);
  two.e.tick(T0 + 5000, [replica("down")]);
  await settled(two.e);
  two.e.tick(T0 + 6000, [replica("down")]);
  await settled(two.e);
  assert.equal(two.recorded.length, 0);
  assert.deepEqual(two.e.active().map((a) => a.since), [T0], "the first owner's alert, adopted");
  two.e.tick(T0 + 7000, [replica("up")]);
  two.e.tick(T0 + 8000, [replica("up")]);
  await settled(two.e);
  assert.deepEqual(two.recorded.map((r) => [r.state, r.at]), [["resolved", T0 + 7000]]);
  assert.equal(ledger.alerts.size, 0);
});

test("adopted alert of a node not seen yet is held, then resolved when the hold ends", async () => {
  const ledger = new MemoryLedger();
  ledger.alerts.set(ID, { id: ID, rule: "link-down", topology: "main", node: R, severity: "critical", text: "t", since: T0 });
  const { e, recorded } = engine(ledger);
  e.tick(T0, []);
  await settled(e);
  e.tick(T0 + 1000, []);
  e.tick(T0 + 4000, []);
  await settled(e);
  assert.equal(recorded.length, 0);
  assert.equal(e.active().length, 1);
  e.tick(T0 + 6000, []);
  await settled(e);
  assert.deepEqual(recorded.map((r) => r.state), ["resolved"]);
});

test("ledger down: nothing announced, the alert stays active; announced once when it is back", async () => {
  const ledger = new MemoryLedger();
  ledger.down = true;
  const { e, recorded } = engine(ledger);
  for (let s = 0; s < 3; s++) {
    e.tick(T0 + s * 1000, [replica("down")]);
    await waitFor("a failed call", () => e.claimStats(), (st) => st?.lastError === "connection is closed");
  }
  assert.equal(recorded.length, 0);
  assert.equal(e.active().length, 1);
  assert.equal(e.claimStats()?.queued, 1);
  ledger.down = false;
  e.tick(T0 + 3000, [replica("down")]);
  await settled(e);
  e.tick(T0 + 4000, [replica("down")]);
  await settled(e);
  assert.deepEqual(recorded.map((r) => [r.state, r.at]), [["firing", T0]]);
  assert.equal(e.claimStats()?.lastError, null);
});

test("fenced: announces nothing from then on and keeps no queue", async () => {
  const ledger = new MemoryLedger();
  const { e, recorded } = engine(ledger);
  e.tick(T0, [replica("down")]);
  await settled(e);
  ledger.fenced = true;
  e.tick(T0 + 1000, [replica("up")]);
  await waitFor("fenced", () => e.claimStats(), (s) => s?.fenced === true);
  const calls = ledger.calls.length;
  e.tick(T0 + 2000, [replica("down")]);
  e.tick(T0 + 3000, [replica("up")]);
  assert.deepEqual(recorded.map((r) => r.state), ["firing"]);
  assert.equal(ledger.calls.length, calls, "no call after the fence");
  assert.equal(e.claimStats()?.queued, 0);
});

test("one call in flight at a time, in order; a full queue drops the oldest", async () => {
  const ledger = new MemoryLedger();
  ledger.down = true;
  const e = new AlertEngine("main", rules, undefined, () => undefined, { ledger, maxQueuedClaims: 3 });
  // Ticks faster than the ledger answers: the passes must not overlap.
  for (let s = 0; s < 6; s++) e.tick(T0 + s * 1000, [replica(s % 2 ? "up" : "down")]);
  await waitFor("the pass failed", () => e.claimStats(), (st) => st !== null && st.lastError !== null && !st.busy);
  assert.deepEqual(e.claimStats(), { queued: 3, busy: false, dropped: 3, refused: 0, loaded: false, fenced: false, lastError: "connection is closed" });
  ledger.down = false;
  ledger.calls = [];
  e.tick(T0 + 6000, [replica("up")]);
  await settled(e);
  assert.deepEqual(ledger.calls, ["active", `resolved ${ID}`, `firing ${ID}`, `resolved ${ID}`]);
  assert.equal(ledger.maxInFlight, 1);
});
