// Redis Cluster replies as typed records. Pure; never throws on odd input (a line or entry that
// cannot be read is skipped, a number that cannot be read is null).
//
// CLUSTER NODES is one line per known node:
//   <id> <ip:port@cport[,hostname]> <flags> <master-id|-> <ping-sent> <pong-recv> <config-epoch> <link-state> <slot>...
// where a slot entry is "n", "a-b", or — on the node that runs a migration, in ITS OWN line only —
// "[n->-<dest id>]" (migrating) / "[n-<-<source id>]" (importing).
// CLUSTER SHARDS (7.0+) is an array of ["slots", [a, b, ...], "nodes", [[field, value, ...], ...]].
// Redis says "slave" in NODES and "replica" in SHARDS; our names say replica and both are accepted.
import { formatAddress } from "../redis/address";

/** An inclusive slot range [start, end]. */
export type SlotRange = readonly [number, number];

export const SLOT_COUNT = 16384;

export interface ClusterNodeLine {
  /** 40-hex node id. */
  id: string;
  /** host:port clients dial, as announced (data, not an instruction); null for a node with no address yet. */
  address: string | null;
  host: string | null;
  port: number | null;
  busPort: number | null;
  /** cluster-announce-hostname, when the node announces one. */
  hostname: string | null;
  /** Raw flags: myself, master, slave, fail?, fail, handshake, noaddr, nofailover, noflags. */
  flags: string[];
  role: "master" | "replica" | "unknown";
  myself: boolean;
  /** PFAIL: this reporter cannot reach it (flag "fail?"). */
  pfail: boolean;
  /** FAIL: a majority of masters agreed it is down. */
  fail: boolean;
  handshake: boolean;
  noaddr: boolean;
  /** The master this replica follows (null for masters). */
  masterId: string | null;
  /** ms epoch of the last PING sent still unanswered (0 when none pending). */
  pingSentMs: number | null;
  pongRecvMs: number | null;
  configEpoch: number | null;
  linkState: "connected" | "disconnected" | "unknown";
  slots: SlotRange[];
  /** Set only in the reporter's own line: slots it is handing over / taking over. */
  migrating: { slot: number; to: string }[];
  importing: { slot: number; from: string }[];
}

export interface ClusterInfo {
  state: "ok" | "fail" | "unknown";
  slotsAssigned: number | null;
  slotsOk: number | null;
  slotsPfail: number | null;
  slotsFail: number | null;
  knownNodes: number | null;
  /** Masters serving at least one slot. */
  size: number | null;
  currentEpoch: number | null;
  myEpoch: number | null;
}

export interface ShardNodeRecord {
  id: string;
  /** host:port as announced (ip, or endpoint when ip is absent). */
  address: string | null;
  ip: string | null;
  endpoint: string | null;
  hostname: string | null;
  port: number | null;
  tlsPort: number | null;
  role: "master" | "replica" | "unknown";
  replicationOffset: number | null;
  /** "online", "failed" / "fail", "loading" (7.0.15 says "loading" for a replica with offset 0). */
  health: string | null;
}

export interface ShardRecord {
  slots: SlotRange[];
  nodes: ShardNodeRecord[];
}

const NODE_ID = /^[0-9a-f]{40}$/;

function int(v: string | number | undefined | null): number | null {
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  if (v === undefined || v === null || !/^-?\d+$/.test(v)) return null;
  return Number(v);
}

const validSlot = (n: number | null): n is number => n !== null && n >= 0 && n < SLOT_COUNT;

/** "ip:port@cport[,hostname]" → parts; ":0@0" (a node with no address yet) gives nulls. */
function parseEndpoint(s: string): Pick<ClusterNodeLine, "address" | "host" | "port" | "busPort" | "hostname"> {
  const comma = s.indexOf(",");
  const hostname = comma === -1 ? null : s.slice(comma + 1) || null;
  const addr = comma === -1 ? s : s.slice(0, comma);
  const at = addr.lastIndexOf("@");
  const hostPort = at === -1 ? addr : addr.slice(0, at);
  const busPort = at === -1 ? null : int(addr.slice(at + 1));
  const colon = hostPort.lastIndexOf(":");
  const host = colon <= 0 ? null : hostPort.slice(0, colon);
  const port = colon === -1 ? null : int(hostPort.slice(colon + 1));
  const usable = host !== null && port !== null && port > 0 && port <= 65535;
  return {
    address: usable ? formatAddress(host, port) : null,
    host: usable ? host : null,
    port: usable ? port : null,
    busPort,
    hostname,
  };
}

