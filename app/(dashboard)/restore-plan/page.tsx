import { notFound } from "next/navigation";
import { RestorePlanView } from "@/components/persistence/restore-plan-view";
import { restorePlan, type RestorePlan } from "@/lib/persistence/restore-plan";
import type { TopologyMonitor } from "@/lib/monitor/topology-monitor";
import { restoreTopologyOf } from "@/lib/persistence/restore-input";
import { findRuntime } from "@/lib/runtime";

export const dynamic = "force-dynamic";

/** The plan and when it was built (outside render: the clock is read once per request). */
function planOf(monitor: TopologyMonitor): { plan: RestorePlan; at: number } {
  return { plan: restorePlan(restoreTopologyOf(monitor)), at: Date.now() };
}

export default async function RestorePlanPage({ searchParams }: { searchParams: Promise<{ topology?: string }> }) {
  const { topology } = await searchParams;
  const hub = findRuntime()?.hub;
  if (!hub) return <p className="py-12 text-center text-sm text-slate-400">replscope is not running under server.ts.</p>;
  const monitor = typeof topology === "string" ? hub.get(topology) : hub.monitors.values().next().value;
  if (!monitor) notFound();
  const { plan, at } = planOf(monitor);
  return <RestorePlanView plan={plan} at={at} />;
}
