// Running alone: what that means and how to run several instances instead.
import type { SingleAnswer } from "@/lib/fleet/instances";
import { formatClock } from "@/lib/format";
import { formatSpan } from "./model";

export function SingleInstance({ answer }: { answer: SingleAnswer }) {
  const { instance } = answer;
  return (
    <section className="space-y-3 rounded-xl border border-slate-800 bg-slate-900/30 p-4 text-sm" data-testid="instances-single">
      <h2 className="font-semibold text-slate-100">Single instance: no coordination configured</h2>
      <p className="text-slate-300">
        This replscope runs alone and monitors every configured topology itself
        {instance.topologies.length > 0 ? (
          <>
            {" "}(<span className="font-mono" data-testid="instances-single-topologies">{instance.topologies.join(", ")}</span>)
          </>
        ) : (
          " (none configured)"
        )}
        . It was started at <span className="font-mono">{formatClock(instance.startedAt)}</span> ({formatSpan(answer.at - instance.startedAt)} ago)
        {instance.id ? (
          <>
            {" "}as <span className="font-mono">{instance.id}</span>
          </>
        ) : null}
        .
      </p>
      <p className="text-slate-400">
        To share the work between several instances, start each with the same <code className="text-slate-200">REPLSCOPE_DATABASE_URL</code> (PostgreSQL) and{" "}
        <code className="text-slate-200">REPLSCOPE_COORDINATION_URL</code> (<code>redis://host:port</code> of a Redis they all reach), and optionally a{" "}
        <code className="text-slate-200">REPLSCOPE_INSTANCE_ID</code>. Each topology is then monitored by one instance at a time, under a lease that another instance
        takes over within seconds if its owner stops; this page then lists every instance and what it owns.
      </p>
    </section>
  );
}
