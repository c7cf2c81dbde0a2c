import Link from "next/link";
import type { RestorePlan } from "@/lib/persistence/restore-plan";

/** "Restoring an RDB into this topology": what happens, then the steps. Server-rendered, no state. */
export function RestorePlanView({ plan, at }: { plan: RestorePlan; at: number }) {
  return (
    <div className="space-y-5" data-testid="restore-plan" data-topology={plan.topology}>
      <div className="flex flex-wrap items-center gap-3">
        <Link href={`/?topology=${encodeURIComponent(plan.topology)}`} className="text-sm text-slate-400 hover:text-slate-200">
          ← {plan.topology}
        </Link>
        <h1 className="text-lg font-semibold text-slate-50">Restoring an RDB into this topology</h1>
        <span className="ml-auto text-xs text-slate-500">as the monitor saw it at {new Date(at).toISOString().replace("T", " ").slice(0, 19)} UTC</span>
      </div>
      <p className="text-sm text-slate-300">
        Master: <span className="font-mono" data-testid="restore-master">{plan.master ?? "unknown"}</span>
        {plan.replicas.length > 0 && (
          <>
            {" "}· replicas: <span className="font-mono">{plan.replicas.join(", ")}</span>
          </>
        )}
      </p>

      {plan.masters.length > 1 && (
        <nav className="flex flex-wrap items-center gap-2 text-sm" data-testid="restore-master-choice">
          <span className="text-slate-400">Plan for the master:</span>
          {plan.masters.map((m) => (
            <Link
              key={m}
              href={`/restore-plan?topology=${encodeURIComponent(plan.topology)}&master=${encodeURIComponent(m)}`}
              className={`rounded border px-2 py-0.5 font-mono ${m === plan.master ? "border-sky-400 text-sky-200" : "border-slate-700 text-slate-300 hover:border-slate-500"}`}
            >
              {m}
            </Link>
          ))}
        </nav>
      )}

      <section className="rounded-xl border border-slate-800 bg-slate-900/30 p-4">
        <h2 className="mb-2 text-sm font-semibold text-slate-300">What will happen</h2>
        <ul className="space-y-2" data-testid="restore-consequences">
          {plan.consequences.map((c, i) => (
            <li key={i} className="rounded border border-amber-500/30 bg-amber-950/20 px-3 py-2 text-sm text-amber-100" data-testid={`consequence-${c.kind}`}>
              {c.text}
            </li>
          ))}
        </ul>
      </section>

      {plan.steps.length > 0 && (
        <section className="rounded-xl border border-slate-800 bg-slate-900/30 p-4">
          <h2 className="mb-2 text-sm font-semibold text-slate-300">The steps, in order</h2>
          <ol className="space-y-3" data-testid="restore-steps">
            {plan.steps.map((s, i) => (
              <li key={i} className="min-w-0">
                <div className="text-sm font-semibold text-slate-100">
                  {i + 1}. {s.title}
                </div>
                <p className="text-xs text-slate-400">{s.why}</p>
                <pre className="mt-1 overflow-x-auto rounded bg-slate-950 p-2 font-mono text-xs text-slate-200">{s.commands.join("\n")}</pre>
              </li>
            ))}
          </ol>
        </section>
      )}
    </div>
  );
}
