// Turns replication-related Redis log messages into typed events with a one-line operator text.
// Pure. Message texts are Redis 7.0.15's (see tests/fixtures/redis-7.0.15/logs); 7.0 still says
// "slave" in a few places and later versions say "replica" or "primary", so both are accepted.
import type { LogLine } from "./parse";
import { parseSentinelLogMessage, type SentinelEvent } from "./sentinel";
import { formatAddress } from "../redis/address";

/** Why a master answered PSYNC with a full resync. */
export type ResyncRefusal = "new-replica" | "replid-mismatch" | "second-id-offset-ahead" | "lack-of-backlog";
export type FailoverPhase = "requested" | "target-synced" | "forced-after-timeout" | "aborted" | "received";

export interface PartialResyncRefused {
  kind: "partial-resync-refused";
  reason: ResyncRefusal;
  /** "host:port"; for replid-mismatch and second-id-offset-ahead only known via createClassifier. */
  replica: string | null;
  requestedOffset: number | null;
  askedReplid: string | null;
  myReplids: [string, string] | null;
  /** second-id-offset-ahead: the end of the old history this master can serve. */
  canReplyUpTo: number | null;
  text: string;
}

/** Peers are "host:port" strings, the same shape as node ids elsewhere. */
export type ReplEvent =
  | { kind: "sync-requested"; replica: string; text: string }
  | { kind: "full-resync-accepted"; replid: string; offset: number; text: string }
  | { kind: "partial-resync-ok"; text: string }
  | { kind: "partial-resync-accepted-by-master"; replica: string; backlogBytes: number; fromOffset: number; text: string }
  | PartialResyncRefused
  | { kind: "link-lost"; side: "master" | "replica"; replica: string | null; clientId: number | null; text: string }
  | { kind: "replicaof"; master: string; bySentinel: boolean; text: string }
  | { kind: "master-connecting"; master: string; retry: boolean; text: string }
  | { kind: "master-connect-failed"; reason: string; text: string }
  | { kind: "master-connected"; text: string }
  | { kind: "psync-attempt"; replid: string | null; offset: number | null; text: string }
  | { kind: "master-replid-changed"; replid: string; text: string }
  | { kind: "master-mode"; trigger: "user" | "failover"; bySentinel: boolean; text: string }
  | { kind: "failover"; phase: FailoverPhase; target: string | null; reason: string | null; replid: string | null; text: string }
  | { kind: "bgsave-for-sync"; target: "disk" | "sockets"; text: string }
  | { kind: "diskless-delay"; text: string }
  | { kind: "rdb-receiving"; bytes: number | null; text: string }
  | { kind: "flushing-old-data"; text: string }
  | { kind: "loading"; phase: "started" | "done"; keysLoaded: number | null; keysExpired: number | null; text: string }
  | { kind: "sync-done"; text: string }
  | { kind: "replica-synced"; replica: string; text: string }
  | { kind: "secondary-replid"; secondReplid: string; validUpTo: number; newReplid: string; text: string }
  | { kind: "backlog-created"; replid: string; text: string }
  | { kind: "sentinel"; event: SentinelEvent; text: string };

export type ReplEventKind = ReplEvent["kind"];

type Groups = (i: number) => string;
type Rule = [RegExp, (g: Groups) => ReplEvent];

const M = "(?:master|primary)";
const MU = "(?:MASTER|PRIMARY)";
const R = "(?:replica|slave)";
const RU = "(?:Replica|Slave)";
const re = (src: string) => new RegExp(`^${src}$`);

