// Display helpers for drills: scenario explanations, status colours, millisecond figures. Pure.
import type { DrillScenario, DrillStatus, DrillStep } from "@/lib/drills/types";

export const SCENARIO_TEXT: Record<DrillScenario, { label: string; explain: string }> = {
  switchover: { label: "Switchover", explain: "Planned: FAILOVER TO the target on the master, which waits for it to catch up, then swaps roles." },
  promote: { label: "Promote", explain: "Manual: REPLICAOF NO ONE on the target, then the other replicas are re-pointed to it." },
  sentinel: { label: "Sentinel failover", explain: "SENTINEL FAILOVER: Sentinel picks and promotes a replica and reconfigures the rest." },
  outage: { label: "Master outage", explain: "CLIENT PAUSE on the master for a while: see what detects it and, with Sentinel, who takes over." },
  "cluster-failover": { label: "Cluster failover", explain: "CLUSTER FAILOVER (default, FORCE or TAKEOVER) sent to the chosen replica: the cluster promotes it for its shard's slots." },
  "cluster-outage": { label: "Cluster master outage", explain: "The replica's master stops answering (CLIENT PAUSE: the cluster keeps it; DEBUG SLEEP: the cluster fails it over after node-timeout)." },
};

export const STATUS_TONE: Record<DrillStatus, string> = {
  running: "bg-sky-500/15 text-sky-300 ring-sky-500/40",
  done: "bg-emerald-500/15 text-emerald-300 ring-emerald-500/40",
  aborted: "bg-amber-500/15 text-amber-300 ring-amber-500/40",
  failed: "bg-rose-500/15 text-rose-300 ring-rose-500/40",
  interrupted: "bg-orange-500/15 text-orange-300 ring-orange-500/40",
};

export const STEP_TONE: Record<DrillStep["status"], string> = {
  started: "bg-sky-400",
  ok: "bg-emerald-400",
  error: "bg-rose-500",
  info: "bg-slate-400",
  waiting: "bg-sky-400",
};

export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "—";
  return `${Math.round(ms).toLocaleString("en-US")} ms`;
}

export function formatWhen(epochMs: number): string {
  const d = new Date(epochMs);
  return `${d.toLocaleDateString("en-CA")} ${d.toLocaleTimeString("en-GB", { hour12: false })}`;
}

/** null means either no write failed (0 ms) or writes never recovered before the drill ended. */
export function outageText(r: { writeOutageMs: number | null; canary: { failed: number; sent: number } }): string {
  if (r.writeOutageMs !== null) return formatMs(r.writeOutageMs);
  if (r.canary.sent === 0) return "—";
  return r.canary.failed === 0 ? "0 ms" : "not recovered";
}
