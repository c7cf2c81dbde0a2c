import type { ClusterDrillPlan, ClusterDrillReport } from "@/lib/drills/cluster/types";
import { formatNumber } from "@/lib/format";
import { formatMs, outageText } from "./drill-text";

function Figure({ label, value, testId, tone = "text-slate-50", note }: { label: string; value: string; testId: string; tone?: string; note?: string }) {
  return (
    <div className="min-w-0 rounded-lg border border-slate-800 bg-slate-900/60 px-3 py-2 sm:min-w-40 sm:px-4 sm:py-2.5">
      <div className="text-[11px] tracking-wide text-slate-400 uppercase">{label}</div>
      <div className={`num mt-0.5 truncate font-mono text-lg font-semibold sm:text-xl ${tone}`} data-testid={testId} title={value}>
        {value}
      </div>
      {note && <div className="text-[11px] text-slate-500">{note}</div>}
    </div>
  );
}

/** A cluster drill's report: node ids are shown by the address the plan knew them by (ids stay in the title). */
export function ClusterDrillReportView({ report: r, plan }: { report: ClusterDrillReport; plan: ClusterDrillPlan | undefined }) {
  const nodes = plan ? [plan.master, plan.replica, ...plan.siblings, plan.observer] : [];
  const name = (id: string | null) => (id === null ? "—" : (nodes.find((n) => n.id === id)?.address ?? id.slice(0, 12)));
  const old = r.oldMasterNow;
  const oldText = old ? `${old.role}${old.masterId ? ` of ${name(old.masterId)}` : ""}${old.failure !== "ok" ? ` (${old.failure.toUpperCase()})` : ""}` : "—";
  return (
    <div className="space-y-3" data-testid="cluster-drill-report">
      <div className="grid grid-cols-2 gap-2 sm:flex sm:flex-wrap sm:gap-3">
        <Figure label="promoted" value={r.promoted ? `yes: ${name(r.newMaster)}` : "no"} testId="report-promoted" tone={r.promoted ? "text-emerald-300" : "text-amber-300"} note={`slots ${r.slots}, seen by ${r.observer}`} />
        <Figure label="time to promote" value={formatMs(r.promoteMs)} testId="report-promote" note="command → the cluster names the new master" />
        <Figure label="write outage" value={outageText(r)} testId="report-write-outage" tone={r.writeOutageMs ? "text-amber-300" : "text-slate-50"} note="first failed canary write → next good one" />
        <Figure label="lost writes" value={r.lostWrites === null ? "unknown" : formatNumber(r.lostWrites)} testId="report-lost-writes" tone={r.lostWrites === null ? "text-amber-300" : r.lostWrites ? "text-rose-300" : "text-emerald-300"} note="acked, then missing on the slot's final master" />
        <Figure label="current epoch" value={`${r.epochBefore ?? "—"} → ${r.epochAfter ?? "—"}`} testId="report-epochs" note={`new master's config epoch ${r.newMasterConfigEpoch ?? "—"}`} />
        <Figure label="old master now" value={oldText} testId="report-old-master" note={name(r.oldMaster)} />
        <Figure label="canary sent · acked · failed" value={`${r.canary.sent} · ${r.canary.acked} · ${r.canary.failed}`} testId="report-canary" note={`${r.canaryKey} (slot ${r.canarySlot})`} />
      </div>
      {(r.lostWrites ?? 0) > 0 && (
        <p className="rounded border border-rose-500/40 bg-rose-950/30 p-3 font-mono text-xs break-words text-rose-100" data-testid="report-lost-seqs">
          Lost canary sequence numbers: {r.canary.lostSeqs.join(", ")}
        </p>
      )}
    </div>
  );
}
