// Sentinel replies and pub/sub events as typed records. Pure; never throws on odd input.
//
// SENTINEL MASTERS / REPLICAS / SENTINELS reply with an array of flat field/value arrays
// (["name","mymaster","ip","127.0.0.1",...]); SENTINEL MASTER with one flat array. Sentinel says
// "slave" (num-slaves, slave-priority); our names say replica, and both spellings are accepted.
import { parseSentinelPayload, type SentinelEvent } from "../logs/sentinel";
import { formatAddress } from "../redis/address";
import type { Severity } from "../timeline/types";

export interface SentinelMasterRecord {
  name: string;
  /** host:port where this sentinel believes the master is. */
  address: string;
  runId: string | null;
  /** "master", "s_down", "o_down", "disconnected", "failover_in_progress", ... */
  flags: string[];
  quorum: number | null;
  numOtherSentinels: number | null;
  numReplicas: number | null;
  configEpoch: number | null;
  downAfterMs: number | null;
  failoverTimeoutMs: number | null;
  parallelSyncs: number | null;
  roleReported: string | null;
  /** ms since the master went subjectively / objectively down (only present while it is). */
  sDownMs: number | null;
  oDownMs: number | null;
  lastOkPingReplyMs: number | null;
  /** Only while this sentinel runs a failover: "wait-start", "select-slave", ... (Sentinel's
   * wait_start etc., spelled like the +failover-state-* events). */
  failoverState: string | null;
}

export interface SentinelReplicaRecord {
  /** host:port. */
  address: string;
  runId: string | null;
  flags: string[];
  /** "ok" / "err" as the replica reports its link to its master. */
  masterLinkStatus: string | null;
  /** host:port of the master this replica follows, as it reports. */
  masterAddress: string | null;
  priority: number | null;
  replOffset: number | null;
  roleReported: string | null;
  sDownMs: number | null;
}

export interface SentinelPeerRecord {
  /** host:port of the other sentinel. */
  address: string;
  runId: string | null;
  flags: string[];
  lastHelloMs: number | null;
  votedLeader: string | null;
  votedLeaderEpoch: number | null;
  sDownMs: number | null;
}

export interface CkquorumResult {
  ok: boolean;
  /** Sentinel's own words, e.g. "OK 3 usable Sentinels. Quorum and failover authorization can be reached". */
  text: string;
  usable: number | null;
}

/** A Sentinel pub/sub event ready for the timeline: NodeEvent-shaped, node = the reporting sentinel. */
export interface SentinelEventOut {
  kind: `sentinel:${string}`;
  /** The sentinel (host:port) that reported it. */
  node: string;
  severity: Severity;
  text: string;
  data: Record<string, string | number | boolean | null>;
  /** Same as node; explicit so the UI can group "who said what". */
  sentinel: string;
  at: number;
  event: SentinelEvent | null;
}

/** ["a","1","b","2"] → Map { a → "1", b → "2" }; anything not a flat string array gives an empty map. */
export function fieldMap(reply: unknown): Map<string, string> {
  const map = new Map<string, string>();
  if (!Array.isArray(reply)) return map;
  for (let i = 0; i + 1 < reply.length; i += 2) {
    const k: unknown = reply[i];
    const v: unknown = reply[i + 1];
    if (typeof k === "string" && (typeof v === "string" || typeof v === "number")) map.set(k, String(v));
  }
  return map;
}

/** An array of flat field/value arrays (SENTINEL MASTERS, REPLICAS, SENTINELS). */
function records(reply: unknown): Map<string, string>[] {
  if (!Array.isArray(reply)) return [];
  return reply.filter((r): r is unknown[] => Array.isArray(r)).map(fieldMap);
}

function num(v: string | undefined): number | null {
  if (v === undefined || v === "" || !/^-?\d+(\.\d+)?$/.test(v)) return null;
  return Number(v);
}

function flags(v: string | undefined): string[] {
  return v ? v.split(",").filter(Boolean) : [];
}

function hostPort(m: Map<string, string>, hostKey: string, portKey: string): string | null {
  const host = m.get(hostKey);
  const port = m.get(portKey);
  // A replica that never reported its master: master-host "?", master-port "0".
  return host && host !== "?" && port && port !== "0" ? formatAddress(host, port) : null;
}

export function masterRecord(m: Map<string, string>): SentinelMasterRecord | null {
  const name = m.get("name");
  const address = hostPort(m, "ip", "port");
  if (!name || !address) return null;
  return {
    name,
    address,
    runId: m.get("runid") || null,
    flags: flags(m.get("flags")),
    quorum: num(m.get("quorum")),
    numOtherSentinels: num(m.get("num-other-sentinels")),
    numReplicas: num(m.get("num-slaves") ?? m.get("num-replicas")),
    configEpoch: num(m.get("config-epoch")),
    downAfterMs: num(m.get("down-after-milliseconds")),
    failoverTimeoutMs: num(m.get("failover-timeout")),
    parallelSyncs: num(m.get("parallel-syncs")),
    roleReported: m.get("role-reported") ?? null,
    sDownMs: num(m.get("s-down-time")),
    oDownMs: num(m.get("o-down-time")),
    lastOkPingReplyMs: num(m.get("last-ok-ping-reply")),
    failoverState: m.get("failover-state")?.replace(/_/g, "-") || null,
  };
}

/** SENTINEL MASTERS. */
export function parseMasters(reply: unknown): SentinelMasterRecord[] {
  return records(reply).flatMap((m) => masterRecord(m) ?? []);
}

