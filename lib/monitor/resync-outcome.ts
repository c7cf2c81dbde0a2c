// Pure: what the resync tracker reports, and the timeline event an operator reads for it.
import { REASON_TEXT, type ResyncReason } from "./sync";
import type { NodeEvent } from "../timeline/types";

/**
 * The strongest evidence behind a kind: a log line, a sync seen in progress in INFO, the master's
 * sync counters, the replica's master-link identity (a partial resync keeps the master client, a
 * full one makes a new one), or the PSYNC decision replayed from offsets.
 */
export type ResyncSource = "log" | "info" | "stats" | "link" | "predicted";

export interface ResyncOutcome {
  /**
   * The replica that resynced; null when the master counted it but the polls cannot tell which
   * replica made it (see `candidates`): the event then goes on the master that served it.
   */
  replica: string | null;
  /** With no replica: the nodes that may have made it (each may have reconnected then); empty: none replscope watches. */
  candidates?: string[];
  master: string | null;
  kind: "full" | "partial";
  reason: ResyncReason | null;
  source: ResyncSource;
  startedAt: number;
  endedAt: number;
  keysLoaded: number | null;
  /** Several resyncs of one replica seen in one window (back to back): this is number `index` of `count`. */
  series?: { index: number; count: number };
  /** Never seen down: cut and re-made between two polls, so the duration is only an upper bound. */
  betweenPolls?: boolean;
}

function how(o: ResyncOutcome): string {
  if (o.source === "stats") return " (from the master's sync counters)";
  if (o.source === "predicted") return " (inferred from offsets)";
  if (o.source === "link") return o.kind === "partial" ? " (the replica kept its master client: a PSYNC continuation)" : " (the replica made a new master client)";
  return "";
}

function servedText(o: ResyncOutcome): string {
  const who = !o.candidates?.length
    ? "a replica replscope does not watch (every replica it watches kept its link then)"
    : `one of ${o.candidates.join(", ")} (each may have reconnected between two polls; the counters cannot tell which one)`;
  return `${o.master} served a ${o.kind === "full" ? "FULL" : "partial"} resync to ${who}`;
}

export function outcomeEvent(o: ResyncOutcome, fmt: (n: number) => string = String): NodeEvent {
  const took = ((o.endedAt - o.startedAt) / 1000).toFixed(1);
  const series = o.series ? ` [${o.series.index} of ${o.series.count} back to back]` : "";
  const seriesData: Record<string, number> = o.series ? { seriesIndex: o.series.index, seriesCount: o.series.count } : {};
  if (o.replica === null) {
    // Counted by the master, owner unknown: on the master's timeline, saying whom it may have been.
    return {
      kind: o.kind === "full" ? "sync:full-resync" : "sync:partial-resync",
      node: o.master ?? "unknown",
      severity: o.kind === "full" ? "warning" : "info",
      text: `${servedText(o)}, counted within ${took} s${series}`,
      data: { master: o.master, replica: null, candidates: (o.candidates ?? []).join(" "), reason: o.reason, source: o.source, durationMs: o.endedAt - o.startedAt, onlineAt: o.endedAt, ...seriesData },
    };
  }
  const from = o.master ? ` from ${o.master}` : "";
  const keys = o.keysLoaded !== null ? `, loaded ${fmt(o.keysLoaded)} keys` : "";
  const by = how(o);
  const back = o.betweenPolls ? `reconnected between two polls (within ${took} s)` : `back online after ${took} s`;
  if (o.kind === "full") {
    return {
      kind: "sync:full-resync",
      node: o.replica,
      // A new replica's first full sync is expected: information, not a warning.
      severity: o.reason === "new-replica" ? "info" : "warning",
      text: `${o.replica} FULL resync${from}: ${REASON_TEXT[o.reason ?? "unknown"]}${keys}; ${back}${by}${series}`,
      data: { master: o.master, reason: o.reason, source: o.source, keysLoaded: o.keysLoaded, durationMs: o.endedAt - o.startedAt, onlineAt: o.endedAt, ...(o.betweenPolls ? { betweenPolls: true } : {}), ...seriesData },
    };
  }
  return {
    kind: "sync:partial-resync",
    node: o.replica,
    severity: "info",
    text: `${o.replica} partial resync${from}: the backlog covered the gap; ${back}${by}${series}`,
    data: { master: o.master, source: o.source, durationMs: o.endedAt - o.startedAt, onlineAt: o.endedAt, ...(o.betweenPolls ? { betweenPolls: true } : {}), ...seriesData },
  };
}
