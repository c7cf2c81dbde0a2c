// Sentinel events, as published on pub/sub (channel = type, message = payload) and as written to the
// Sentinel log ("+sdown master mymaster 127.0.0.1 7001"). Pure; never throws.
//
// Payload: `<instance-type> <name> <ip> <port> [@ <master-name> <master-ip> <master-port>] [extra]`,
// except +switch-master (`<name> <old-ip> <old-port> <new-ip> <new-port>`), +new-epoch (`<epoch>`)
// and +vote-for-leader (`<run-id> <epoch>`).

import { formatAddress } from "../redis/address";

export interface SentinelInstance {
  /** Sentinel says "slave"; we say replica. */
  role: "master" | "replica" | "sentinel";
  /** Master name, "ip:port" for a replica, run ID for a sentinel. */
  name: string;
  /** "host:port", IPv6 hosts in brackets. */
  addr: string;
}

export interface SentinelEvent {
  /** As Sentinel names it: "+sdown", "+switch-master", "-odown", ... */
  type: string;
  instance: SentinelInstance | null;
  masterName: string | null;
  /** Where the master was when the event fired; for +switch-master the old address. */
  master: string | null;
  /** +switch-master only. */
  newMaster: string | null;
  /** +odown "#quorum 3/2". */
  quorum: { votes: number; needed: number } | null;
  epoch: number | null;
  /** +vote-for-leader. */
  leaderRunId: string | null;
  /** Whatever follows the instance details, e.g. "new reported role is master". */
  extra: string;
  /** One line in an operator's words. */
  text: string;
}

const INSTANCE_RE = /^(master|slave|replica|sentinel) (\S+) (\S+) (\d+)(?: @ (\S+) (\S+) (\d+))?(?: (.*))?$/;
const SWITCH_RE = /^(\S+) (\S+) (\d+) (\S+) (\d+)$/;
const TYPE_RE = /^[+-][a-z][a-z-]*$/;


/** Parses a pub/sub message: `type` is the channel, `payload` the message. */
export function parseSentinelPayload(type: string, payload: string): SentinelEvent {
  const ev: SentinelEvent = {
    type,
    instance: null,
    masterName: null,
    master: null,
    newMaster: null,
    quorum: null,
    epoch: null,
    leaderRunId: null,
    extra: payload,
    text: "",
  };
  const sw = type === "+switch-master" ? SWITCH_RE.exec(payload) : null;
  const inst = INSTANCE_RE.exec(payload);
  if (sw) {
    const [, name = "", oldHost = "", oldPort = "", newHost = "", newPort = ""] = sw;
    ev.masterName = name;
    ev.master = formatAddress(oldHost, oldPort);
    ev.newMaster = formatAddress(newHost, newPort);
    ev.extra = "";
  } else if (type === "+new-epoch" && /^\d+$/.test(payload)) {
    ev.epoch = Number(payload);
    ev.extra = "";
  } else if (type === "+vote-for-leader") {
    const [runId = "", epoch = ""] = payload.split(" ");
    ev.leaderRunId = runId;
    ev.epoch = /^\d+$/.test(epoch) ? Number(epoch) : null;
    ev.extra = "";
  } else if (inst) {
    const [, kind = "", name = "", host = "", port = "", mName, mHost, mPort, extra = ""] = inst;
    const role = kind === "master" ? "master" : kind === "sentinel" ? "sentinel" : "replica";
    ev.instance = { role, name, addr: formatAddress(host, port) };
    ev.masterName = role === "master" ? name : (mName ?? null);
    ev.master = role === "master" ? ev.instance.addr : mHost && mPort ? formatAddress(mHost, mPort) : null;
    ev.extra = extra;
    const q = /#quorum (\d+)\/(\d+)/.exec(extra);
    if (q) ev.quorum = { votes: Number(q[1]), needed: Number(q[2]) };
  }
  ev.text = describe(ev);
  return ev;
}

