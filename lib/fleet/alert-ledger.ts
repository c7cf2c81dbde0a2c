// The fleet's record of announced alerts, per topology, in the coordination Redis: a hash of the
// alerts announced as firing and not yet resolved. Whoever owns the topology claims each firing and
// each resolution here before announcing it (fenced by its lease token, one script call each), so
// an alert is announced once across instances and ownership changes, and a new owner adopts what
// the previous one announced. The hash has no expiry: it empties itself as alerts resolve, and a
// cap bounds it.
import { randomUUID } from "node:crypto";
import type Redis from "ioredis";
import { z } from "zod";
import type { AlertClaims, FiringClaim, ResolvedClaim } from "../alerts/claims";
import { alertRevision, type Alert, type AlertRule } from "../alerts/rules";
import { alertClaimKey, alertsKey, leaseKey } from "./keys";
import { ALERT_CLAIM_FIRING, ALERT_CLAIM_RESOLVED, ALERT_RESTORE, runScript } from "./scripts";

/** Alerts kept per topology: twice what one engine tracks (MAX_ALERTS), so only leftovers can fill it. */
export const MAX_LEDGER_ALERTS = 1000;
/** Bound on one stored alert; its text is cut to fit. */
export const MAX_ALERT_JSON = 4096;
const MAX_TEXT = 1000;
/** How long a claim's marker lets a retry of it still answer "announce". */
export const CLAIM_MARK_MS = 10 * 60_000;
const SCAN_COUNT = 200;

// Every rule name, so a stored alert naming another is not adopted (the Record keeps the list complete).
const RULES: Record<AlertRule, true> = {
  "lag-bytes": true,
  "lag-seconds": true,
  "link-down": true,
  "replicas-missing": true,
  "full-resync": true,
  "writable-replica": true,
  "backlog-coverage": true,
  "node-down": true,
  "cluster-slots-uncovered": true,
  "cluster-state-fail": true,
  "cluster-slots-on-failed-master": true,
};

const StoredAlert = z.object({
  id: z.string().max(1000),
  rule: z.string().refine((r): r is AlertRule => Object.hasOwn(RULES, r)),
  topology: z.string(),
  node: z.string().max(1000).nullable(),
  severity: z.enum(["warning", "critical"]),
  text: z.string().max(MAX_TEXT),
  since: z.number(),
  value: z.number().optional(),
});

/** The alert as stored: text cut to MAX_TEXT; null when it cannot fit MAX_ALERT_JSON anyway. */
export function storedAlertJson(a: Alert): string | null {
  const { id, rule, topology, node, severity, text, since, value } = a;
  const json = JSON.stringify({ id, rule, topology, node, severity, text: text.slice(0, MAX_TEXT), since, ...(value === undefined ? {} : { value }) });
  return Buffer.byteLength(json) <= MAX_ALERT_JSON ? json : null;
}

/** Reads one stored value ("<revision>\n<json>"); null when it is not an alert of `topology`. */
export function parseStoredAlert(raw: string, topology: string): Alert | null {
  const nl = raw.indexOf("\n");
  if (nl < 0) return null;
  try {
    const r = StoredAlert.safeParse(JSON.parse(raw.slice(nl + 1)));
    if (!r.success || r.data.topology !== topology) return null;
    const { value, ...rest } = r.data;
    return { ...rest, rule: rest.rule as AlertRule, ...(value === undefined ? {} : { value }) };
  } catch {
    return null;
  }
}

export class AlertLedger implements AlertClaims {
  constructor(
    private readonly redis: Redis,
    readonly topology: string,
    /**
     * The lease token this instance holds for `topology`; every write is fenced by it. A function
     * when the lease can be re-taken in place with a new token (the coordination Redis restarted).
     */
    private readonly token: number | (() => number),
    private readonly maxAlerts = MAX_LEDGER_ALERTS,
  ) {}

  private tokenNow(): number {
    return typeof this.token === "function" ? this.token() : this.token;
  }

  async claimFiring(alert: Alert, claimId: string = randomUUID()): Promise<FiringClaim> {
    const json = alert.topology === this.topology ? storedAlertJson(alert) : null;
    if (json === null) return "refused";
    const keys = [leaseKey(this.topology), alertsKey(this.topology), alertClaimKey(this.topology, claimId)];
    const r = await runScript(this.redis, ALERT_CLAIM_FIRING, keys, [String(this.tokenNow()), alert.id, alertRevision(alert), json, this.maxAlerts, CLAIM_MARK_MS]);
    if (r === "announce" || r === "known" || r === "fenced" || r === "refused") return r;
    throw new Error(`alert ledger: unexpected answer ${String(r)}`);
  }

  async restore(alerts: readonly Alert[]): Promise<void> {
    const args: string[] = [String(this.tokenNow()), String(this.maxAlerts)];
    for (const a of alerts.slice(0, this.maxAlerts)) {
      const json = a.topology === this.topology ? storedAlertJson(a) : null;
      if (json !== null) args.push(a.id, `${alertRevision(a)}\n${json}`);
    }
    if (args.length > 2) await runScript(this.redis, ALERT_RESTORE, [leaseKey(this.topology), alertsKey(this.topology)], args);
  }

  async claimResolved(alertId: string, claimId: string = randomUUID()): Promise<ResolvedClaim> {
    const keys = [leaseKey(this.topology), alertsKey(this.topology), alertClaimKey(this.topology, claimId)];
    const r = await runScript(this.redis, ALERT_CLAIM_RESOLVED, keys, [String(this.tokenNow()), alertId, CLAIM_MARK_MS]);
    if (r === "announce" || r === "unknown" || r === "fenced") return r;
    throw new Error(`alert ledger: unexpected answer ${String(r)}`);
  }

  /** The announced alerts, at most maxAlerts, read with HSCAN (never a whole-hash read). */
  async active(): Promise<Alert[]> {
    const found = new Map<string, Alert>();
    let cursor = "0";
    do {
      const [next, flat] = await this.redis.hscan(alertsKey(this.topology), cursor, "COUNT", SCAN_COUNT);
      cursor = next;
      for (let i = 0; i + 1 < flat.length && found.size < this.maxAlerts; i += 2) {
        const a = parseStoredAlert(flat[i + 1] ?? "", this.topology);
        if (a && a.id === flat[i]) found.set(a.id, a);
      }
    } while (cursor !== "0" && found.size < this.maxAlerts);
    return [...found.values()];
  }
}