function parseNodeLine(line: string): ClusterNodeLine | null {
  const f = line.trim().split(/\s+/);
  if (f.length < 8) return null;
  const [id, endpoint, flagText, master, pingSent, pongRecv, epoch, link] = f as [string, string, string, string, string, string, string, string];
  if (!NODE_ID.test(id)) return null;
  const flags = flagText === "noflags" ? [] : flagText.split(",").filter(Boolean);
  const slots: SlotRange[] = [];
  const migrating: { slot: number; to: string }[] = [];
  const importing: { slot: number; from: string }[] = [];
  for (const entry of f.slice(8)) {
    const mig = /^\[(\d+)->-([0-9a-f]{40})\]$/.exec(entry);
    const imp = /^\[(\d+)-<-([0-9a-f]{40})\]$/.exec(entry);
    if (mig) {
      const slot = int(mig[1]);
      if (validSlot(slot)) migrating.push({ slot, to: mig[2]! });
      continue;
    }
    if (imp) {
      const slot = int(imp[1]);
      if (validSlot(slot)) importing.push({ slot, from: imp[2]! });
      continue;
    }
    const range = /^(\d+)(?:-(\d+))?$/.exec(entry);
    if (!range) continue;
    const a = int(range[1]);
    const b = range[2] === undefined ? a : int(range[2]);
    if (validSlot(a) && validSlot(b) && a <= b) slots.push([a, b]);
  }
  const isMaster = flags.includes("master");
  const isReplica = flags.includes("slave") || flags.includes("replica");
  return {
    id,
    ...parseEndpoint(endpoint),
    flags,
    role: isMaster ? "master" : isReplica ? "replica" : "unknown",
    myself: flags.includes("myself"),
    pfail: flags.includes("fail?"),
    fail: flags.includes("fail"),
    handshake: flags.includes("handshake"),
    noaddr: flags.includes("noaddr"),
    masterId: NODE_ID.test(master) ? master : null,
    pingSentMs: int(pingSent),
    pongRecvMs: int(pongRecv),
    configEpoch: int(epoch),
    linkState: link === "connected" || link === "disconnected" ? link : "unknown",
    slots,
    migrating,
    importing,
  };
}

/** CLUSTER NODES text → one record per readable line. */
export function parseClusterNodes(text: string): ClusterNodeLine[] {
  return text.split("\n").flatMap((l) => parseNodeLine(l) ?? []);
}

/** CLUSTER INFO text. */
export function parseClusterInfo(text: string): ClusterInfo {
  const m = new Map<string, string>();
  for (const line of text.split("\n")) {
    const i = line.indexOf(":");
    if (i > 0) m.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  const state = m.get("cluster_state");
  return {
    state: state === "ok" || state === "fail" ? state : "unknown",
    slotsAssigned: int(m.get("cluster_slots_assigned")),
    slotsOk: int(m.get("cluster_slots_ok")),
    slotsPfail: int(m.get("cluster_slots_pfail")),
    slotsFail: int(m.get("cluster_slots_fail")),
    knownNodes: int(m.get("cluster_known_nodes")),
    size: int(m.get("cluster_size")),
    currentEpoch: int(m.get("cluster_current_epoch")),
    myEpoch: int(m.get("cluster_my_epoch")),
  };
}

/** A flat [k, v, k, v] reply (strings or integers) as a map; anything else gives an empty map. */
function fieldMap(reply: unknown): Map<string, string | number> {
  const map = new Map<string, string | number>();
  if (!Array.isArray(reply)) return map;
  for (let i = 0; i + 1 < reply.length; i += 2) {
    const k: unknown = reply[i];
    const v: unknown = reply[i + 1];
    if (typeof k === "string" && (typeof v === "string" || typeof v === "number")) map.set(k, v);
  }
  return map;
}

function str(v: string | number | undefined): string | null {
  return v === undefined || v === "" ? null : String(v);
}

function shardNode(reply: unknown): ShardNodeRecord | null {
  const m = fieldMap(reply);
  const id = str(m.get("id"));
  if (!id || !NODE_ID.test(id)) return null;
  const ip = str(m.get("ip"));
  const endpoint = str(m.get("endpoint"));
  const port = int(m.get("port") ?? null);
  const tlsPort = int(m.get("tls-port") ?? null);
  const host = ip ?? (endpoint && endpoint !== "?" ? endpoint : null);
  const dialPort = port ?? tlsPort;
  const role = str(m.get("role"));
  return {
    id,
    address: host && dialPort ? formatAddress(host, dialPort) : null,
    ip,
    endpoint,
    hostname: str(m.get("hostname")),
    port,
    tlsPort,
    role: role === "master" ? "master" : role === "replica" || role === "slave" ? "replica" : "unknown",
    replicationOffset: int(m.get("replication-offset") ?? null),
    health: str(m.get("health")),
  };
}

/** CLUSTER SHARDS as ioredis returns it (nested arrays, integers as numbers). */
export function parseClusterShards(reply: unknown): ShardRecord[] {
  if (!Array.isArray(reply)) return [];
  const shards: ShardRecord[] = [];
  for (const entry of reply) {
    if (!Array.isArray(entry)) continue;
    let slotList: unknown = [];
    let nodeList: unknown = [];
    for (let i = 0; i + 1 < entry.length; i += 2) {
      if (entry[i] === "slots") slotList = entry[i + 1];
      if (entry[i] === "nodes") nodeList = entry[i + 1];
    }
    const slots: SlotRange[] = [];
    if (Array.isArray(slotList)) {
      for (let i = 0; i + 1 < slotList.length; i += 2) {
        const a = int(slotList[i] as number | string);
        const b = int(slotList[i + 1] as number | string);
        if (validSlot(a) && validSlot(b) && a <= b) slots.push([a, b]);
      }
    }
    const nodes = Array.isArray(nodeList) ? nodeList.flatMap((n) => shardNode(n) ?? []) : [];
    shards.push({ slots, nodes });
  }
  return shards;
}
