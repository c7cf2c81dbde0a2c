// Every live instance and the topologies it holds a lease on, with time left. One table: on narrow
// screens each row stacks into a card (labels shown inline), so nothing scrolls sideways.
import type { InstanceLease, InstanceRow } from "@/lib/fleet/instances";
import { formatClock } from "@/lib/format";
import { formatSpan, leaseTone, leftNow } from "./model";

const TONE = { ok: "border-emerald-500/40 text-emerald-200", expiring: "border-amber-500/60 text-amber-200", unknown: "border-slate-600 text-slate-300" };

function LeaseChip({ lease, ageMs }: { lease: InstanceLease; ageMs: number }) {
  // This instance: the validity it acts on (certain, cut short of the TTL); others: the TTL in Redis.
  const left = leftNow(lease.remainingMs ?? lease.ttlMs, ageMs);
  const tone = leaseTone(left);
  const title = [
    `fencing token ${lease.token}`,
    lease.ttlMs !== null ? `expires in the coordination Redis in ${formatSpan(leftNow(lease.ttlMs, ageMs))}` : "not in the coordination Redis under this instance any more",
    lease.heldForMs !== null ? `held for ${formatSpan(lease.heldForMs + ageMs)}` : null,
  ]
    .filter(Boolean)
    .join(" · ");
  return (
    <li className={`inline-flex max-w-full items-baseline gap-1.5 rounded border px-1.5 py-0.5 text-xs ${TONE[tone]}`} title={title} data-testid="instance-lease" data-topology={lease.topology} data-token={lease.token}>
      <span className="truncate font-mono">{lease.topology}</span>
      <span className="num text-slate-400">#{lease.token}</span>
      <span className="num whitespace-nowrap">{left === null ? "no lease in Redis" : tone === "expiring" ? `${formatSpan(left)} left!` : `${formatSpan(left)} left`}</span>
      {lease.heldForMs !== null && <span className="num whitespace-nowrap text-slate-400">held {formatSpan(lease.heldForMs + ageMs)}</span>}
    </li>
  );
}

export function InstancesTable({ rows, ageMs, serverNow }: { rows: InstanceRow[]; ageMs: number; serverNow: number }) {
  if (rows.length === 0) {
    return (
      <p className="text-sm text-slate-400" data-testid="instances-empty">
        No instance heartbeats in the coordination Redis right now (not even this one yet: it registers on its first tick).
      </p>
    );
  }
  const cell = "block md:table-cell md:py-2 md:pr-4 md:align-top";
  return (
    <table className="block w-full text-sm md:table" data-testid="instances-table">
      <thead className="hidden text-left text-xs text-slate-400 md:table-header-group">
        <tr>
          <th className="py-1 pr-4 font-normal">instance</th>
          <th className="pr-4 font-normal">address</th>
          <th className="pr-4 font-normal">started</th>
          <th className="font-normal">topologies owned (lease time left)</th>
        </tr>
      </thead>
      <tbody className="block space-y-3 md:table-row-group md:space-y-0">
        {rows.map((r) => (
          <tr
            key={r.id}
            className={`block rounded-lg border p-3 md:table-row md:rounded-none md:border-0 md:border-t md:p-0 ${r.self ? "border-sky-700/60 bg-sky-950/20" : "border-slate-800"} md:border-slate-800`}
            data-testid="instance-row"
            data-instance={r.id}
            data-self={r.self}
            data-live={r.live}
          >
            <td className={`${cell} font-mono break-all text-slate-100`}>
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
            <td className={`${cell} font-mono text-xs text-slate-300 md:text-sm`}>
              <span className="font-sans text-slate-500 md:hidden">address </span>
              {r.address}
            </td>
            <td className={`${cell} text-xs whitespace-nowrap text-slate-300 md:text-sm`}>
              <span className="text-slate-500 md:hidden">started </span>
              <span className="num font-mono">{formatClock(r.startedAt)}</span> <span className="text-slate-500">({formatSpan(serverNow - r.startedAt)} ago)</span>
            </td>
            <td className={`${cell} pt-2 md:pt-2`}>
              {r.leases.length === 0 ? (
                <span className="text-xs text-slate-500">none</span>
              ) : (
                <ul className="flex flex-wrap gap-1.5">
                  {r.leases.map((l) => (
                    <LeaseChip key={l.topology} lease={l} ageMs={ageMs} />
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
