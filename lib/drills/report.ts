// Pure: turns what a drill saw (canary writes, timeline events, final views) into its report.
import { escapeInvisible } from "../keys/codec";
import type { NodeView } from "../monitor/types";
import type { TimelineEvent } from "../timeline/types";
import { lostWrites, writeOutageMs, type CanaryWrite } from "./canary";
import type { DrillReport, ReplicaOutcome } from "./types";

/** The first sign of a master's trouble: Sentinel's subjective down, a replica's link, the node itself. */
function isDetection(e: TimelineEvent, oldMaster: string | null): boolean {
  return e.kind === "sentinel:+sdown" || e.kind === "replica:link-down" || (e.kind === "node:down" && e.node === oldMaster);
}

export interface ReportInput {
  startedAt: number;
  actionAt: number | null;
  endedAt: number;
  oldMaster: string | null;
  newMaster: string | null;
  writes: CanaryWrite[];
  /** Sequence numbers the final master holds. */
  present: Set<number> | null;
  events: TimelineEvent[];
  finalViews: NodeView[];
  secondIdGap: number | null;
}

export function buildReport(i: ReportInput): DrillReport {
  const after = (e: TimelineEvent) => i.actionAt !== null && e.at >= i.actionAt;
  const detect = i.events.find((e) => after(e) && isDetection(e, i.oldMaster));
  const promoted = i.events.find((e) => after(e) && e.kind === "node:role-changed" && e.data?.to === "master" && (!i.newMaster || e.node === i.newMaster));
  // Not read back (no reachable final master, or the drill failed first): unknown, not 0.
  const lost = i.present ? lostWrites(i.writes, i.present) : null;
  const replicas: ReplicaOutcome[] = i.finalViews
    .filter((v) => v.id !== i.newMaster && (v.role === "replica" || v.id === i.oldMaster))
    .map((v) => {
      const resync = [...i.events].reverse().find((e) => after(e) && e.node === v.id && (e.kind === "sync:full-resync" || e.kind === "sync:partial-resync"));
      return {
        id: v.id,
        resync: resync ? (resync.kind === "sync:full-resync" ? "full" : "partial") : null,
        reason: typeof resync?.data?.reason === "string" ? resync.data.reason : null,
        // When the replica was seen back online, not when the resync was decided (a little later).
        onlineAfterMs: resync && i.actionAt !== null ? (typeof resync.data?.onlineAt === "number" ? resync.data.onlineAt : resync.at) - i.actionAt : null,
      };
    });
  return {
    startedAt: i.startedAt,
    actionAt: i.actionAt,
    endedAt: i.endedAt,
    oldMaster: i.oldMaster,
    newMaster: i.newMaster,
    detectMs: detect && i.actionAt !== null ? detect.at - i.actionAt : null,
    promoteMs: promoted && i.actionAt !== null ? promoted.at - i.actionAt : null,
    writeOutageMs: writeOutageMs(i.writes),
    lostWrites: lost ? lost.length : null,
    canary: {
      sent: i.writes.length,
      acked: i.writes.filter((w) => w.ackAt !== null).length,
      failed: i.writes.filter((w) => w.failedAt !== null && w.ackAt === null).length,
      lostSeqs: lost ? lost.slice(0, 200) : [],
    },
    replicas,
    secondIdGap: i.secondIdGap,
    finalTopology: i.finalViews.map((v) => ({ id: v.id, role: v.role, status: v.status, masterId: v.masterId })),
  };
}

/**
 * Text the server did not write itself (node ids announced by Redis, replication reasons, error
 * messages, names from the config) as inert Markdown: one line (controls and invisible
 * characters escaped), HTML's < > & as entities, and the Markdown punctuation that makes links,
 * images, emphasis, code or table cells backslash-escaped. It is always embedded after other text
 * on its line, so line-start syntax (#, -, 1.) cannot take effect.
 */
export function mdText(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return "—";
  return escapeInvisible(String(value))
    .replace(/[\\`*_{}[\]()#+!|~]/g, (c) => `\\${c}`)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;");
}

export function reportMarkdown(d: { id: string; topology: string; scenario: string; status: string; user: string; steps: { at: number; name: string; status: string; detail: string }[] }, r: DrillReport | null): string {
  const ms = (v: number | null) => (v === null ? "—" : `${v} ms`);
  const t = mdText;
  const lines = [
    `# Drill ${t(d.id)}: ${t(d.scenario)} on ${t(d.topology)}`,
    "",
    `Status: **${t(d.status)}** · run by ${t(d.user)} · ${new Date(r?.startedAt ?? Date.now()).toISOString()}`,
    "",
  ];
  if (r) {
    lines.push(
      "| measure | value |",
      "| --- | --- |",
      `| old master → new master | ${t(r.oldMaster)} → ${t(r.newMaster)} |`,
      `| time to detect | ${ms(r.detectMs)} |`,
      `| time to promote | ${ms(r.promoteMs)} |`,
      `| write outage | ${ms(r.writeOutageMs)} |`,
      `| lost writes (acknowledged, then gone) | ${r.lostWrites ?? "unknown (not read back)"} |`,
      `| canary writes sent / acked / failed | ${r.canary.sent} / ${r.canary.acked} / ${r.canary.failed} |`,
      `| second-ID offset gap of the old master | ${r.secondIdGap ?? "—"} |`,
      "",
      "## Replicas",
      "",
      "| replica | resync | reason | online after |",
      "| --- | --- | --- | --- |",
      ...r.replicas.map((x) => `| ${t(x.id)} | ${t(x.resync)} | ${t(x.reason)} | ${ms(x.onlineAfterMs)} |`),
      "",
      "## Final topology",
      "",
      ...r.finalTopology.map((n) => `- ${t(n.id)}: ${t(n.role)}${n.masterId ? ` of ${t(n.masterId)}` : ""} (${t(n.status)})`),
      "",
    );
  }
  lines.push("## Steps", "", ...d.steps.map((s) => `- ${new Date(s.at).toISOString().slice(11, 23)} \\[${t(s.status)}\\] ${t(s.name)}: ${t(s.detail)}`), "");
  return lines.join("\n");
}
