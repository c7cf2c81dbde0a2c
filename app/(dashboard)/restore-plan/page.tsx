import { notFound } from "next/navigation";
import { RestorePlanView } from "@/components/persistence/restore-plan-view";
import { restorePlan, type RestorePlan } from "@/lib/persistence/restore-plan";
import type { TopologyMonitor } from "@/lib/monitor/topology-monitor";
import { restoreTopologyOf } from "@/lib/persistence/restore-input";
import { NODE_ID } from "@/lib/redis/address";
import { findRuntime } from "@/lib/runtime";

export const dynamic = "force-dynamic";

/** The plan and when it was built (outside render: the clock is read once per request). */
function planOf(monitor: TopologyMonitor, master: string | undefined): { plan: RestorePlan; at: number } {
  return { plan: restorePlan(restoreTopologyOf(monitor), master), at: Date.now() };
}

export default async function RestorePlanPage({ searchParams }: { searchParams: Promise<{ topology?: string; master?: string }> }) {
  const { topology, master } = await searchParams;
  const hub = findRuntime()?.hub;
  if (!hub) return <p className="py-12 text-center text-sm text-slate-400">replscope is not running under server.ts.</p>;
  const monitor = typeof topology === "string" ? hub.get(topology) : hub.monitors.values().next().value;
  if (!monitor) notFound();
  const { plan, at } = planOf(monitor, typeof master === "string" && NODE_ID.test(master) ? master : undefined);
  return <RestorePlanView plan={plan} at={at} />;
}
