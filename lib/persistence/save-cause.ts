// Pure: why did rdb_last_save_time move? Redis stamps it on every successful RDB save, including
// the BGSAVE a master forks for a disk-based full sync, and a replica stamps it when it loads its
// master's snapshot. Neither is a backup anyone asked for, yet both make "last save: 2 s ago" look
// reassuring. INFO carries no cause, so we follow it across the monitor's full INFO rounds.

/** What one full INFO round says that bears on the cause. */
export interface SaveObservation {
  /** epoch ms of our receipt of the INFO reply. */
  at: number;
  /** rdb_last_save_time (epoch s, the node's clock). */
  lastSaveTime: number | null;
  /** rdb_saves: RDB saves this node made since it started (a failed BGSAVE counts too). */
  saves: number | null;
  /** sync_full: full syncs this node served. */
  syncFull: number | null;
  bgsaveInProgress: boolean;
}

export type SaveCause =
  /** A BGSAVE/SAVE/save point of this node's own: a save someone (or the config) asked for. */
  | "save"
  /** A full sync: the master's replication BGSAVE, or the replica loading its master's RDB. */
  | "replication"
  /** We have not seen the time move since we started watching. */
  | "unknown";

export interface SaveMark extends SaveObservation {
  cause: SaveCause;
  /** When we saw rdb_last_save_time move (null: not since we started watching). */
  movedAt: number | null;
  /** A BGSAVE under way that a full sync started (sync_full went up while it runs). */
  replicationBgsave: boolean;
}

function grew(prev: number | null, next: number | null): boolean {
  return prev !== null && next !== null && next > prev;
}

/**
 * Folds one observation into the mark. Heuristic, stated: a move is "replication" when a full sync
 * was served in the same interval or while the BGSAVE that ended was running, or when the time
 * moved without this node counting a save of its own (a replica's load). A user BGSAVE that a
 * replica's full sync attached to in the same interval is then also called replication: the file
 * is the same one either way.
 */
export function nextSaveMark(prev: SaveMark | null | undefined, o: SaveObservation): SaveMark {
  if (!prev) return { ...o, cause: "unknown", movedAt: null, replicationBgsave: false };
  const syncServed = grew(prev.syncFull, o.syncFull);
  const moved = o.lastSaveTime !== null && prev.lastSaveTime !== null && o.lastSaveTime !== prev.lastSaveTime;
  // rdb_saves starts from 0 on a restart, which also stamps the start time: that is no save at all.
  const restarted = o.saves !== null && prev.saves !== null && o.saves < prev.saves;
  const ownSave = grew(prev.saves, o.saves);
  let cause = prev.cause;
  let movedAt = prev.movedAt;
  if (restarted) {
    cause = "unknown";
    movedAt = null;
  } else if (moved) {
    cause = prev.replicationBgsave || syncServed || !ownSave ? "replication" : "save";
    movedAt = o.at;
  }
  // A BGSAVE still running that a full sync started (now or earlier in its run).
  const replicationBgsave = o.bgsaveInProgress && !restarted && (syncServed || (prev.replicationBgsave && !moved && prev.bgsaveInProgress));
  return { ...o, cause, movedAt, replicationBgsave };
}
