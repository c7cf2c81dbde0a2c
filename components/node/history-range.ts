// The node page's history ranges: which store tier answers each one, how its points were rolled
// up (for the chart's label), the `since` to ask for, and the gaps to break the lines at.
// Pure: the tiers come from lib/store/tiers.ts, which holds no database code (no kysely in the
// browser bundle).
import { SERIES, type HistoryJson, type SeriesName } from "@/lib/monitor/history";
import { ROLLUP, TIER_SPECS, tierSpecFor, type TierSpec } from "@/lib/store/tiers";

export const RANGES = ["live", "1h", "24h", "7d", "30d"] as const;
export type HistoryRange = (typeof RANGES)[number];
export type StoredRange = Exclude<HistoryRange, "live">;

export const RANGE_SPAN_MS: Record<StoredRange, number> = {
  "1h": 3600_000,
  "24h": 86400_000,
  "7d": 7 * 86400_000,
  "30d": 30 * 86400_000,
};

export const RANGE_LABEL: Record<HistoryRange, string> = { live: "live", "1h": "1 h", "24h": "24 h", "7d": "7 d", "30d": "30 d" };

/** The store's tiers (lib/store/tiers.ts): resolution and how far back each keeps. */
export const TIERS = TIER_SPECS;
/** How a coarser tier's point summarises its bucket. */
export const ROLLUP_OF = ROLLUP;

const ROLLUP_WORD = { last: "last value", max: "max", avg: "averages" } as const;

/** The tier the store picks for this span. */
export function tierOf(spanMs: number): TierSpec {
  return tierSpecFor(spanMs);
}

/** "1-minute max", "1-hour averages", "1-second samples". */
export function resolutionLabel(range: StoredRange, series: SeriesName): string {
  const tier = tierOf(RANGE_SPAN_MS[range]);
  return tier.stepMs === 1000 ? tier.name : `${tier.name} ${ROLLUP_WORD[ROLLUP_OF[series]]}`;
}

/**
 * The `since` for a range at `now` (server clock). Rounded up to a quantum so the request URL
 * (the SWR key) changes only every `q` and refetches then; one more quantum off the span keeps
 * the span the server measures (a moment later) inside the intended tier — a 1 h chart asking
 * for 3600.001 s would get minutes instead of seconds.
 */
export function sinceFor(range: StoredRange, now: number): number {
  const span = RANGE_SPAN_MS[range];
  const q = tierOf(span).stepMs === 1000 ? 10_000 : 60_000;
  return Math.ceil((now - span) / q) * q + q;
}

/**
 * The store returns no rows for time it has nothing for (dashboard stopped); a chart would draw
 * a straight line across. Where two consecutive points are more than two tier steps apart, a
 * point with every series null goes in one step after the earlier one, so the line breaks.
 * Null values already in the data (a node that was down) are left as they are.
 */
export function withGaps(h: HistoryJson, stepMs: number): HistoryJson {
  const out = { t: [] as number[] } as HistoryJson;
  for (const name of SERIES) out[name] = [];
  for (let i = 0; i < h.t.length; i++) {
    const t = h.t[i]!;
    const prev = i > 0 ? h.t[i - 1]! : undefined;
    if (prev !== undefined && t - prev > 2 * stepMs) {
      out.t.push(prev + stepMs);
      for (const name of SERIES) out[name].push(null);
    }
    out.t.push(t);
    for (const name of SERIES) out[name].push(h[name][i] ?? null);
  }
  return out;
}

const pad = (n: number) => String(n).padStart(2, "0");

/** Tick labels that suit the span: clock time within a day, day + time for a week, dates beyond. */
export function axisFormatter(spanMs: number): (t: number) => string {
  if (spanMs <= 86400_000) return (t) => {
    const d = new Date(t);
    return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  };
  if (spanMs <= 7 * 86400_000) return (t) => {
    const d = new Date(t);
    return `${d.toLocaleDateString("en-GB", { weekday: "short" })} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
  };
  return (t) => new Date(t).toLocaleDateString("en-GB", { day: "numeric", month: "short" });
}

/** Tooltip label: date and time once the span passes a day. */
export function tooltipFormatter(spanMs: number): (t: number) => string {
  return (t) => {
    const d = new Date(t);
    const time = d.toLocaleTimeString("en-GB", { hour12: false });
    return spanMs <= 86400_000 ? time : `${d.toLocaleDateString("en-GB", { day: "numeric", month: "short" })} ${time}`;
  };
}
