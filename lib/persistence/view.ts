// Pure: INFO persistence (and the `save` / `appendonly` config where CONFIG GET is allowed) → what
// the persistence panel shows. Every field is null when the node did not report it: "unknown" is
// never turned into a default.
import type { InfoSections } from "../redis/info";
import type { SaveCause, SaveMark, SaveObservation } from "./save-cause";

/** `save` and `appendonly` as CONFIG GET returned them, with when; null fields: not read (refused). */
export interface PersistenceConfig {
  /** The raw `save` value: "" means no save points. */
  save: string | null;
  appendonly: boolean | null;
  /** epoch ms the config was read. */
  readAt: number | null;
}

export interface SavePoint {
  seconds: number;
  changes: number;
}

export interface PersistenceView {
  role: "master" | "replica" | "unknown";
  connectedReplicas: number;
  /** Replicas the master holds in wait_bgsave (a full sync waiting for a snapshot). */
  replicasWaitingBgsave: number;
  /** The node's clock (server_time_usec) at the sample, epoch ms; null before Redis 7.0 or when missing. */
  serverTime: number | null;
  uptimeSeconds: number | null;
  loading: boolean | null;
  syncFull: number | null;
  rdb: {
    /** rdb_last_save_time, epoch ms by the node's clock. Right after a start it is the start time. */
    lastSaveTime: number | null;
    /** Seconds from lastSaveTime to the sample, on the node's own clock (no skew with ours). */
    lastSaveAgeSeconds: number | null;
    /** rdb_saves: saves since the node started (0: lastSaveTime is the start, not a save). */
    saves: number | null;
    lastBgsaveStatus: string | null;
    lastBgsaveSeconds: number | null;
    changesSinceLastSave: number | null;
    bgsaveInProgress: boolean | null;
    /** rdb_current_bgsave_time_sec while one runs. */
    bgsaveElapsedSeconds: number | null;
    lastCowBytes: number | null;
    lastLoadKeysLoaded: number | null;
    lastLoadKeysExpired: number | null;
    /** Why rdb_last_save_time last moved, as followed across polls (save-cause.ts). */
    lastSaveCause: SaveCause;
  };
  aof: {
    enabled: boolean | null;
    rewriteInProgress: boolean | null;
    rewriteScheduled: boolean | null;
    rewriteElapsedSeconds: number | null;
    lastWriteStatus: string | null;
    lastBgrewriteStatus: string | null;
    /** Only reported while AOF is on. */
    currentSize: number | null;
    baseSize: number | null;
  };
  config: {
    /** null: CONFIG GET was refused or not read yet. */
    save: string | null;
    savePoints: SavePoint[] | null;
    appendonly: boolean | null;
    readAt: number | null;
  };
}

function num(v: string | undefined): number | null {
  if (v === undefined || v === "") return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

function flag(v: string | undefined): boolean | null {
  return v === undefined ? null : v === "1";
}

/** Redis reports -1 for "no such run": that is absent, not a duration. */
function seconds(v: string | undefined): number | null {
  const n = num(v);
  return n === null || n < 0 ? null : n;
}

/** "3600 1 300 100" → two points; "" → none; anything malformed → null (shown as the raw text). */
export function parseSavePoints(save: string): SavePoint[] | null {
  const parts = save.trim().split(/\s+/).filter(Boolean);
  if (parts.length % 2 !== 0) return null;
  const out: SavePoint[] = [];
  for (let i = 0; i < parts.length; i += 2) {
    const s = Number(parts[i]);
    const c = Number(parts[i + 1]);
    if (!Number.isInteger(s) || !Number.isInteger(c) || s < 0 || c < 0) return null;
    out.push({ seconds: s, changes: c });
  }
  return out;
}

/** The fields save-cause.ts follows, from one full INFO. */
export function saveObservation(info: InfoSections, at: number): SaveObservation {
  const p = info.persistence ?? {};
  return {
    at,
    lastSaveTime: num(p.rdb_last_save_time),
    saves: num(p.rdb_saves),
    syncFull: num(info.stats?.sync_full),
    bgsaveInProgress: p.rdb_bgsave_in_progress === "1",
  };
}

export function persistenceView(info: InfoSections, config: PersistenceConfig | null, mark: SaveMark | null): PersistenceView {
  const p = info.persistence ?? {};
  const r = info.replication ?? {};
  const role = r.role === "master" ? "master" : r.role === "slave" || r.role === "replica" ? "replica" : "unknown";
  let waiting = 0;
  for (const k in r) {
    if (Object.hasOwn(r, k) && /^slave\d+$/.test(k) && /(^|,)state=wait_bgsave(,|$)/.test(r[k]!)) waiting++;
  }
  const usec = num(info.server?.server_time_usec);
  const serverTime = usec === null ? null : Math.floor(usec / 1000);
  const lastSave = num(p.rdb_last_save_time);
  const lastSaveTime = lastSave === null ? null : lastSave * 1000;
  const bgsave = flag(p.rdb_bgsave_in_progress);
  const rewriting = flag(p.aof_rewrite_in_progress);
  const save = config?.save ?? null;
  return {
    role,
    connectedReplicas: num(r.connected_slaves) ?? 0,
    replicasWaitingBgsave: waiting,
    serverTime,
    uptimeSeconds: num(info.server?.uptime_in_seconds),
    loading: flag(p.loading),
    syncFull: num(info.stats?.sync_full),
    rdb: {
      lastSaveTime,
      lastSaveAgeSeconds: lastSaveTime !== null && serverTime !== null ? Math.max(0, Math.round((serverTime - lastSaveTime) / 1000)) : null,
      saves: num(p.rdb_saves),
      lastBgsaveStatus: p.rdb_last_bgsave_status ?? null,
      lastBgsaveSeconds: seconds(p.rdb_last_bgsave_time_sec),
      changesSinceLastSave: num(p.rdb_changes_since_last_save),
      bgsaveInProgress: bgsave,
      bgsaveElapsedSeconds: bgsave ? seconds(p.rdb_current_bgsave_time_sec) : null,
      lastCowBytes: num(p.rdb_last_cow_size),
      lastLoadKeysLoaded: num(p.rdb_last_load_keys_loaded),
      lastLoadKeysExpired: num(p.rdb_last_load_keys_expired),
      lastSaveCause: mark && mark.lastSaveTime === lastSave ? mark.cause : "unknown",
    },
    aof: {
      // INFO is read every round; CONFIG only now and then: INFO decides whether AOF is on.
      enabled: flag(p.aof_enabled) ?? config?.appendonly ?? null,
      rewriteInProgress: rewriting,
      rewriteScheduled: flag(p.aof_rewrite_scheduled),
      rewriteElapsedSeconds: rewriting ? seconds(p.aof_current_rewrite_time_sec) : null,
      lastWriteStatus: p.aof_last_write_status ?? null,
      lastBgrewriteStatus: p.aof_last_bgrewrite_status ?? null,
      currentSize: num(p.aof_current_size),
      baseSize: num(p.aof_base_size),
    },
    config: {
      save,
      savePoints: save === null ? null : parseSavePoints(save),
      appendonly: config?.appendonly ?? null,
      readAt: config?.readAt ?? null,
    },
  };
}
