// Pure parsers for Redis INFO output. Redis 7.0 still says "slave" in INFO; we say "replica".

export type InfoSections = Record<string, Record<string, string>>;

/**
 * Which sections to keep, each with the prefix its kept fields start with ("" for all of them);
 * sections not named are skipped.
 */
export type InfoSelection = Readonly<Record<string, string>>;

/**
 * Splits INFO text into lower-cased sections of raw string fields. Never throws. With `only`, just
 * the named sections and fields: a frequent poll that reads a few fields of a big section
 * (stats) does not build the rest, and the same fields come out as without it.
 */
export function parseInfo(text: string, only?: InfoSelection): InfoSections {
  // Runs on every poll of every node: one pass with indexOf and slices, no array of lines, no
  // trimmed copies. Same result as splitting on "\n" and trimming each line's end.
  const sections: InfoSections = {};
  /** The kept fields' prefix in the current section; null: the section is skipped. */
  let prefix: string | null = only ? null : "";
  let current: Record<string, string> = {};
  sections.default = current;
  const n = text.length;
  let start = 0;
  while (start < n) {
    let end = text.indexOf("\n", start);
    if (end === -1) end = n;
    let stop = end;
    while (stop > start && isTrailingSpace(text.charCodeAt(stop - 1))) stop--;
    if (stop > start) {
      if (text.charCodeAt(start) === HASH) {
        const name = text.slice(start + 1, stop).trim().toLowerCase();
        prefix = only ? (Object.hasOwn(only, name) ? only[name]! : null) : "";
        if (prefix !== null) {
          current = sections[name] ?? {};
          sections[name] = current;
        }
      } else if (prefix !== null && (prefix === "" || text.startsWith(prefix, start))) {
        const colon = text.indexOf(":", start);
        if (colon > start && colon < stop) current[text.slice(start, colon)] = text.slice(colon + 1, stop);
      }
    }
    start = end + 1;
  }
  if (Object.entries(sections.default ?? {}).length === 0) delete sections.default;
  return sections;
}

const HASH = 0x23;
const WHITESPACE = /\s/;

/** What String.prototype.trimEnd removes (JS whitespace and line terminators). */
function isTrailingSpace(c: number): boolean {
  if (c === 0x0d || c === 0x20 || c === 0x09) return true;
  if (c > 0x20 && c < 0xa0) return false;
  return WHITESPACE.test(String.fromCharCode(c));
}

/** Splits "a=1,b=x" into a record. */
export function parseKv(value: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of value.split(",")) {
    const eq = part.indexOf("=");
    if (eq > 0) out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out;
}

