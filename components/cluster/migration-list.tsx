import { formatDuration, formatNumber } from "@/lib/format";
import type { MigrationProgress } from "@/lib/cluster/migrations";

const name = (address: string | null, id: string) => address ?? `${id.slice(0, 8)}…`;

function eta(m: MigrationProgress): string {
  if (m.etaSeconds !== null) return m.etaSeconds === 0 ? "done, awaiting SETSLOT" : `ETA ${formatDuration(m.etaSeconds * 1000)}`;
  if (m.keysPerSec === 0) return "no progress since first seen";
  return "ETA unknown";
}

/** One line per migrating slot: who to whom, then keys left (COUNTKEYSINSLOT on the source), rate and ETA. */
export function MigrationList({ migrations }: { migrations: MigrationProgress[] }) {
  if (!migrations.length) return <p className="py-3 text-sm text-slate-400">No slot is migrating.</p>;
  return (
    <ul className="divide-y divide-slate-800 text-xs" data-testid="migrations">
      {migrations.map((m) => (
        <li key={`${m.slot}:${m.from}:${m.to}`} className="py-1.5" data-testid="migration-row">
          <div className="flex flex-wrap gap-x-2 font-mono">
            <span className="text-slate-100">slot {m.slot}</span>
            <span className="text-slate-300">
              {name(m.fromAddress, m.from)} → {name(m.toAddress, m.to)}
            </span>
            {m.seenBy.length < 2 && (
              <span className="text-amber-300" title="a migration shows on both nodes while it runs; only one of them reports this one">
                ({m.seenBy[0]} only)
              </span>
            )}
          </div>
          <div className="num mt-0.5 flex flex-wrap gap-x-3 text-slate-400">
            <span data-testid="keys-left">{m.keysLeft === null ? "keys left unknown" : `${formatNumber(m.keysLeft)} keys left`}</span>
            {m.keysPerSec !== null && m.keysPerSec > 0 && <span>{formatNumber(m.keysPerSec)} keys/s</span>}
            <span>{eta(m)}</span>
          </div>
        </li>
      ))}
    </ul>
  );
}
