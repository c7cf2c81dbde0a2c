// Pure state and wording of the instances page: what the last refresh gave, how old it is, and
// lease times counted down from the moment the answer arrived (the browser's clock only measures
// the age; every lease figure comes from the server). Tested without a browser.
import type { InstancesAnswer } from "@/lib/fleet/instances";

/** The page asks again this long after the previous answer (or failure) arrived. */
export const REFRESH_MS = 2000;
/** Older than this (three missed refreshes), the page says its data is stale. */
export const STALE_MS = 3 * REFRESH_MS;
/** A request still unanswered after this is given up, so a hung server cannot stop the loop. */
export const REQUEST_TIMEOUT_MS = 5000;

/** Who held a topology when this page last looked, and since when (as far as this page has seen). */
export interface Holding {
  /** Instance id, or "" while no live instance holds it. */
  owner: string;
  token: number | null;
  /** Browser clock (ms) when this page first saw this owner and token. */
  since: number;
  /** False for what was already so when the page opened: only a change seen here has a known moment. */
  changed: boolean;
}

export interface InstancesState {
  data: InstancesAnswer | null;
  /** Per topology, what the page saw last (fleet mode); rebuilt from each answer, so bounded by it. */
  holdings: Record<string, Holding>;
  /** Browser clock (ms) when `data` arrived. */
  receivedAt: number | null;
  /** The last refresh's error; null once one succeeds again. */
  error: string | null;
  /** Failures in a row. */
  failures: number;
}

export type InstancesAction = { type: "loaded"; data: InstancesAnswer; at: number } | { type: "failed"; error: string };

export const INITIAL: InstancesState = { data: null, holdings: {}, receivedAt: null, error: null, failures: 0 };

/** Each topology's holder in an answer ("" for unowned); none when the fleet could not be read. */
function holders(data: InstancesAnswer): Map<string, { owner: string; token: number | null }> {
  const out = new Map<string, { owner: string; token: number | null }>();
  if (data.mode !== "fleet" || data.overviewError) return out;
  for (const i of data.instances) for (const l of i.leases) out.set(l.topology, { owner: i.id, token: l.token });
  for (const t of data.unowned ?? []) if (!out.has(t)) out.set(t, { owner: "", token: null });
  return out;
}

/** Pure: the holdings after an answer: a new owner or token starts a change at `at`. */
export function nextHoldings(prev: Record<string, Holding>, data: InstancesAnswer, at: number): Record<string, Holding> {
  const now = holders(data);
  // An answer without the fleet (coordination unreachable) tells nothing new: keep what was seen.
  if (now.size === 0 && data.mode === "fleet" && data.overviewError) return prev;
  const out: Record<string, Holding> = {};
  for (const [t, h] of now) {
    const before = prev[t];
    out[t] = before && before.owner === h.owner && before.token === h.token ? before : { ...h, since: at, changed: before !== undefined };
  }
  return out;
}

export function instancesReducer(state: InstancesState, action: InstancesAction): InstancesState {
  switch (action.type) {
    case "loaded":
      return { data: action.data, holdings: nextHoldings(state.holdings, action.data, action.at), receivedAt: action.at, error: null, failures: 0 };
    case "failed":
      // The last good answer stays (shown as stale with its age); only the error changes.
      return { ...state, error: action.error, failures: state.failures + 1 };
  }
}

export type Freshness =
  | { kind: "loading" }
  | { kind: "failed"; error: string }
  | { kind: "current"; ageMs: number }
  | { kind: "stale"; ageMs: number; error: string | null };

export function freshness(state: InstancesState, now: number): Freshness {
  if (state.data === null || state.receivedAt === null) return state.error ? { kind: "failed", error: state.error } : { kind: "loading" };
  const ageMs = Math.max(0, now - state.receivedAt);
  if (ageMs > STALE_MS || state.error) return { kind: "stale", ageMs, error: state.error };
  return { kind: "current", ageMs };
}

/** A lease figure read `ageMs` ago, as it stands now (never below 0); null stays null. */
export function leftNow(ms: number | null, ageMs: number): number | null {
  return ms === null ? null : Math.max(0, ms - ageMs);
}

/** "4.2 s" under a minute (lease times are seconds), else "3m 5s" / "2h 10m". */
export function formatSpan(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return "—";
  const s = Math.max(0, ms) / 1000;
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 60) return `${Math.floor(s)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${Math.floor(s % 60)}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** How the data's age reads in the status line. */
export function ageText(f: Freshness): string {
  switch (f.kind) {
    case "loading":
      return "loading…";
    case "failed":
      return "no answer yet";
    case "current":
    case "stale":
      return f.ageMs < 1000 ? "updated just now" : `updated ${formatSpan(f.ageMs)} ago`;
  }
}

/** A lease's standing for colour and words: expiring when less than a second is left. */
export function leaseTone(leftMs: number | null): "ok" | "expiring" | "unknown" {
  if (leftMs === null) return "unknown";
  return leftMs < 1000 ? "expiring" : "ok";
}

export const LOSS_WORDS: Record<"released" | "expired" | "taken" | "stopped", string> = {
  released: "released (rebalanced away)",
  expired: "expired (not renewed in time)",
  taken: "taken (another instance holds it)",
  stopped: "stopped (shutdown)",
};
