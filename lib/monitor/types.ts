// The monitor's typed state. Pure data; shared by the poller, the diff and the views.
import type { InfoSections, KeyspaceDb, ReplicaLine, ReplicationInfo, ServerFacts } from "../redis/info";
import type { MasterLink } from "../redis/client-list";
import type { SaveMark } from "../persistence/save-cause";
import type { Hazard } from "../persistence/hazards";

export type NodeRole = "master" | "replica";

/** What we know about one node, as the poller last saw it. Never holds credentials. */
export interface NodeState {
  id: string;
  host: string;
  port: number;
  status: "up" | "down";
  /** null until the node answered once. */
  role: NodeRole | null;
  runId: string | null;
  /** epoch ms of the first failed poll of the current outage. */
  downSince: number | null;
  lastError: string | null;
  lastOkAt: number | null;
  /**
   * Last time the node answered at all, even with an error (auth, NOPERM, LOADING). null = it never
   * did: an address only announced by others may not be a Redis server at all.
   */
  answeredAt: number | null;
  pollLatencyMs: number | null;
  repl: ReplicationInfo | null;
  facts: ServerFacts | null;
  /** Raw sections of the last full INFO, for the node page. */
  info: InfoSections | null;
  /** epoch ms when the replica's link went down, derived from master_link_down_since_seconds. */
  linkDownSince: number | null;
  /** Offset growth in bytes/s, smoothed (masters). */
  writeRate: number | null;
  /** sync_full / sync_partial_ok / sync_partial_err, read on every poll of nodes that have replicas. */
  syncCounters: SyncCounters | null;
  /** A few CONFIG values read once per connection (null when CONFIG is not permitted). */
  nodeConfig: NodeConfig | null;
  /** Replica handshake state from ROLE (connect, connecting, handshake, sync, connected). */
  linkState: string | null;
  /** The last few INFO replication samples with their send/receive times, for ordered comparisons. */
  samples: ReplSample[];
  /**
   * Master with no replicas connected: the earliest moment that can have started (the previous
   * poll that still saw replicas, or our first poll), so a repl-backlog-ttl countdown never runs late.
   */
  noReplicasSince: number | null;
  /** True when that moment lies between two of our polls; false when replicas were already gone at our first look. */
  noReplicasSinceKnown: boolean;
  /** Master: per replica line (ip:port as it reports), its state and the earliest moment it can have entered it. */
  lineStateSince: Record<string, { state: string; since: number }>;
  /** Why rdb_last_save_time last moved, followed across full INFO rounds (lib/persistence/save-cause.ts). */
  saveMark?: SaveMark | null;
}

/** One INFO replication reading with its send/receive times, for ordered comparisons (consistent.ts). */
export interface ReplSample {
  /** epoch ms the INFO command was sent */
  sentAt: number;
  /** epoch ms its reply arrived */
  at: number;
  repl: ReplicationInfo;
  /** The sync counters read in the same poll (nodes that serve replicas), for the resync ledger. */
  counters?: SyncCounters;
  /** A replica's master link read in the same round trip; null: none; absent: not asked. */
  link?: MasterLink | null;
}

export interface SyncCounters {
  full: number;
  partialOk: number;
  partialErr: number;
}

export interface NodeConfig {
  logfile: string | null;
  dir: string | null;
  disklessSync: boolean | null;
  disklessSyncDelay: number | null;
  /** repl-backlog-ttl (s): a master with no replicas frees its backlog after this; 0 = never. */
  replBacklogTtl?: number | null;
  /** repl-timeout (s): a replica drops a silent link after this. */
  replTimeout?: number | null;
  /** min-replicas-to-write: with fewer good replicas the master refuses writes (NOREPLICAS). */
  minReplicasToWrite?: number | null;
  /** `save` as CONFIG GET returns it ("" = no save points). */
  save?: string | null;
  appendonly?: boolean | null;
  /** epoch ms this config was read (it is re-read now and then, see node-poller.ts). */
  readAt?: number;
}

