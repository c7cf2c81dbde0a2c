"use client";
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { LagPoint } from "@/lib/realtime/events";
import { formatBytes, formatClock } from "@/lib/format";

const COLORS = ["#38bdf8", "#a78bfa", "#34d399", "#fbbf24", "#f472b6", "#fb923c", "#22d3ee", "#a3e635"];

/** Byte lag of every replica over the last minutes, one line each. */
export function LagChart({ lag }: { lag: Record<string, LagPoint[]> }) {
  const ids = Object.keys(lag).sort();
  const rows = new Map<number, Record<string, number | null>>();
  for (const id of ids) {
    for (const [t, v] of lag[id] ?? []) {
      const second = Math.round(t / 1000) * 1000;
      const row = rows.get(second) ?? { t: second };
      row[id] = v;
      rows.set(second, row);
    }
  }
  const data = [...rows.values()].sort((a, b) => (a.t ?? 0) - (b.t ?? 0));
  if (ids.length === 0) {
    return <div className="flex h-56 items-center justify-center text-sm text-slate-400">No replicas to chart.</div>;
  }
  return (
    <div className="h-56 w-full" data-testid="lag-chart">
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={data} margin={{ top: 8, right: 28, bottom: 0, left: 4 }}>
          <CartesianGrid stroke="#1e293b" strokeDasharray="3 3" />
          <XAxis dataKey="t" type="number" domain={["dataMin", "dataMax"]} tickFormatter={(t: number) => formatClock(t)} stroke="#64748b" fontSize={11} minTickGap={16} />
          <YAxis tickFormatter={(v: number) => formatBytes(v)} stroke="#64748b" fontSize={11} width="auto" allowDecimals={false} />
          <Tooltip
            contentStyle={{ background: "#0f172a", border: "1px solid #334155", fontSize: 12 }}
            labelFormatter={(t) => formatClock(Number(t))}
            formatter={(v) => formatBytes(typeof v === "number" ? v : null)}
          />
          <Legend wrapperStyle={{ fontSize: 11 }} />
          {ids.map((id, i) => (
            <Line key={id} dataKey={id} name={id} dot={false} isAnimationActive={false} connectNulls={false} stroke={COLORS[i % COLORS.length]} strokeWidth={1.5} />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
