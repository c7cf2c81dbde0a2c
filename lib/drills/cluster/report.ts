// Pure: a cluster drill's report from what it saw (canary writes, the observer's views, epochs).
import type { ClusterView } from "../../cluster/model";
import type { SlotRange } from "../../cluster/parse";
import { lostWrites, writeOutageMs, type CanaryWrite } from "../canary";
import { mdText } from "../report";
import type { DrillStep } from "../types";
import type { ClusterDrillPlan, ClusterDrillReport } from "./types";

/** The master serving `slot` in a view (null when none does). */
export function slotOwner(view: ClusterView, slot: number): string | null {
  return view.nodes.find((n) => n.role === "master" && n.slots.some(([a, b]) => a <= slot && slot <= b))?.id ?? null;
}

/** Every slot of `want` is inside some range of `have`. */
export function coversSlots(have: readonly SlotRange[], want: readonly SlotRange[]): boolean {
  return want.every(([a, b]) => {
    // Ranges from one CLUSTER NODES line never overlap; walk them in order.
    let next = a;
    for (const [x, y] of [...have].sort((p, q) => p[0] - q[0])) if (x <= next && next <= y) next = y + 1;
    return next > b;
  });
}

/** The shard's node (not the old master) that owns all its slots with a config epoch above `epochBefore`. */
export function promotedNode(view: ClusterView, plan: ClusterDrillPlan, epochBefore: number | null): string | null {
  const candidates = [plan.replica.id, ...plan.siblings.map((s) => s.id)];
  return (
    view.nodes.find((n) => candidates.includes(n.id) && n.role === "master" && coversSlots(n.slots, plan.slots) && (n.configEpoch ?? -1) > (epochBefore ?? -1))?.id ?? null
  );
}

export interface ClusterReportInput {
  plan: ClusterDrillPlan;
  canaryKey: string;
  startedAt: number;
  actionAt: number | null;
  promotedAt: number | null;
  endedAt: number;
  newMaster: string | null;
  epochBefore: number | null;
  finalView: ClusterView | null;
  writes: CanaryWrite[];
  /** Sequence numbers the final master holds (null: could not be read). */
  present: Set<number> | null;
}

export function buildClusterReport(i: ClusterReportInput): ClusterDrillReport {
  // Not read back (the final master was unreachable, still paused, or the drill failed): unknown, not 0.
  const lost = i.present ? lostWrites(i.writes, i.present) : null;
  const old = i.finalView?.nodes.find((n) => n.id === i.plan.master.id);
  const neu = i.newMaster ? i.finalView?.nodes.find((n) => n.id === i.newMaster) : undefined;
  const promoted = i.promotedAt !== null && i.newMaster !== null && i.newMaster !== i.plan.master.id;
  return {
    mode: i.plan.mode,
    outageMethod: i.plan.outageMethod,
    slots: i.plan.slotsText,
    canaryKey: i.canaryKey,
    canarySlot: i.plan.canarySlot,
    observer: i.plan.observer.address,
    replica: i.plan.replica.id,
    oldMaster: i.plan.master.id,
    newMaster: i.newMaster,
    promoted,
    startedAt: i.startedAt,
    actionAt: i.actionAt,
    promotedAt: promoted ? i.promotedAt : null,
    endedAt: i.endedAt,
    promoteMs: promoted && i.actionAt !== null && i.promotedAt !== null ? i.promotedAt - i.actionAt : null,
    writeOutageMs: writeOutageMs(i.writes),
    lostWrites: lost ? lost.length : null,
    canary: {
      sent: i.writes.length,
      acked: i.writes.filter((w) => w.ackAt !== null).length,
      failed: i.writes.filter((w) => w.failedAt !== null && w.ackAt === null).length,
      lostSeqs: lost ? lost.slice(0, 200) : [],
    },
    epochBefore: i.epochBefore,
    epochAfter: i.finalView?.currentEpoch ?? null,
    newMasterConfigEpoch: neu?.configEpoch ?? null,
    oldMasterNow: old ? { role: old.role, masterId: old.masterId, failure: old.failure } : null,
  };
}

/** The report as Markdown, like reportMarkdown for replication drills; every Redis-given text through mdText. */
export function clusterReportMarkdown(d: { id: string; topology: string; status: string; user: string; steps: readonly DrillStep[] }, r: ClusterDrillReport): string {
  const ms = (v: number | null) => (v === null ? "—" : `${v} ms`);
  const t = mdText;
  const mode = r.outageMethod ? `${r.mode} (${r.outageMethod})` : r.mode;
  return [
    `# Cluster drill ${t(d.id)}: ${t(mode)} on ${t(d.topology)}`,
    "",
    `Status: **${t(d.status)}** · run by ${t(d.user)} · ${new Date(r.startedAt).toISOString()}`,
    "",
    "| measure | value |",
    "| --- | --- |",
    `| shard slots | ${t(r.slots)} |`,
    `| old master → new master | ${t(r.oldMaster)} → ${t(r.newMaster)} |`,
    `| promoted (seen by ${t(r.observer)}) | ${r.promoted ? "yes" : "no"} |`,
    `| time to promote | ${ms(r.promoteMs)} |`,
    `| write outage | ${ms(r.writeOutageMs)} |`,
    `| lost writes (acknowledged, then gone) | ${r.lostWrites ?? "unknown (not read back)"} |`,
    `| canary writes sent / acked / failed | ${r.canary.sent} / ${r.canary.acked} / ${r.canary.failed} |`,
    `| current epoch before → after | ${r.epochBefore ?? "—"} → ${r.epochAfter ?? "—"} |`,
    `| old master now | ${r.oldMasterNow ? `${t(r.oldMasterNow.role)}${r.oldMasterNow.masterId ? ` of ${t(r.oldMasterNow.masterId)}` : ""} (${t(r.oldMasterNow.failure)})` : "—"} |`,
    "",
    "## Steps",
    "",
    ...d.steps.map((s) => `- ${new Date(s.at).toISOString().slice(11, 23)} \\[${t(s.status)}\\] ${t(s.name)}: ${t(s.detail)}`),
    "",
  ].join("\n");
}
