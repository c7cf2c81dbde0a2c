import type { ClusterSummary } from "@/lib/cluster/report";
import { formatRanges } from "@/lib/cluster/model";
import type { SlotRange } from "@/lib/cluster/parse";

const SLOTS = 16384;

/** One colour per shard, in shard order (first slot); a cluster with more shards repeats them. */
export const SHARD_COLOURS = ["bg-sky-500", "bg-violet-500", "bg-emerald-500", "bg-fuchsia-500", "bg-cyan-500", "bg-indigo-400", "bg-teal-500", "bg-pink-500"] as const;

export const shardColour = (i: number): string => SHARD_COLOURS[i % SHARD_COLOURS.length]!;

function Band({ ranges, className, title, testId }: { ranges: readonly SlotRange[]; className: string; title: string; testId?: string }) {
  return (
    <>
      {ranges.map(([a, b]) => (
        <div
          key={`${a}-${b}`}
          className={`absolute inset-y-0 ${className}`}
          style={{ left: `${(a / SLOTS) * 100}%`, width: `max(1px, ${((b - a + 1) / SLOTS) * 100}%)` }}
          title={`${title}: ${a === b ? a : `${a}-${b}`}`}
          data-testid={testId}
        />
      ))}
    </>
  );
}

/** The 16384 slots as one bar of ranges: coloured by shard, red where no master serves them, FAIL/PFAIL marked above. */
export function SlotMap({ cluster }: { cluster: ClusterSummary }) {
  const { slots } = cluster;
  return (
    <div className="space-y-2" data-testid="slot-map">
      {slots.failCount + slots.pfailCount > 0 && (
        <div className="relative h-2 overflow-hidden rounded-sm bg-slate-900" aria-hidden>
          <Band ranges={slots.fail} className="bg-rose-500" title="master FAIL" />
          <Band ranges={slots.pfail} className="bg-amber-400" title="master PFAIL" />
        </div>
      )}
      <div className="relative h-8 overflow-hidden rounded-md bg-slate-800" role="img" aria-label={`slot map: ${slots.coveredCount} of 16384 slots served`}>
        {cluster.shards.map((s, i) => (
          <Band key={s.master.id} ranges={s.slots} className={shardColour(i)} title={s.master.address ?? s.master.id.slice(0, 8)} testId="slot-band" />
        ))}
        <Band ranges={slots.uncovered} className="bg-rose-600 bg-[repeating-linear-gradient(45deg,transparent,transparent_4px,rgba(0,0,0,0.35)_4px,rgba(0,0,0,0.35)_8px)]" title="served by no master" testId="slot-uncovered" />
      </div>
      <div className="flex justify-between font-mono text-[10px] text-slate-500">
        <span>0</span>
        <span>8192</span>
        <span>16383</span>
      </div>
      <div className="flex flex-wrap gap-x-4 gap-y-1 text-[11px] text-slate-400">
        {cluster.shards.map((s, i) => (
          <span key={s.master.id} className="flex items-center gap-1.5">
            <span className={`h-2.5 w-2.5 rounded-sm ${shardColour(i)}`} />
            <span className="font-mono">{s.master.address ?? s.master.id.slice(0, 8)}</span>
            <span className="num">({s.slotCount})</span>
          </span>
        ))}
        {slots.uncoveredCount > 0 && (
          <span className="flex items-center gap-1.5 text-rose-300" data-testid="uncovered-ranges">
            <span className="h-2.5 w-2.5 rounded-sm bg-rose-600" />
            unserved: {formatRanges(slots.uncovered)}
          </span>
        )}
        {slots.failCount > 0 && <span className="text-rose-300">FAIL master: {formatRanges(slots.fail)}</span>}
        {slots.pfailCount > 0 && <span className="text-amber-300">PFAIL master: {formatRanges(slots.pfail)}</span>}
      </div>
    </div>
  );
}
