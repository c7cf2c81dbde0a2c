import type { LagPoint } from "@/lib/realtime/events";

/** A tiny SVG line of the last points; flat at the bottom when everything is zero. */
export function Sparkline({ points, width = 240, height = 28 }: { points: LagPoint[]; width?: number; height?: number }) {
  const values = points.map(([, v]) => v);
  const max = Math.max(1, ...values.map((v) => v ?? 0));
  const step = values.length > 1 ? width / (values.length - 1) : width;
  let d = "";
  values.forEach((v, i) => {
    if (v === null) return;
    const x = (i * step).toFixed(1);
    const y = (height - 2 - (v / max) * (height - 4)).toFixed(1);
    d += `${d && values[i - 1] !== null ? "L" : "M"}${x},${y}`;
  });
  return (
    <svg width="100%" height={height} viewBox={`0 0 ${width} ${height}`} preserveAspectRatio="none" aria-hidden>
      <line x1="0" x2={width} y1={height - 1} y2={height - 1} className="stroke-slate-800" strokeWidth="1" />
      {d && <path d={d} fill="none" className="stroke-sky-400" strokeWidth="1.5" vectorEffect="non-scaling-stroke" />}
    </svg>
  );
}