const RULES: Rule[] = [
  [re(`${RU} (\\S+) asks for synchronization`), (g) => ({ kind: "sync-requested", replica: g(1), text: `Replica ${g(1)} asked to sync` })],
  [
    re(`Full resync from ${M}: ([^:\\s]+):(-?\\d+)`),
    (g) => ({
      kind: "full-resync-accepted",
      replid: g(1),
      offset: Number(g(2)),
      text: `Full resync: loading a fresh copy from the master (replication ID ${short(g(1))}, offset ${g(2)})`,
    }),
  ],
  [
    re(`Successful partial resynchronization with ${M}\\.?`),
    () => ({ kind: "partial-resync-ok", text: "Partial resync: the master's backlog covered the gap, no full copy needed" }),
  ],
  [
    re(`Partial resynchronization request from (\\S+) accepted\\. Sending (\\d+) bytes of backlog starting from offset (-?\\d+)\\.?`),
    (g) => ({
      kind: "partial-resync-accepted-by-master",
      replica: g(1),
      backlogBytes: Number(g(2)),
      fromOffset: Number(g(3)),
      text: `Partial resync for ${g(1)}: sending ${g(2)} bytes of backlog from offset ${g(3)}`,
    }),
  ],
  [
    re(`Partial resynchronization not accepted: Replication ID mismatch \\(${RU} asked for '([^']*)', my replication IDs are '([^']*)' and '([^']*)'\\)`),
    (g) => refused("replid-mismatch", { askedReplid: g(1), myReplids: [g(2), g(3)] }),
  ],
  [
    re(`Partial resynchronization not accepted: Requested offset for second ID was (-?\\d+), but I can reply up to (-?\\d+)`),
    (g) => refused("second-id-offset-ahead", { requestedOffset: Number(g(1)), canReplyUpTo: Number(g(2)) }),
  ],
  [re(`Full resync requested by ${R} (\\S+)`), (g) => refused("new-replica", { replica: g(1) })],
  [
    re(`Unable to partial resync with ${R} (\\S+) for lack of backlog \\(${RU} request was: (-?\\d+)\\)\\.?`),
    (g) => refused("lack-of-backlog", { replica: g(1), requestedOffset: Number(g(2)) }),
  ],
  [re(`Connection with ${M} lost\\.?`), () => ({ kind: "link-lost", side: "master", replica: null, clientId: null, text: "Lost the link to the master" })],
  [re(`Connection with ${R} (.+?) lost\\.?`), (g) => replicaLost(g(1))],
  [
    re(`(?:REPLICAOF|SLAVE OF) (.+):(\\d+) enabled(?: \\((.*)\\))?`),
    (g) => {
      const master = formatAddress(g(1), g(2));
      const bySentinel = fromSentinel(g(3));
      return { kind: "replicaof", master, bySentinel, text: `Now a replica of ${master} (REPLICAOF ${bySentinel ? "sent by Sentinel" : "from a client"})` };
    },
  ],
  [
    re(`(Re)?[Cc]onnecting to ${MU} (.+):(\\d+)`),
    (g) => {
      const master = formatAddress(g(2), g(3));
      const retry = g(1) !== "";
      return { kind: "master-connecting", master, retry, text: `${retry ? "Reconnecting" : "Connecting"} to master ${master}` };
    },
  ],
  [re("Error condition on socket for SYNC: (.+)"), (g) => connectFailed(g(1))],
  [re(`Timeout connecting to the ${MU}\\.*`), () => connectFailed("timeout")],
  [
    re(`(?:Master|Primary) replied to PING, replication can continue\\.*`),
    () => ({ kind: "master-connected", text: "Master answered PING; replication handshake continues" }),
  ],
  [
    re("Trying a partial resynchronization \\(request ([^:\\s]+):(-?\\d+)\\)\\.?"),
    (g) => ({ kind: "psync-attempt", replid: g(1), offset: Number(g(2)), text: `Asking the master for a partial resync from offset ${g(2)}` }),
  ],
  [
    re(`Partial resynchronization not possible \\(no cached ${M}\\)`),
    () => ({ kind: "psync-attempt", replid: null, offset: null, text: "No replication history here: asking the master for a full copy" }),
  ],
  [
    re("(?:Master|Primary) replication ID changed to (\\S+)"),
    (g) => ({ kind: "master-replid-changed", replid: g(1), text: `Master's replication ID is now ${short(g(1))} (promotion or failover upstream)` }),
  ],
  [
    re(`${MU} MODE enabled \\((user|failover) request from '(.*)'\\)`),
    (g) => {
      const trigger = g(1) === "failover" ? "failover" : "user";
      const bySentinel = fromSentinel(g(2));
      const how = trigger === "failover" ? "FAILOVER handoff from the old master" : `REPLICAOF NO ONE ${bySentinel ? "sent by Sentinel" : "from a client"}`;
      return { kind: "master-mode", trigger, bySentinel, text: `Promoted to master (${how})` };
    },
  ],
  [re("FAILOVER requested to (?:(.+):(\\d+)|any replica)\\."), (g) => failover("requested", g(1), g(2))],
  [re("Failover target (.+):(\\d+) is synced, failing over\\."), (g) => failover("target-synced", g(1), g(2))],
  [re("FAILOVER to (.+):(\\d+) time out exceeded, failing over\\."), (g) => failover("forced-after-timeout", g(1), g(2))],
  [re("FAILOVER to (?:(.+):(\\d+)|any replica) aborted: (.+)"), (g) => failover("aborted", g(1), g(2), { reason: g(3) })],
  [re("Failover request received for replid (\\S+)\\."), (g) => failover("received", "", "", { replid: g(1) })],
  [
    re("Starting BGSAVE for SYNC with target: (disk|replicas sockets|slaves sockets)"),
    (g) => {
      const target = g(1) === "disk" ? "disk" : "sockets";
      const how = target === "disk" ? "written to disk first" : "streamed straight to replica sockets (diskless)";
      return { kind: "bgsave-for-sync", target, text: `Starting a snapshot for full sync, ${how}` };
    },
  ],
  [
    re("Delay next BGSAVE for diskless SYNC"),
    () => ({ kind: "diskless-delay", text: "Full sync waits repl-diskless-sync-delay so more replicas can share one snapshot" }),
  ],
  [
    re(`${MU} <-> REPLICA sync: receiving (?:(\\d+) bytes from ${M}|streamed RDB from ${M} with EOF) to (?:disk|parser)`),
    (g) => {
      const bytes = g(1) === "" ? null : Number(g(1));
      return { kind: "rdb-receiving", bytes, text: `Receiving the master's snapshot${bytes === null ? " (streamed)" : ` (${bytes} bytes)`}` };
    },
  ],
  [
    re(`${MU} <-> REPLICA sync: Flushing old data`),
    () => ({ kind: "flushing-old-data", text: "Flushing old data before loading the master's snapshot" }),
  ],
  [
    re(`${MU} <-> REPLICA sync: Loading DB in memory`),
    () => ({ kind: "loading", phase: "started", keysLoaded: null, keysExpired: null, text: "Loading the master's snapshot into memory" }),
  ],
  [
    re("Done loading RDB, keys loaded: (\\d+), keys expired: (\\d+)\\.?"),
    (g) => ({
      kind: "loading",
      phase: "done",
      keysLoaded: Number(g(1)),
      keysExpired: Number(g(2)),
      text: `RDB loaded: ${g(1)} keys (${g(2)} expired on load)`,
    }),
  ],
  [re(`${MU} <-> REPLICA sync: Finished with success`), () => ({ kind: "sync-done", text: "Full sync finished: replica is online" })],
  [re(`Synchronization with ${R} (\\S+) succeeded`), (g) => ({ kind: "replica-synced", replica: g(1), text: `Replica ${g(1)} finished its full sync` })],
  [
    re("Setting secondary replication ID to (\\S+), valid up to offset: (-?\\d+)\\. New replication ID is (\\S+)"),
    (g) => ({
      kind: "secondary-replid",
      secondReplid: g(1),
      validUpTo: Number(g(2)),
      newReplid: g(3),
      text: `New replication ID ${short(g(3))}; the old ID ${short(g(1))} still serves partial resyncs up to offset ${g(2)}`,
    }),
  ],
  [
    re("Replication backlog created, my new replication IDs are '([^']*)' and '([^']*)'"),
    (g) => ({ kind: "backlog-created", replid: g(1), text: `Replication backlog created; new replication ID ${short(g(1))}` }),
  ],
];