/** The node as the browser and the API see it: derived, flat, serialisable. */
export interface NodeView {
  id: string;
  host: string;
  port: number;
  role: NodeRole | "unknown";
  status: "up" | "down";
  masterId: string | null;
  linkStatus: "up" | "down" | null;
  replOffset: number | null;
  /**
   * Applied lag: bytes the master had written that this replica had not applied, from a master
   * sample followed by a replica sample. null when it cannot be known (see lagUnknown).
   */
  lagBytes: number | null;
  /** Why lagBytes is null for a replica (link down, sync running, master not answering, ...). */
  lagUnknown: string | null;
  /** Seconds since the replica's last REPLCONF ACK, as its master reports (slaveN lag=). */
  lagSeconds: number | null;
  /** The master's offset minus the replica's last acknowledged offset (ACKs come once a second). */
  ackLagBytes: number | null;
  /** Replica: seconds since it last heard from its master (master_last_io_seconds_ago). */
  masterLastIoSeconds: number | null;
  /** Replica: its repl-timeout (s), after which it drops a silent link. */
  replTimeout: number | null;
  /** Replica: does its master answer our polls right now (null: no known master). */
  masterAnswering: boolean | null;
  /** The node does not answer: every value here is last-seen, read at lastSeenAt. */
  stale: boolean;
  lastSeenAt: number | null;
  /** master_replid (not secret; tells diverged histories apart). */
  replid: string | null;
  syncInProgress: boolean;
  readOnly: boolean | null;
  runId: string | null;
  priority: number | null;
  /** Master-side state of this replica (wait_bgsave, send_bulk, online), from its master's INFO. */
  replicaState: string | null;
  linkDownSince: number | null;
  downSince: number | null;
  lastError: string | null;
  connectedReplicas: number;
  opsPerSec: number | null;
  usedMemory: number | null;
  keys: number | null;
  writeRate: number | null;
  version: string | null;
  failoverState: string | null;
  /** Replica side of the link state machine: connect → connecting → handshake → sync → connected. */
  linkState: string | null;
  /** Full sync progress (replica side). Total is 0 for diskless syncs, which don't announce a size. */
  syncReadBytes: number | null;
  syncTotalBytes: number | null;
  syncLastIoSecondsAgo: number | null;
  /** Master side: repl-diskless-sync-delay, shown while a replica waits in wait_bgsave. */
  disklessSyncDelay: number | null;
  /** Replica waiting in wait_bgsave for a diskless sync: at most this many seconds until its master starts the transfer. */
  snapshotStartsInSeconds: number | null;
  /** Would a partial resync work if the link dropped now, and for how many more bytes / seconds of writes. */
  canPartialResync: boolean | null;
  backlogHeadroomBytes: number | null;
  backlogHeadroomSeconds: number | null;
  /** While the master has no replicas: seconds until repl-backlog-ttl frees its backlog (null: not running or unknown). */
  backlogTtlRemainingSeconds: number | null;
  /** True: within a poll period; false: an upper bound (the master had no replicas when first seen). */
  backlogTtlKnownStart: boolean | null;
  /** Master: min-replicas-to-write and how many replicas count as good; writesRefused when short. */
  minReplicasToWrite: number | null;
  goodReplicas: number | null;
  writesRefused: boolean | null;
  /** The master's repl_backlog_size (for replicas: their master's). */
  backlogSize: number | null;
  /** A (re)sync is being followed right now (link broke, syncing, or just back). */
  resyncing: boolean;
  lastResyncKind: "full" | "partial" | null;
  lastResyncReason: string | null;
  lastResyncSource: string | null;
  lastResyncAt: number | null;
  lastResyncKeysLoaded: number | null;
  /**
   * Where the replica's latest (re)sync started: the offset of the master's snapshot for a full
   * sync (+FULLRESYNC), the first backlog byte for a partial one. Only from a log line that says it.
   */
  syncStartOffset: number | null;
  syncStartKind: "full" | "partial" | null;
  /**
   * Addresses this node reports (its master, its replicas) that replscope does not show as nodes:
   * outside discovery.allow, or never answering. Plain text, bounded; null when there are none.
   */
  peerNote: string | null;
  /** Persistence hazards worth a badge (warning, critical), from the last full INFO; [] when none or unknown. */
  persistenceBadges?: PersistenceBadge[];
}

export type PersistenceBadge = Pick<Hazard, "kind" | "severity" | "badge" | "text">;

export type { KeyspaceDb, ReplicaLine };