/** A Sentinel log message such as "+sdown master mymaster 127.0.0.1 7001"; null if it isn't an event. */
export function parseSentinelLogMessage(message: string): SentinelEvent | null {
  const space = message.indexOf(" ");
  const type = space === -1 ? message : message.slice(0, space);
  if (!TYPE_RE.test(type)) return null;
  return parseSentinelPayload(type, space === -1 ? "" : message.slice(space + 1));
}

function describe(ev: SentinelEvent): string {
  const m = ev.masterName ?? "?";
  const who = ev.instance ? instanceWords(ev.instance, m) : ev.extra;
  const target = ev.instance?.addr ?? "?";
  const fo = `Failover of ${m}`;
  switch (ev.type) {
    case "+monitor": return `Sentinel started monitoring ${m} at ${ev.master ?? "?"} (${ev.extra})`;
    case "+sdown": return `Sentinel can't reach ${who} (subjectively down)`;
    case "-sdown": return `Sentinel reaches ${who} again`;
    case "+odown": return `Sentinels agree master ${m} is down${ev.quorum ? ` (quorum ${ev.quorum.votes}/${ev.quorum.needed})` : ""}`;
    case "-odown": return `Master ${m} is no longer considered down by the quorum`;
    case "+new-epoch": return `Sentinel moved to config epoch ${ev.epoch ?? "?"}`;
    case "+try-failover": return `Sentinel is trying to start a failover of ${m}`;
    case "+vote-for-leader": return `Voted for sentinel ${short(ev.leaderRunId)} to lead the failover (epoch ${ev.epoch ?? "?"})`;
    case "+elected-leader": return `This Sentinel was elected to lead the failover of ${m}`;
    case "+failover-state-select-slave": return `${fo}: choosing a replica to promote`;
    case "+selected-slave": return `${fo}: picked ${target} to promote`;
    case "+failover-state-send-slaveof-noone": return `${fo}: sending REPLICAOF NO ONE to ${target}`;
    case "+failover-state-wait-promotion": return `${fo}: waiting for ${target} to become master`;
    case "+promoted-slave": return `${fo}: ${target} is now master`;
    case "+failover-state-reconf-slaves": return `${fo}: re-pointing the replicas at the new master`;
    case "+slave-reconf-sent": return `${fo}: told ${target} to replicate from the new master`;
    case "+slave-reconf-inprog": return `${fo}: ${target} is syncing with the new master`;
    case "+slave-reconf-done": return `${fo}: ${target} now follows the new master`;
    case "+failover-end": return `${fo} finished`;
    case "+failover-end-for-timeout": return `${fo} timed out; ending it with the replicas reconfigured so far`;
    case "-failover-abort-not-elected": return `${fo} aborted: this Sentinel was not elected leader`;
    case "-failover-abort-no-good-slave":
    case "-no-good-slave": return `${fo} aborted: no replica is fit to promote`;
    case "+switch-master": return `Master ${m} moved from ${ev.master ?? "?"} to ${ev.newMaster ?? "?"}`;
    case "+slave": return `Sentinel found replica ${target} of ${m}`;
    case "+sentinel": return `Sentinel found another sentinel at ${target} watching ${m}`;
    case "+config-update-from": return `Sentinel took the new configuration of ${m} from sentinel ${target}`;
    case "+convert-to-slave": return `Sentinel turns ${target} into a replica of ${m}`;
    case "+fix-slave-config": return `Sentinel re-points misconfigured replica ${target} at ${m}`;
    case "+role-change":
    case "-role-change": return `${target} ${ev.extra.replace(/^new reported role is/, "now reports role")}`;
    case "+reboot": return `${who} restarted`;
    case "+tilt": return "Sentinel entered TILT mode (clock jump or overload); it will not act for a while";
    case "-tilt": return "Sentinel left TILT mode";
    default: return `Sentinel event ${ev.type}${who ? ` ${who}` : ""}`;
  }
}

function instanceWords(i: SentinelInstance, masterName: string): string {
  if (i.role === "master") return `master ${i.name} at ${i.addr}`;
  return `${i.role} ${i.addr} of ${masterName}`;
}

function short(runId: string | null): string {
  return runId ? runId.slice(0, 8) : "?";
}
