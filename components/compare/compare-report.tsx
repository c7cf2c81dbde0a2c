"use client";
import Link from "next/link";
import { realCount, type CompareReport, type ReportKind } from "@/lib/compare/report";
import { formatDuration, formatNumber } from "@/lib/format";
import { keyPageUrl } from "@/components/keys/api";
import { VirtualRows } from "@/components/keys/virtual-rows";
import { ShardTable } from "./shard-table";

const KIND_STYLE: Record<ReportKind, string> = {
  "missing-on-replica": "text-rose-300",
  "only-on-replica": "text-orange-300",
  type: "text-fuchsia-300",
  value: "text-rose-300",
  ttl: "text-amber-300",
  expiring: "text-slate-400",
  unverified: "text-slate-400",
};

function Stat({ label, value, testId }: { label: string; value: React.ReactNode; testId?: string }) {
  return (
    <div className="rounded-lg border border-slate-800 bg-slate-900/50 px-3 py-2">
      <div className="text-[10px] tracking-wide text-slate-400 uppercase">{label}</div>
      <div className="num mt-0.5 font-mono text-sm text-slate-50" data-testid={testId}>{value}</div>
    </div>
  );
}

export function CompareReportView({ report: r, onCancel, onDelete }: { report: CompareReport; onCancel: () => void; onDelete: () => void }) {
  const pct = r.total > 0 ? Math.min(100, (r.scanned / r.total) * 100) : r.status === "running" ? 0 : 100;
  const real = realCount(r.counts);
  const elapsed = r.finishedAt !== null ? (r.finishedAt - r.startedAt) / 1000 : 0;
  return (
    <div className="space-y-4" data-testid="compare-report" data-status={r.status}>
      <div className="space-y-2 rounded-lg border border-slate-800 bg-slate-900/50 p-3">
        <div className="flex flex-wrap items-center gap-3 text-xs">
          <span className="font-mono text-slate-300">{r.master}</span>
          <span className="text-slate-500">vs</span>
          <span className="font-mono text-slate-300">{r.replicas.map((x) => x.id).join(", ")}</span>
          <span className="text-slate-400">db{r.db}{r.match ? ` · ${r.match}` : " · every key"}</span>
          <span className={`ml-auto font-semibold ${r.status === "done" ? "text-emerald-300" : r.status === "running" ? "text-sky-300" : "text-amber-300"}`} data-testid="compare-status">
            {r.status}{r.status === "running" ? ` · ${r.phase}` : ""}
          </span>
          {r.status === "running" && (
            <button type="button" onClick={onCancel} className="rounded border border-amber-500/60 px-2 py-0.5 text-amber-300 hover:bg-amber-950/40" data-testid="compare-cancel">Cancel</button>
          )}
          {r.status !== "running" && (
            <button type="button" onClick={onDelete} className="rounded border border-slate-600 px-2 py-0.5 text-slate-300 hover:bg-slate-800" data-testid="compare-delete">Delete report</button>
          )}
        </div>
        <div className="h-3 overflow-hidden rounded bg-slate-800" role="progressbar" aria-valuenow={Math.round(pct)} aria-valuemin={0} aria-valuemax={100} data-testid="compare-progress" data-value={Math.round(pct)}>
          <div className={`h-full transition-[width] duration-300 ${r.status === "done" ? "bg-emerald-500" : r.status === "running" ? "bg-sky-500" : "bg-amber-500"}`} style={{ width: `${pct}%` }} />
        </div>
        <div className="num flex justify-between text-[11px] text-slate-400">
          <span data-testid="compare-scanned">{formatNumber(r.scanned)} of {formatNumber(r.total)} keys scanned ({pct.toFixed(0)}%)</span>
          <span>{r.status === "running" ? `ETA ${r.etaSeconds === null ? "—" : formatDuration(r.etaSeconds * 1000)}` : `took ${formatDuration(elapsed * 1000)}`}</span>
        </div>
        {r.error && <p className="text-xs text-rose-300">{r.error}</p>}
      </div>
      <div className="grid grid-cols-2 gap-3 sm:grid-cols-4 xl:grid-cols-8">
        <Stat label="differences" value={formatNumber(real)} testId="compare-differences" />
        <Stat label="missing" value={formatNumber(r.counts["missing-on-replica"])} />
        <Stat label="only on replica" value={formatNumber(r.counts["only-on-replica"])} />
        <Stat label="type" value={formatNumber(r.counts.type)} />
        <Stat label="value" value={formatNumber(r.counts.value)} />
        <Stat label="ttl" value={formatNumber(r.counts.ttl)} />
        <Stat label="expiring · unverified" value={`${formatNumber(r.counts.expiring)} · ${formatNumber(r.counts.unverified)}`} />
        <Stat label="keys/s" value={formatNumber(r.keysPerSec)} />
      </div>
      <p className="text-[11px] text-slate-400">
        {formatNumber(r.compared)} keys fingerprinted; {formatNumber(r.resolvedOnRecheck)} mismatches cleared on re-check (replication caught up). Limit {formatNumber(r.maxKeysPerSec)} keys/s per node.
        {(r.contentNotCompared ?? 0) > 0 && (
          <span className="text-amber-300" data-testid="content-not-compared">
            {" "}
            {formatNumber(r.contentNotCompared ?? 0)} key/replica pairs matched by type, length and TTL only: their values are too large to read within the per-command bounds, so their content was not compared.
          </span>
        )}
        {r.truncated && <span className="text-amber-300"> Only the first differences are listed; counts are complete.</span>}
      </p>
      {(r.replicaScans ?? []).map((s) => (
        <p key={s.node} className="text-[11px] text-slate-400" data-testid="compare-replica-scan">
          Keys only on <span className="font-mono">{s.node}</span>: {s.ran ? "its own SCAN looked each of its keys up on the master." : `its own SCAN was ${s.why}.`}
        </p>
      ))}
      {r.shards && <ShardTable shards={r.shards} />}
      <div className="rounded-lg border border-slate-800 bg-slate-900/50">
        <div className="flex items-center gap-3 border-b border-slate-800 px-3 py-2 text-xs">
          <h3 className="font-semibold tracking-wide text-slate-300 uppercase">Differences</h3>
          <a href={`/api/compare/${r.id}/report.csv`} className="ml-auto text-sky-300 hover:underline" data-testid="download-csv">CSV</a>
          <a href={`/api/compare/${r.id}/report.json`} className="text-sky-300 hover:underline" data-testid="download-json">JSON</a>
        </div>
        {r.differences.length === 0 ? (
          <p className="p-4 text-center text-xs text-slate-400" data-testid="no-differences">
            {r.status === "running" ? "None confirmed so far." : r.status === "done" ? "No differences: every replica matches the master." : "No differences found before the job stopped."}
          </p>
        ) : (
          <div style={{ height: Math.min(420, r.differences.length * 30 + 2) }} data-testid="difference-list">
            <VirtualRows
              count={r.differences.length}
              rowHeight={30}
              renderRow={(i) => {
                const d = r.differences[i];
                if (!d) return null;
                return (
                  <div className="flex h-full items-center gap-3 border-b border-slate-800/60 px-3 text-xs" data-testid="difference-row" data-kind={d.kind}>
                    <span className={`w-24 shrink-0 truncate font-semibold sm:w-36 ${KIND_STYLE[d.kind]}`}>{d.kind}</span>
                    <Link href={keyPageUrl({ node: d.node, topology: r.topology, db: r.db, key: d.key })} className="w-40 shrink-0 truncate font-mono text-sky-200 hover:underline sm:w-64" title={d.display}>{d.display}</Link>
                    <span className="w-28 shrink-0 truncate font-mono text-slate-400 sm:w-40" title={d.node}>{d.node}</span>
                    {d.shard !== undefined && <span className="w-24 shrink-0 truncate font-mono text-slate-500" title={`shard ${d.shard}`} data-testid="difference-shard">{d.shard.slice(0, 10)}</span>}
                    <span className="min-w-0 flex-1 truncate text-slate-300" title={d.detail}>{d.detail}</span>
                  </div>
                );
              }}
            />
          </div>
        )}
      </div>
    </div>
  );
}
