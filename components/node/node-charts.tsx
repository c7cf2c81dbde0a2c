"use client";
// The node page's charts: "live" draws the socket's recent window; a stored range loads the
// store's tier for that span over HTTP (GET /api/nodes/{id}?since=) and labels how it was rolled up.
import { useState } from "react";
import useSWR from "swr";
import { formatBytes, formatNumber, formatRate } from "@/lib/format";
import type { HistoryJson, SeriesName } from "@/lib/monitor/history";
import type { NodeView } from "@/lib/monitor/types";
import { fetchJson, type ApiError } from "@/components/data/use-api";
import { useLiveTopology } from "@/components/realtime/socket-provider";
import { MetricChart } from "./metric-chart";
import { RANGE_LABEL, RANGE_SPAN_MS, RANGES, axisFormatter, resolutionLabel, sinceFor, tierOf, tooltipFormatter, withGaps, type HistoryRange, type StoredRange } from "./history-range";

interface ChartSpec {
  title: string;
  series: SeriesName;
  format: (v: number | null) => string;
  testId: string;
}

function chartsFor(role: NodeView["role"]): ChartSpec[] {
  return [
    { title: "ops/s", series: "opsPerSec", format: formatNumber, testId: "chart-ops" },
    { title: "used memory", series: "usedMemory", format: formatBytes, testId: "chart-memory" },
    { title: "replication offset", series: "replOffset", format: formatNumber, testId: "chart-offset" },
    role === "replica"
      ? { title: "lag (bytes)", series: "lagBytes", format: formatBytes, testId: "chart-lag" }
      : { title: "write rate", series: "writeRate", format: formatRate, testId: "chart-write-rate" },
  ];
}

export function HistoryRangePicker({ value, onChange }: { value: HistoryRange; onChange: (r: HistoryRange) => void }) {
  return (
    <div role="radiogroup" aria-label="history range" className="inline-flex overflow-hidden rounded-md border border-slate-700 text-xs" data-testid="history-range" data-value={value}>
      {RANGES.map((r) => (
        <button
          key={r}
          type="button"
          role="radio"
          aria-checked={r === value}
          onClick={() => onChange(r)}
          data-testid={`history-range-${r}`}
          className={`px-2.5 py-1 ${r === value ? "bg-sky-600/30 text-sky-200" : "text-slate-400 hover:bg-slate-800 hover:text-slate-200"}`}
        >
          {RANGE_LABEL[r]}
        </button>
      ))}
    </div>
  );
}

interface Stored {
  range: StoredRange;
  since: number;
  history: HistoryJson | null;
}

export function NodeCharts({ id, topology, role, live }: { id: string; topology: string; role: NodeView["role"]; live: HistoryJson | null }) {
  const [range, setRange] = useState<HistoryRange>("live");
  const { now } = useLiveTopology();
  const stored = range === "live" ? null : range;
  const since = stored && now > 0 ? sinceFor(stored, now) : null;
  const url = stored && since !== null ? `/api/nodes/${encodeURIComponent(id)}?since=${since}&topology=${encodeURIComponent(topology)}` : null;
  // The key carries the range, so an answer for 1 h is never drawn under the 24 h label while the
  // next range loads (the previous answer of the same range stays up while a newer one comes).
  const { data, error } = useSWR<Stored, ApiError, [string, StoredRange, number] | null>(
    url && stored && since !== null ? [url, stored, since] : null,
    async ([u, r, s]) => ({ range: r, since: s, history: (await fetchJson<{ history: HistoryJson | null }>(u)).history }),
    { keepPreviousData: true, revalidateOnFocus: false },
  );
  const specs = chartsFor(role);

  let body: React.ReactNode;
  if (!stored) {
    body = live
      ? specs.map((c) => <MetricChart key={c.testId} title={c.title} t={live.t} values={live[c.series]} format={c.format} testId={c.testId} />)
      : specs.map((c) => <MetricChart key={c.testId} title={c.title} t={[]} values={[]} format={c.format} testId={c.testId} />);
  } else {
    const span = RANGE_SPAN_MS[stored];
    const current = data && data.range === stored ? data : null;
    const h = current?.history ? withGaps(current.history, tierOf(span).stepMs) : null;
    const empty = error ? `could not load history: ${error.message}` : !current ? "loading…" : "no samples stored for this range yet";
    body = specs.map((c) => (
      <MetricChart
        key={c.testId}
        title={c.title}
        t={h?.t ?? []}
        values={h?.[c.series] ?? []}
        format={c.format}
        testId={c.testId}
        resolution={resolutionLabel(stored, c.series)}
        tickFormat={axisFormatter(span)}
        labelFormat={tooltipFormatter(span)}
        domain={current ? [current.since, Math.max(now, current.since + 1)] : undefined}
        empty={empty}
      />
    ));
  }
  return (
    <section className="space-y-2" data-testid="node-charts" data-range={range} data-state={!stored ? "live" : error ? "error" : data?.range === stored ? "loaded" : "loading"}>
      <div className="flex flex-wrap items-center gap-2">
        <h2 className="text-sm font-semibold text-slate-300">Metrics</h2>
        <span className="text-xs text-slate-500">{stored ? `last ${RANGE_LABEL[stored]} from the store` : "recent window, live"}</span>
        <div className="ml-auto">
          <HistoryRangePicker value={range} onChange={setRange} />
        </div>
      </div>
      <div className="grid gap-4 md:grid-cols-2 xl:grid-cols-4">{body}</div>
    </section>
  );
}
