"use client";
// Shown on the overview while a master does not answer: who should take over and how.
import Link from "next/link";
import { formatDuration } from "@/lib/format";
import { masterDownPlaybook } from "@/lib/monitor/playbook";
import type { NodeView } from "@/lib/monitor/types";
import type { SentinelView } from "@/lib/sentinel/discover";

export function MasterDownPlaybook({ nodes, sentinels, topology, drills, now }: { nodes: NodeView[]; sentinels: SentinelView[]; topology: string; drills: boolean; now: number }) {
  const books = nodes
    .filter((n) => n.role === "master" && n.status === "down")
    .map((m) => masterDownPlaybook(nodes, m.id, now, sentinels))
    .filter((b) => b !== null);
  if (!books.length) return null;
  return (
    <>
      {books.map((b) => (
        <section key={b.master} className="space-y-2 rounded-xl border border-rose-500/50 bg-rose-950/30 p-4 text-sm" data-testid="master-down-playbook">
          <h2 className="font-semibold break-words text-rose-200">
            Master {b.master} is not answering{b.downForMs !== null ? ` (${formatDuration(b.downForMs)})` : ""}: its replicas&apos; numbers are last-seen, not current
          </h2>
          {b.sentinel && (
            <p className="text-xs text-slate-300" data-testid="playbook-sentinel">
              Sentinel: {b.sentinel.text}
            </p>
          )}
          {b.candidate ? (
            <p className="text-slate-200" data-testid="playbook-candidate">
              Promotion candidate: <span className="font-mono font-semibold">{b.candidate.id}</span>{" "}
              <span className="text-xs text-slate-400">({b.candidate.why})</span>
            </p>
          ) : (
            <p className="text-amber-200" data-testid="playbook-candidate">No replica is safe to promote right now.</p>
          )}
          {b.excluded.length > 0 && (
            <ul className="list-disc pl-5 text-xs text-slate-400">
              {b.excluded.map((e) => (
                <li key={e.id}>
                  <span className="font-mono">{e.id}</span>: {e.why}
                </li>
              ))}
            </ul>
          )}
          {b.commands.length > 0 && (
            <pre className="overflow-x-auto rounded bg-slate-950/70 p-2 font-mono text-xs text-slate-200" data-testid="playbook-commands">
              {b.commands.join("\n")}
            </pre>
          )}
          {b.candidate && drills && (
            <Link
              href={`/drills?topology=${encodeURIComponent(topology)}&scenario=promote&target=${encodeURIComponent(b.candidate.id)}`}
              className="inline-block rounded bg-rose-600 px-3 py-1 text-xs font-semibold text-white hover:bg-rose-500"
              data-testid="playbook-drill"
            >
              Prepare a promote of {b.candidate.id}…
            </Link>
          )}
        </section>
      ))}
    </>
  );
}
