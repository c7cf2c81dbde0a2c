// When may the compare skip a replica's own SCAN (the pass that finds keys only the replica has)?
// Only when it is provably useless: the master pass checked every master key and found each one
// on the replica, both nodes held the same number of keys, and neither node changed at all while
// the pass ran. Then the replica's keys are exactly the master's. "Changed at all" is read from
// counters Redis keeps itself: rdb_changes_since_last_save (every write, replicated or local, moves
// it; rdb_last_save_time catches a save resetting it), expired_keys and evicted_keys (deletions that
// are not commands). Anything else, or any doubt (a field missing), and the pass runs. A pattern
// filter also runs it: the key counts cover the whole db, not the matching keys.
import type Redis from "ioredis";
import { parseInfo } from "../redis/info";

export interface WriteMarks {
  changes: number;
  lastSave: number;
  expired: number;
  evicted: number;
  /** Keys in the compared db (INFO keyspace; 0 when the db is absent). */
  keys: number;
}

export function parseWriteMarks(info: string, db: number): WriteMarks | null {
  const s = parseInfo(info);
  const num = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) ? Number(v) : null);
  const changes = num(s.persistence?.rdb_changes_since_last_save);
  const lastSave = num(s.persistence?.rdb_last_save_time);
  const expired = num(s.stats?.expired_keys);
  const evicted = num(s.stats?.evicted_keys);
  if (changes === null || lastSave === null || expired === null || evicted === null || !s.keyspace) return null;
  const entry = s.keyspace[`db${db}`];
  const keys = entry === undefined ? 0 : num(/(?:^|,)keys=(\d+)/.exec(entry)?.[1]);
  if (keys === null) return null;
  return { changes, lastSave, expired, evicted, keys };
}

export async function readWriteMarks(redis: Redis, db: number): Promise<WriteMarks | null> {
  return parseWriteMarks(await redis.info("persistence", "stats", "keyspace"), db);
}

function same(a: WriteMarks, b: WriteMarks): boolean {
  return a.changes === b.changes && a.lastSave === b.lastSave && a.expired === b.expired && a.evicted === b.evicted && a.keys === b.keys;
}

export interface QuietCheck {
  match: string | undefined;
  /** Unix seconds when the before-marks were read. */
  beforeAt: number;
  master: { before: WriteMarks | null; after: WriteMarks | null };
  replica: { before: WriteMarks | null; after: WriteMarks | null };
  /** The master pass left no candidate (nor a recorded difference) for this replica. */
  allMasterKeysFound: boolean;
}

/** Why the replica's own SCAN can be skipped, or null when it must run. */
export function replicaScanNeedless(c: QuietCheck): string | null {
  if (c.match !== undefined && c.match !== "*") return null;
  if (!c.allMasterKeysFound) return null;
  const { master: m, replica: r } = c;
  if (!m.before || !m.after || !r.before || !r.after) return null;
  if (!same(m.before, m.after) || !same(r.before, r.after)) return null;
  // rdb_last_save_time has one-second resolution: a save finishing in the very second of the last
  // one could reset the change counter unseen. Only a last save from an earlier second proves it.
  if (m.before.lastSave >= c.beforeAt || r.before.lastSave >= c.beforeAt) return null;
  if (m.after.keys !== r.after.keys) return null;
  return `not needed: every master key was found on the replica, both held ${m.after.keys} keys, and neither node wrote, expired or evicted a key during the master pass`;
}