/** Classifies one log message (the part after the level mark); null when it isn't replication-related. */
export function classifyMessage(message: string): ReplEvent | null {
  const first = message.charCodeAt(0);
  if (first === 43 /* + */ || first === 45 /* - */) {
    const event = parseSentinelLogMessage(message);
    return event ? { kind: "sentinel", event, text: event.text } : null;
  }
  for (const [pattern, build] of RULES) {
    const m = pattern.exec(message);
    if (m) return build((i) => m[i] ?? "");
  }
  return null;
}

export function classifyLine(line: LogLine): ReplEvent | null {
  return line.kind === "redis" ? classifyMessage(line.message) : null;
}

/**
 * A classifier for one log stream. Redis names the replica on "asks for synchronization" but not on
 * the refusal that follows it, so this remembers the last asking replica per process to fill it in.
 */
export function createClassifier(): (line: LogLine) => ReplEvent | null {
  const asking = new Map<number, string>();
  return (line) => {
    if (line.kind !== "redis") return null;
    const ev = classifyMessage(line.message);
    if (ev?.kind === "sync-requested") {
      asking.delete(line.pid);
      asking.set(line.pid, ev.replica);
      // A log file sees few pids (restarts, forks); keep the map tiny anyway.
      for (const [oldest] of asking) {
        if (asking.size <= 32) break;
        asking.delete(oldest);
      }
    } else if (ev?.kind === "partial-resync-refused" && ev.replica === null) {
      const replica = asking.get(line.pid);
      if (replica) return refused(ev.reason, { ...ev, replica });
    }
    return ev;
  };
}

