// Pure: one poll's replies (INFO text, optional ROLE and CLIENT LIST TYPE master) → a PollResult.
// NodePoller does the I/O and calls this; tests feed it captured INFO fixtures.
import type { MasterLink } from "../redis/client-list";
import { parseInfo, parseReplication, parseServerFacts, type InfoSelection } from "../redis/info";
import type { PollResult } from "./reduce";
import type { NodeConfig, SyncCounters } from "./types";

/** The server replied, but not with what a monitored Redis node says (e.g. a Sentinel). */
export class UnexpectedReplyError extends Error {
  override name = "UnexpectedReplyError";
}

export interface PollReplies {
  /** INFO's reply. Sections present decide what is read: facts only with `server` (a full round). */
  info: string;
  /** Only these sections/field prefixes are parsed (a fast poll); all of them when absent. */
  fields?: InfoSelection;
  at: number;
  latencyMs: number;
  /** When INFO was sent. */
  sentAt?: number;
  /** ROLE's reply, when it was asked (a replica whose link is not up). */
  role?: unknown;
  /** CLIENT LIST TYPE master, parsed: null for no link, undefined when not asked or refused. */
  masterLink?: MasterLink | null;
  /** CONFIG GET, when read on this round (once per connection). */
  config?: NodeConfig;
}

/** Throws UnexpectedReplyError when INFO has no replication section. */
export function pollResultOf(r: PollReplies): Extract<PollResult, { ok: true }> {
  const sections = parseInfo(r.info, r.fields);
  if (!sections.replication) throw new UnexpectedReplyError("INFO has no replication section (is this a Sentinel?)");
  const repl = parseReplication(sections.replication);
  const full = sections.server !== undefined;
  // ROLE for a replica: ["slave", host, port, state, offset]; state is connect/connecting/handshake/sync/connected.
  const role = r.role;
  const linkState = Array.isArray(role) && role[0] === "slave" && typeof role[3] === "string" ? role[3] : undefined;
  const counters = sections.stats ? countersOf(sections.stats) : undefined;
  return {
    ok: true,
    at: r.at,
    ...(r.sentAt !== undefined ? { sentAt: r.sentAt } : {}),
    latencyMs: r.latencyMs,
    repl,
    ...(full ? { facts: parseServerFacts(sections), info: sections } : {}),
    ...(counters ? { counters } : {}),
    ...(r.config ? { config: r.config } : {}),
    ...(linkState !== undefined ? { linkState } : {}),
    ...(r.masterLink !== undefined && repl.role === "replica" ? { masterLink: r.masterLink } : {}),
  };
}

function countersOf(stats: Record<string, string>): SyncCounters | undefined {
  if (stats.sync_full === undefined) return undefined;
  return { full: Number(stats.sync_full), partialOk: Number(stats.sync_partial_ok ?? 0), partialErr: Number(stats.sync_partial_err ?? 0) };
}