/** SENTINEL MASTER <name>. */
export function parseMaster(reply: unknown): SentinelMasterRecord | null {
  return masterRecord(fieldMap(reply));
}

/** SENTINEL REPLICAS (or SLAVES) <name>. */
export function parseReplicas(reply: unknown): SentinelReplicaRecord[] {
  return records(reply).flatMap((m) => {
    const address = hostPort(m, "ip", "port");
    if (!address) return [];
    return [
      {
        address,
        runId: m.get("runid") || null,
        flags: flags(m.get("flags")),
        masterLinkStatus: m.get("master-link-status") ?? null,
        masterAddress: hostPort(m, "master-host", "master-port"),
        priority: num(m.get("slave-priority") ?? m.get("replica-priority")),
        replOffset: num(m.get("slave-repl-offset") ?? m.get("replica-repl-offset")),
        roleReported: m.get("role-reported") ?? null,
        sDownMs: num(m.get("s-down-time")),
      },
    ];
  });
}

/** SENTINEL SENTINELS <name>: the other sentinels this one knows (never itself). */
export function parseSentinels(reply: unknown): SentinelPeerRecord[] {
  return records(reply).flatMap((m) => {
    const address = hostPort(m, "ip", "port");
    if (!address) return [];
    const voted = m.get("voted-leader");
    return [
      {
        address,
        runId: m.get("runid") || null,
        flags: flags(m.get("flags")),
        lastHelloMs: num(m.get("last-hello-message")),
        votedLeader: voted && voted !== "?" ? voted : null,
        votedLeaderEpoch: num(m.get("voted-leader-epoch")),
        sDownMs: num(m.get("s-down-time")),
      },
    ];
  });
}

/**
 * SENTINEL CKQUORUM <name>: a status "OK <n> usable Sentinels. ..." or an error
 * "NOQUORUM <n> usable Sentinels. ...". Pass the reply, or the error's message.
 */
export function parseCkquorum(replyOrError: unknown): CkquorumResult {
  const text =
    typeof replyOrError === "string"
      ? replyOrError
      : replyOrError instanceof Error
        ? replyOrError.message
        : String(replyOrError);
  const line = text.split("\n")[0]!.trim();
  const usable = /^(?:OK|NOQUORUM) (\d+) usable/.exec(line);
  return { ok: /^OK\b/.test(line), text: line, usable: usable ? Number(usable[1]) : null };
}

const CRITICAL = /^(\+odown|\+switch-master|\+try-failover|\+elected-leader|\+failover-state-.*|\+selected-slave|\+promoted-slave|\+failover-end.*|-failover-abort-.*|-no-good-slave)$/;
const WARNING = /^(\+sdown|\+new-epoch|\+vote-for-leader|\+slave-reconf-.*|\+convert-to-slave|\+fix-slave-config|\+tilt|\+reboot|\+config-update-from|-role-change)$/;
const EVENT_TYPE = /^[+-][a-z][a-z-]*$/;

/** Event types only the failover leader emits; the rest of the sentinels follow via +switch-master. */
export const LEADER_ONLY = /^(\+elected-leader|\+failover-state-.*|\+selected-slave|\+promoted-slave|\+slave-reconf-.*|\+failover-end.*)$/;

export function sentinelSeverity(type: string): Severity {
  if (CRITICAL.test(type)) return "critical";
  if (WARNING.test(type)) return "warning";
  return "info";
}

/** Names the reporting sentinel in the sentence parseSentinelPayload wrote. */
function withReporter(text: string, sentinel: string): string {
  if (/^This Sentinel /.test(text)) return text.replace(/^This Sentinel /, `Sentinel ${sentinel} `);
  if (/^Sentinel (?!event )/.test(text)) return text.replace(/^Sentinel /, `Sentinel ${sentinel} `);
  return `Sentinel ${sentinel}: ${text}`;
}

/**
 * A pub/sub message from a sentinel (channel = event type, message = payload) as a timeline event.
 * Returns null for channels that are not Sentinel events (e.g. __sentinel__:hello).
 */
export function sentinelMessageToEvent(sentinel: string, channel: string, message: string, at: number): SentinelEventOut | null {
  if (!EVENT_TYPE.test(channel)) return null;
  const ev = parseSentinelPayload(channel, message);
  const data: Record<string, string | number | boolean | null> = {
    sentinel,
    type: channel,
    masterName: ev.masterName,
    master: ev.master,
    instance: ev.instance?.addr ?? null,
    instanceRole: ev.instance?.role ?? null,
    leaderOnly: LEADER_ONLY.test(channel),
    payload: message,
  };
  if (ev.newMaster) data.newMaster = ev.newMaster;
  if (ev.epoch !== null) data.epoch = ev.epoch;
  if (ev.quorum) data.quorum = `${ev.quorum.votes}/${ev.quorum.needed}`;
  if (ev.leaderRunId) data.leaderRunId = ev.leaderRunId;
  return {
    kind: `sentinel:${channel}`,
    node: sentinel,
    severity: sentinelSeverity(channel),
    text: withReporter(ev.text, sentinel),
    data,
    sentinel,
    at,
    event: ev,
  };
}

/**
 * This sentinel's failover state for a master after an event, or undefined when the event does not
 * change it: "+failover-state-select-slave" → "select-slave"; ends and aborts clear it (null).
 */
export function failoverStateAfter(type: string): string | null | undefined {
  const m = /^\+failover-state-(.+)$/.exec(type);
  if (m) return m[1]!;
  if (type === "+try-failover") return "wait-start";
  if (/^(\+failover-end.*|-failover-abort-.*|\+switch-master)$/.test(type)) return null;
  return undefined;
}
