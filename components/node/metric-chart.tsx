"use client";
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatClock } from "@/lib/format";

export function MetricChart({ title, t, values, format, testId }: { title: string; t: number[]; values: (number | null)[]; format: (v: number | null) => string; testId?: string }) {
  const data = t.map((x, i) => ({ t: x, v: values[i] ?? null }));
  return (
    <div className="rounded-lg border border-slate-800 bg-slate-900/40 p-3" data-testid={testId}>
      <div className="mb-1 text-xs font-semibold text-slate-300">{title}</div>
      <div className="h-36">
        {data.length < 2 ? (
          <div className="flex h-full items-center justify-center text-xs text-slate-500">collecting samples…</div>
        ) : (
          <ResponsiveContainer width="100%" height="100%">
            <LineChart data={data} margin={{ top: 4, right: 24, bottom: 0, left: 0 }}>
              <CartesianGrid stroke="#1e293b" strokeDasharray="3 3" />
              <XAxis dataKey="t" type="number" domain={["dataMin", "dataMax"]} tickFormatter={(x: number) => formatClock(x)} stroke="#64748b" fontSize={10} minTickGap={16} />
              <YAxis tickFormatter={(v: number) => format(v)} stroke="#64748b" fontSize={10} width="auto" />
              <Tooltip contentStyle={{ background: "#0f172a", border: "1px solid #334155", fontSize: 12 }} labelFormatter={(x) => formatClock(Number(x))} formatter={(v) => format(typeof v === "number" ? v : null)} />
              <Line dataKey="v" dot={false} isAnimationActive={false} stroke="#38bdf8" strokeWidth={1.5} />
            </LineChart>
          </ResponsiveContainer>
        )}
      </div>
    </div>
  );
}
