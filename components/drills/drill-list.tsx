import Link from "next/link";
import type { DrillListItem } from "@/lib/drills/types";
import { formatWhen, outageText, SCENARIO_TEXT } from "./drill-text";
import { DrillStatusBadge } from "./status-badge";

export type DrillSummary = DrillListItem;

export function DrillList({ drills }: { drills: DrillSummary[] }) {
  if (drills.length === 0) return <p className="py-6 text-center text-sm text-slate-400">No drills yet.</p>;
  const sorted = [...drills].sort((a, b) => b.startedAt - a.startedAt);
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-xs" data-testid="drill-list">
        <thead className="text-[11px] tracking-wide text-slate-400 uppercase">
          <tr className="border-b border-slate-800">
            <th className="py-1.5 pr-3 font-medium">when</th>
            <th className="pr-3 font-medium">scenario</th>
            <th className="pr-3 font-medium">topology</th>
            <th className="pr-3 font-medium">status</th>
            <th className="pr-3 font-medium">new master</th>
            <th className="pr-3 text-right font-medium">write outage</th>
            <th className="pr-3 text-right font-medium">lost writes</th>
            <th className="font-medium">by</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-800/70">
          {sorted.map((d) => (
            <tr key={d.id} className="hover:bg-slate-800/40" data-testid={`drill-row-${d.id}`}>
              <td className="py-1.5 pr-3 font-mono whitespace-nowrap text-slate-300">
                <Link href={`/drills/${d.id}`} className="text-sky-300 hover:underline">
                  {formatWhen(d.startedAt)}
                </Link>
              </td>
              <td className="pr-3 text-slate-200">{SCENARIO_TEXT[d.scenario].label}</td>
              <td className="pr-3 font-mono text-slate-300">{d.topology}</td>
              <td className="pr-3">
                <DrillStatusBadge status={d.status} />
              </td>
              <td className="pr-3 font-mono text-slate-200">{d.report?.newMaster ?? "—"}</td>
              <td className="num pr-3 text-right font-mono text-slate-200">{d.report ? outageText(d.report) : "—"}</td>
              <td className={`num pr-3 text-right font-mono ${d.report && (d.report.lostWrites ?? 0) > 0 ? "text-rose-300" : "text-slate-200"}`}>{d.report ? (d.report.lostWrites ?? "unknown") : "—"}</td>
              <td className="text-slate-300">{d.user}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