function num(v: string | undefined): number | null {
  if (v === undefined || v === "") return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

export type ReplicaSideState = "wait_bgsave" | "send_bulk" | "online" | string;

/** One `slaveN:` line as the master reports it. */
export interface ReplicaLine {
  id: string;
  ip: string;
  port: number;
  state: ReplicaSideState;
  offset: number;
  lagSeconds: number | null;
}

const ANNOUNCED_HOST = /^[A-Za-z0-9.:_-]{1,255}$/;

export function parseReplicaLine(value: string): ReplicaLine | null {
  const kv = parseKv(value);
  const port = num(kv.port);
  // REPLCONF ip-address accepts any text: only an IP address or host name is a place to dial.
  if (!kv.ip || port === null || !ANNOUNCED_HOST.test(kv.ip)) return null;
  return {
    id: `${kv.ip}:${port}`,
    ip: kv.ip,
    port,
    state: kv.state ?? "unknown",
    offset: num(kv.offset) ?? 0,
    lagSeconds: num(kv.lag),
  };
}

export interface ReplicationInfo {
  role: "master" | "replica";
  masterHost: string | null;
  masterPort: number | null;
  linkStatus: "up" | "down" | null;
  lastIoSecondsAgo: number | null;
  syncInProgress: boolean;
  syncTotalBytes: number | null;
  syncReadBytes: number | null;
  syncLastIoSecondsAgo: number | null;
  linkDownSinceSeconds: number | null;
  /** Replica: slave_repl_offset (what it has applied). Master: master_repl_offset. */
  replOffset: number;
  masterReplOffset: number;
  priority: number | null;
  readOnly: boolean | null;
  connectedReplicas: number;
  replicas: ReplicaLine[];
  failoverState: string | null;
  replid: string | null;
  replid2: string | null;
  secondReplOffset: number | null;
  /** min_slaves_good_slaves: present only when min-replicas-to-write is configured. */
  goodReplicas: number | null;
  backlog: { active: boolean; size: number; firstByteOffset: number; histlen: number };
}

/**
 * Replication IDs outlive the poll that read them (a node keeps its recent samples): a string of
 * our own, shared by every sample and node that reports the same ID, rather than a slice that
 * keeps the whole INFO reply it came from alive. Bounded: forgotten wholesale past 1,000 IDs.
 */
const ids = new Map<string, string>();
function kept(v: string | undefined): string | null {
  if (v === undefined) return null;
  const known = ids.get(v);
  if (known !== undefined) return known;
  if (ids.size >= 1000) ids.clear();
  // Concatenation then slice makes a fresh flat string that holds only these characters.
  const own = ` ${v}`.slice(1);
  ids.set(own, own);
  return own;
}

export function parseReplication(f: Record<string, string>): ReplicationInfo {
  const isReplica = f.role === "slave" || f.role === "replica";
  const replicas: ReplicaLine[] = [];
  // for..in rather than Object.entries: no [key, value] array per field on every poll.
  for (const k in f) {
    if (!Object.hasOwn(f, k)) continue;
    // Most fields are neither: a first-letter check skips the two patterns for them.
    const c = k.charCodeAt(0);
    if ((c === 0x73 || c === 0x72) && (/^slave\d+$/.test(k) || /^replica\d+$/.test(k))) {
      const line = parseReplicaLine(f[k]!);
      if (line) replicas.push(line);
    }
  }
  const masterReplOffset = num(f.master_repl_offset) ?? 0;
  const link = f.master_link_status;
  return {
    role: isReplica ? "replica" : "master",
    masterHost: isReplica ? (f.master_host ?? null) : null,
    masterPort: isReplica ? num(f.master_port) : null,
    linkStatus: isReplica ? (link === "up" ? "up" : "down") : null,
    lastIoSecondsAgo: isReplica ? num(f.master_last_io_seconds_ago) : null,
    syncInProgress: f.master_sync_in_progress === "1",
    syncTotalBytes: num(f.master_sync_total_bytes),
    syncReadBytes: num(f.master_sync_read_bytes),
    syncLastIoSecondsAgo: num(f.master_sync_last_io_seconds_ago),
    linkDownSinceSeconds: num(f.master_link_down_since_seconds),
    replOffset: isReplica ? (num(f.slave_repl_offset) ?? masterReplOffset) : masterReplOffset,
    masterReplOffset,
    priority: num(f.slave_priority ?? f.replica_priority),
    readOnly: isReplica || f.slave_read_only !== undefined ? f.slave_read_only !== "0" : null,
    connectedReplicas: num(f.connected_slaves) ?? replicas.length,
    replicas,
    failoverState: f.master_failover_state ?? null,
    replid: kept(f.master_replid),
    replid2: kept(f.master_replid2),
    secondReplOffset: num(f.second_repl_offset),
    goodReplicas: num(f.min_slaves_good_slaves ?? f.min_replicas_good_replicas),
    backlog: {
      active: f.repl_backlog_active === "1",
      size: num(f.repl_backlog_size) ?? 0,
      firstByteOffset: num(f.repl_backlog_first_byte_offset) ?? 0,
      histlen: num(f.repl_backlog_histlen) ?? 0,
    },
  };
}

export interface KeyspaceDb {
  db: number;
  keys: number;
  expires: number;
}

export function parseKeyspace(f: Record<string, string> | undefined): KeyspaceDb[] {
  if (!f) return [];
  const out: KeyspaceDb[] = [];
  for (const [k, v] of Object.entries(f)) {
    const m = /^db(\d+)$/.exec(k);
    if (!m) continue;
    const kv = parseKv(v);
    out.push({ db: Number(m[1]), keys: num(kv.keys) ?? 0, expires: num(kv.expires) ?? 0 });
  }
  return out.sort((a, b) => a.db - b.db);
}

/** The slow-changing facts we show per node, from the 2-second full INFO. */
export interface ServerFacts {
  runId: string | null;
  version: string | null;
  uptimeSeconds: number | null;
  mode: string | null;
  opsPerSec: number | null;
  usedMemory: number | null;
  maxMemory: number | null;
  connectedClients: number | null;
  keyspace: KeyspaceDb[];
  syncFull: number | null;
  syncPartialOk: number | null;
  syncPartialErr: number | null;
  rdbBgsaveInProgress: boolean;
  loading: boolean;
}

export function parseServerFacts(s: InfoSections): ServerFacts {
  const server = s.server ?? {};
  const stats = s.stats ?? {};
  const memory = s.memory ?? {};
  const persistence = s.persistence ?? {};
  return {
    runId: server.run_id ?? null,
    version: server.redis_version ?? null,
    uptimeSeconds: num(server.uptime_in_seconds),
    mode: server.redis_mode ?? null,
    opsPerSec: num(stats.instantaneous_ops_per_sec),
    usedMemory: num(memory.used_memory),
    maxMemory: num(memory.maxmemory),
    connectedClients: num(s.clients?.connected_clients),
    keyspace: parseKeyspace(s.keyspace),
    syncFull: num(stats.sync_full),
    syncPartialOk: num(stats.sync_partial_ok),
    syncPartialErr: num(stats.sync_partial_err),
    rdbBgsaveInProgress: persistence.rdb_bgsave_in_progress === "1",
    loading: persistence.loading === "1",
  };
}
