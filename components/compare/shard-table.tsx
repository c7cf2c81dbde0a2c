// A cluster compare's rows, one per shard (its master against its replicas), above the differences:
// a shard that was skipped (master not dialled, no reachable replica) says so, never reads as clean.
import type { ShardCompareSummary } from "@/lib/compare/cluster";
import { realCount } from "@/lib/compare/report";
import { formatNumber } from "@/lib/format";

const STATUS_STYLE: Record<string, string> = { done: "text-emerald-300", running: "text-sky-300", pending: "text-slate-400" };

export function ShardTable({ shards }: { shards: ShardCompareSummary[] }) {
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-800 bg-slate-900/50" data-testid="compare-shards">
      <table className="w-full text-left text-xs">
        <thead className="border-b border-slate-800 text-[10px] tracking-wide text-slate-400 uppercase">
          <tr>
            <th className="px-3 py-2">shard master</th>
            <th className="px-3 py-2">replicas</th>
            <th className="px-3 py-2">status</th>
            <th className="num px-3 py-2 text-right">scanned</th>
            <th className="num px-3 py-2 text-right">compared</th>
            <th className="num px-3 py-2 text-right">differences</th>
          </tr>
        </thead>
        <tbody>
          {shards.map((s) => (
            <tr key={s.shard} className="border-b border-slate-800/60 align-top" data-testid="compare-shard-row" data-shard={s.shard} data-status={s.status}>
              <td className="px-3 py-1.5 font-mono text-slate-200" title={s.shard}>{s.master ?? `${s.shard.slice(0, 12)}… (not dialled)`}</td>
              <td className="px-3 py-1.5 font-mono text-slate-300">
                {s.replicas.map((r) => r.id).join(", ") || "—"}
                {s.notCompared.map((n) => (
                  <div key={n.id} className="text-amber-300">{n.id}: not compared ({n.reason})</div>
                ))}
              </td>
              <td className={`px-3 py-1.5 font-semibold ${STATUS_STYLE[s.status] ?? "text-amber-300"}`}>
                {s.status}{s.status === "running" && s.phase ? ` · ${s.phase}` : ""}
                {s.reason && <div className="font-normal text-amber-200">{s.reason}</div>}
              </td>
              <td className="num px-3 py-1.5 text-right font-mono">{formatNumber(s.scanned)} / {formatNumber(s.total)}</td>
              <td className="num px-3 py-1.5 text-right font-mono">{formatNumber(s.compared)}</td>
              <td className="num px-3 py-1.5 text-right font-mono" data-testid="compare-shard-differences">{formatNumber(realCount(s.counts))}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
