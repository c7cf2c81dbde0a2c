"use client";
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatClock } from "@/lib/format";

interface Props {
  title: string;
  t: number[];
  values: (number | null)[];
  format: (v: number | null) => string;
  testId?: string;
  /** How the points were summarised ("1-minute max"); shown beside the title. */
  resolution?: string;
  tickFormat?: (t: number) => string;
  labelFormat?: (t: number) => string;
  /** The x range to show (a stored range spans its whole window, so missing time shows as missing). */
  domain?: [number, number];
  /** Shown instead of the chart when there is nothing to draw. */
  empty?: string;
}

export function MetricChart({ title, t, values, format, testId, resolution, tickFormat = formatClock, labelFormat = formatClock, domain, empty = "collecting samples…" }: Props) {
  const data = t.map((x, i) => ({ t: x, v: values[i] ?? null }));
  const drawn = data.filter((d) => d.v !== null).length;
  // A stored range may hold a single point (a minute of data); it still shows, as a dot.
  const enough = domain ? drawn >= 1 : data.length >= 2;
  return (
    <div className="rounded-lg border border-slate-800 bg-slate-900/40 p-3" data-testid={testId} data-points={data.length}>
      <div className="mb-1 flex h-4 items-baseline gap-2 overflow-hidden text-xs leading-4">
        <span className="font-semibold text-slate-300">{title}</span>
        {resolution && (
          <span className="truncate text-[11px] leading-4 text-slate-500" data-testid="chart-resolution">
            {resolution}
          </span>
        )}
      </div>
      <div className="h-36">
        {!enough ? (
          <div className="flex h-full items-center justify-center text-center text-xs text-slate-500" data-testid="chart-empty">
            {empty}
          </div>
        ) : (
          <ResponsiveContainer width="100%" height="100%">
            <LineChart data={data} margin={{ top: 4, right: 24, bottom: 0, left: 0 }}>
              <CartesianGrid stroke="#1e293b" strokeDasharray="3 3" />
              <XAxis dataKey="t" type="number" domain={domain ?? ["dataMin", "dataMax"]} allowDataOverflow={!!domain} tickFormatter={tickFormat} stroke="#64748b" fontSize={10} minTickGap={16} />
              <YAxis tickFormatter={(v: number) => format(v)} stroke="#64748b" fontSize={10} width="auto" />
              <Tooltip contentStyle={{ background: "#0f172a", border: "1px solid #334155", fontSize: 12 }} labelFormatter={(x) => labelFormat(Number(x))} formatter={(v) => format(typeof v === "number" ? v : null)} />
              {/* connectNulls off: a null (node down, or a hole withGaps marked) breaks the line. */}
              <Line dataKey="v" dot={drawn <= 2} connectNulls={false} isAnimationActive={false} stroke="#38bdf8" strokeWidth={1.5} />
            </LineChart>
          </ResponsiveContainer>
        )}
      </div>
    </div>
  );
}
