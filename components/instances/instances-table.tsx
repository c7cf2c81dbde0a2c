// Every live instance and the topologies it holds a lease on, with time left. One table: below
// the lg breakpoint each row stacks into a card (labels shown inline), so nothing scrolls sideways.
import type { InstanceLease, InstanceRow } from "@/lib/fleet/instances";
import { formatClock } from "@/lib/format";
import { formatSpan, leaseTone, leftNow, type Holding } from "./model";

const TONE = { ok: "border-emerald-500/40 text-emerald-200", expiring: "border-amber-500/60 text-amber-200", unknown: "border-slate-600 text-slate-300" };

/**
 * Ids up to this length stay on one line in the table (a wide table gives a breakable cell only its
 * narrowest width); longer ones wrap anywhere in a column of their own.
 */
const NOWRAP_ID = 48;

/** A change this page saw is worth pointing at for a while, then it is just how things are. */
const MOVED_SHOWN_MS = 10 * 60_000;

export interface LeaseClock {
  /** Age of the answer (browser clock), to count lease times down between refreshes. */
  ageMs: number;
  /** Browser clock now, for the moments the page itself saw. */
  now: number;
}

function LeaseChip({ lease, holding, clock }: { lease: InstanceLease; holding: Holding | undefined; clock: LeaseClock }) {
  // The TTL in Redis, the same figure for every instance; this instance's own (shorter, certain) validity is in the title.
  const left = leftNow(lease.ttlMs ?? lease.remainingMs, clock.ageMs);
  const tone = leaseTone(left);
  const heldFor = lease.heldForMs !== null ? lease.heldForMs + clock.ageMs : null;
  const movedAgo = heldFor === null && holding?.changed && holding.token === lease.token ? clock.now - holding.since : null;
  const title = [
    `fencing token ${lease.token}`,
    lease.ttlMs !== null ? `expires in the coordination Redis in ${formatSpan(leftNow(lease.ttlMs, clock.ageMs))} unless renewed` : "no longer under this instance in the coordination Redis",
    lease.remainingMs !== null ? `certainly valid for ${formatSpan(left)} more (cut short of the TTL for clock drift)` : null,
    heldFor !== null ? `held for ${formatSpan(heldFor)}` : movedAgo !== null ? `moved here ${formatSpan(movedAgo)} ago (seen by this page)` : "held since before this page opened",
  ]
    .filter(Boolean)
    .join("\n");
  return (
    <li className={`inline-flex max-w-full flex-wrap items-baseline gap-x-1.5 rounded border px-1.5 py-0.5 text-xs ${TONE[tone]}`} title={title} data-testid="instance-lease" data-topology={lease.topology} data-token={lease.token}>
      <span className="min-w-0 font-mono break-all">{lease.topology}</span>
      <span className="num whitespace-nowrap" data-testid="instance-lease-left">
        {left === null ? "no lease in Redis" : left === 0 ? "expiring now" : tone === "expiring" ? `${formatSpan(left)} left!` : `${formatSpan(left)} left`}
      </span>
      {heldFor !== null && <span className="num whitespace-nowrap text-slate-400">held {formatSpan(heldFor)}</span>}
      {movedAgo !== null && movedAgo < MOVED_SHOWN_MS && (
        <span className="num whitespace-nowrap text-sky-300" data-testid="instance-lease-moved">
          moved {formatSpan(movedAgo)} ago
        </span>
      )}
    </li>
  );
}

export function InstancesTable({ rows, holdings, clock, serverNow }: { rows: InstanceRow[]; holdings: Record<string, Holding>; clock: LeaseClock; serverNow: number }) {
  if (rows.length === 0) {
    return (
      <p className="text-sm text-slate-400" data-testid="instances-empty">
        No instance heartbeats in the coordination Redis right now (not even this one yet: it registers on its first tick).
      </p>
    );
  }
  const cell = "block lg:table-cell lg:py-2 lg:pr-4 lg:align-top";
  return (
    <table className="block w-full text-sm lg:table" data-testid="instances-table">
      <thead className="hidden text-left text-xs text-slate-400 lg:table-header-group">
        <tr>
          <th className="py-1 pr-4 font-normal">instance</th>
          <th className="pr-4 font-normal">address</th>
          <th className="pr-4 font-normal">started</th>
          <th className="font-normal">topologies owned (lease time left)</th>
        </tr>
      </thead>
      <tbody className="block space-y-3 lg:table-row-group lg:space-y-0">
        {rows.map((r) => (
          <tr
            key={r.id}
            className={`block rounded-lg border p-3 lg:table-row lg:rounded-none lg:border-0 lg:border-t lg:p-0 ${r.self ? "border-sky-700/60 bg-sky-950/20" : "border-slate-800"} lg:border-slate-800`}
            data-testid="instance-row"
            data-instance={r.id}
            data-self={r.self}
            data-live={r.live}
          >
            <td className={`${cell} font-mono break-all text-slate-100 ${r.id.length <= NOWRAP_ID ? "lg:whitespace-nowrap" : "lg:min-w-[20rem]"}`}>
              {r.id}
              {r.self && (
                <span className="ml-2 rounded bg-sky-800/60 px-1.5 py-0.5 font-sans text-xs whitespace-nowrap text-sky-100" data-testid="instance-self">
                  this instance
                </span>
              )}
              {!r.live && (
                <span className="ml-2 rounded bg-rose-900/60 px-1.5 py-0.5 font-sans text-xs whitespace-nowrap text-rose-100" title="its heartbeat is not in the member list: the other instances do not count it">
                  not in the member list
                </span>
              )}
            </td>
            <td className={`${cell} font-mono text-xs break-all text-slate-300 lg:text-sm lg:whitespace-nowrap`}>
              <span className="font-sans text-slate-500 lg:hidden">address </span>
              {r.address}
            </td>
            <td className={`${cell} text-xs whitespace-nowrap text-slate-300 lg:text-sm`}>
              <span className="text-slate-500 lg:hidden">started </span>
              <span className="num font-mono">{formatClock(r.startedAt)}</span> <span className="text-slate-500">({formatSpan(serverNow - r.startedAt)} ago)</span>
            </td>
            <td className={`${cell} pt-2`}>
              {r.leases.length === 0 ? (
                <span className="text-xs text-slate-500">none</span>
              ) : (
                <ul className="flex flex-wrap gap-1.5">
                  {r.leases.map((l) => (
                    <LeaseChip key={l.topology} lease={l} holding={holdings[l.topology]} clock={clock} />
                  ))}
                </ul>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
