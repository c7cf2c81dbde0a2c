import type { InfoSections } from "@/lib/redis/info";

const ORDER = ["replication", "server", "clients", "memory", "persistence", "stats", "keyspace"];

/** Raw INFO fields, one card per section, in an order an operator reads them. */
export function InfoGroups({ info }: { info: InfoSections | null }) {
  if (!info) return <p className="text-sm text-slate-400">No INFO yet (the node has not answered).</p>;
  const names = [...ORDER.filter((n) => info[n]), ...Object.keys(info).filter((n) => !ORDER.includes(n))];
  return (
    <div className="grid items-start gap-4 md:grid-cols-2 xl:grid-cols-3" data-testid="info-groups">
      {names.map((name) => (
        <details key={name} open={name === "replication" || name === "server"} className="rounded-lg border border-slate-800 bg-slate-900/40">
          <summary className="cursor-pointer px-3 py-2 text-sm font-semibold text-slate-200 capitalize">{name}</summary>
          <table className="w-full text-xs">
            <tbody>
              {Object.entries(info[name] ?? {}).map(([k, v]) => (
                <tr key={k} className="border-t border-slate-800/60">
                  <td className="px-3 py-1 font-mono text-slate-400">{k}</td>
                  <td className="num px-3 py-1 text-right font-mono break-all text-slate-100">{v}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      ))}
    </div>
  );
}