function refused(reason: ResyncRefusal, f: Partial<Omit<PartialResyncRefused, "kind" | "reason" | "text">>): PartialResyncRefused {
  const ev: PartialResyncRefused = {
    kind: "partial-resync-refused",
    reason,
    replica: f.replica ?? null,
    requestedOffset: f.requestedOffset ?? null,
    askedReplid: f.askedReplid ?? null,
    myReplids: f.myReplids ?? null,
    canReplyUpTo: f.canReplyUpTo ?? null,
    text: "",
  };
  const who = ev.replica ?? "a replica";
  const why = {
    "new-replica": "it has no replication history (new replica, or it lost its state)",
    "replid-mismatch": `it follows a different replication history (asked for ID ${short(ev.askedReplid)})`,
    "second-id-offset-ahead": `it is ahead of the old history this master inherited (asked for offset ${ev.requestedOffset}, history ends at ${ev.canReplyUpTo})`,
    "lack-of-backlog": `it fell out of the backlog (asked for offset ${ev.requestedOffset})`,
  }[reason];
  ev.text = `Full resync for ${who}: ${why}`;
  return ev;
}

function replicaLost(peer: string): ReplEvent {
  const id = /^client id #(\d+)$/.exec(peer);
  const clientId = id ? Number(id[1]) : null;
  const replica = id ? null : peer;
  const text = replica ? `Lost the link to replica ${replica}` : `Lost the link to a replica (client id #${clientId})`;
  return { kind: "link-lost", side: "replica", replica, clientId, text };
}

function connectFailed(reason: string): ReplEvent {
  return { kind: "master-connect-failed", reason, text: `Can't reach the master: ${reason}` };
}

function failover(phase: FailoverPhase, host: string, port: string, more: { reason?: string; replid?: string } = {}): ReplEvent {
  const target = host && port ? formatAddress(host, port) : null;
  const to = target ?? "any replica";
  const text = {
    requested: `FAILOVER requested to ${to}`,
    "target-synced": `FAILOVER: ${to} caught up, handing over the master role`,
    "forced-after-timeout": `FAILOVER: ${to} did not catch up in time, failing over anyway (FORCE)`,
    aborted: `FAILOVER to ${to} aborted: ${more.reason ?? "unknown reason"}`,
    received: `FAILOVER: the master asked this replica to take over (replication ID ${short(more.replid ?? null)})`,
  }[phase];
  return { kind: "failover", phase, target, reason: more.reason ?? null, replid: more.replid ?? null, text };
}

/** Client info on REPLICAOF / MASTER MODE lines; Sentinel names its command link "sentinel-<id>-cmd". */
function fromSentinel(clientInfo: string): boolean {
  return /(?:^| )name=sentinel-[0-9a-f]+-cmd(?: |$)/.test(clientInfo);
}

function short(replid: string | null): string {
  return replid ? `${replid.slice(0, 8)}…` : "?";
}
