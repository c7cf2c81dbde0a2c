import type { DrillReport } from "@/lib/drills/types";
import { formatNumber } from "@/lib/format";
import { formatMs, outageText } from "./drill-text";

function Figure({ label, value, testId, tone = "text-slate-50", note, wide = false }: { label: string; value: string; testId: string; tone?: string; note?: string; wide?: boolean }) {
  return (
    <div className={`min-w-0 rounded-lg border border-slate-800 bg-slate-900/60 px-3 py-2 sm:min-w-40 sm:px-4 sm:py-2.5 ${wide ? "col-span-2" : ""}`}>
      <div className="text-[11px] tracking-wide text-slate-400 uppercase">{label}</div>
      <div className={`num mt-0.5 truncate font-mono text-lg font-semibold sm:text-xl ${tone}`} data-testid={testId} title={value}>
        {value}
      </div>
      {note && <div className="text-[11px] text-slate-500">{note}</div>}
    </div>
  );
}

const TH = "py-1.5 pr-3 font-medium";

export function DrillReportView({ report: r }: { report: DrillReport }) {
  return (
    <div className="space-y-4" data-testid="drill-report">
      <div className="grid grid-cols-2 gap-2 sm:flex sm:flex-wrap sm:gap-3">
        <Figure label="new master" value={r.newMaster ?? "—"} testId="report-new-master" note={`was ${r.oldMaster ?? "—"}`} wide />
        <Figure label="time to detect" value={formatMs(r.detectMs)} testId="report-detect" note="first sdown / link down / node down" />
        <Figure label="time to promote" value={formatMs(r.promoteMs)} testId="report-promote" note="action → new master seen" />
        <Figure label="write outage" value={outageText(r)} testId="report-write-outage" tone={r.writeOutageMs ? "text-amber-300" : "text-slate-50"} note="first failed canary write → next good one" />
        <Figure label="lost writes" value={r.lostWrites === null ? "unknown" : formatNumber(r.lostWrites)} testId="report-lost-writes" tone={r.lostWrites === null ? "text-amber-300" : r.lostWrites ? "text-rose-300" : "text-emerald-300"} note="acked, then missing on the final master" />
        <Figure label="canary sent · acked · failed" value={`${r.canary.sent} · ${r.canary.acked} · ${r.canary.failed}`} testId="report-canary" wide />
        <Figure label="second-ID offset gap" value={r.secondIdGap === null ? "—" : `${formatNumber(r.secondIdGap)} B`} testId="report-second-id-gap" note="old master's history past the new master's second ID" wide />
      </div>

      {r.lostWrites !== null && r.lostWrites > 0 && (
        <div className="rounded border border-rose-500/40 bg-rose-950/30 p-3 text-xs" data-testid="report-lost-seqs">
          <p className="mb-1 font-semibold text-rose-200">
            Lost canary sequence numbers ({r.lostWrites}
            {r.canary.lostSeqs.length < r.lostWrites ? `, first ${r.canary.lostSeqs.length} shown` : ""}):
          </p>
          <p className="font-mono break-words text-rose-100">{r.canary.lostSeqs.join(", ")}</p>
        </div>
      )}

      <div className="grid gap-4 lg:grid-cols-2">
        <div className="min-w-0 overflow-x-auto">
          <h3 className="mb-1 text-xs font-semibold text-slate-300">Replicas after the drill</h3>
          {r.replicas.length === 0 ? (
            <p className="text-xs text-slate-400">No replicas.</p>
          ) : (
            <table className="w-full text-left text-xs" data-testid="report-replicas">
              <thead className="text-[11px] tracking-wide text-slate-400 uppercase">
                <tr className="border-b border-slate-800">
                  <th className={TH}>replica</th>
                  <th className={TH}>resync</th>
                  <th className={TH}>reason</th>
                  <th className={`${TH} text-right`}>online after</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-800/70">
                {r.replicas.map((x) => (
                  <tr key={x.id} data-testid={`report-replica-${x.id}`}>
                    <td className="py-1.5 pr-3 font-mono whitespace-nowrap text-slate-200">{x.id}</td>
                    <td className={`pr-3 font-mono ${x.resync === "full" ? "text-amber-300" : x.resync === "partial" ? "text-emerald-300" : "text-slate-400"}`}>{x.resync ?? "none seen"}</td>
                    <td className="pr-3 text-slate-300">{x.reason ?? "—"}</td>
                    <td className="num pr-3 text-right font-mono text-slate-200">{formatMs(x.onlineAfterMs)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
        <div className="min-w-0 overflow-x-auto">
          <h3 className="mb-1 text-xs font-semibold text-slate-300">Final topology</h3>
          <table className="w-full text-left text-xs" data-testid="report-final-topology">
            <thead className="text-[11px] tracking-wide text-slate-400 uppercase">
              <tr className="border-b border-slate-800">
                <th className={TH}>node</th>
                <th className={TH}>role</th>
                <th className={TH}>status</th>
                <th className={TH}>replicates from</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-800/70">
              {r.finalTopology.map((n) => (
                <tr key={n.id}>
                  <td className="py-1.5 pr-3 font-mono whitespace-nowrap text-slate-200">{n.id}</td>
                  <td className={`pr-3 ${n.role === "master" ? "text-rose-300" : "text-sky-300"}`}>{n.role}</td>
                  <td className={`pr-3 ${n.status === "up" ? "text-emerald-300" : "text-rose-300"}`}>{n.status}</td>
                  <td className="pr-3 font-mono whitespace-nowrap text-slate-300">{n.masterId ?? "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
    </div>
  );
}
