// Pure: following a BGSAVE through INFO persistence, and Redis's own words when it failed.
import { parseInfo } from "../redis/info";

export interface SaveState {
  inProgress: boolean;
  /** rdb_saves (Redis 7.0+): counts finished saves, failed ones too; null on older servers. */
  saves: number | null;
  lastStatus: string | null;
  lastTimeSec: number | null;
  /** rdb_last_save_time: unix seconds of the last successful save (all versions). */
  lastSaveSec: number | null;
  /** INFO replication: the node's replication id and offset when read (a range bound, not the fork's). */
  replid: string | null;
  offset: number | null;
}

const int = (v: string | undefined): number | null => (v !== undefined && /^-?\d+$/.test(v) ? Number(v) : null);

export function saveState(infoText: string): SaveState {
  const s = parseInfo(infoText);
  const p = s.persistence ?? {};
  const r = s.replication ?? {};
  return {
    inProgress: p.rdb_bgsave_in_progress === "1",
    saves: int(p.rdb_saves),
    lastStatus: p.rdb_last_bgsave_status ?? null,
    lastTimeSec: int(p.rdb_last_bgsave_time_sec),
    lastSaveSec: int(p.rdb_last_save_time),
    replid: r.master_replid ?? null,
    offset: int(r.master_repl_offset),
  };
}

/**
 * Our save is over. Redis counts rdb_saves when a save *starts* (failed ones too), and while our
 * "started" BGSAVE runs it is the one RDB child: the first poll with no save in progress means
 * ours ended. A "scheduled" BGSAVE starts later (after the other child): it is over once a save
 * started after the SCHEDULE reply (`atReply`) and none runs any more. Below Redis 7.0 there is no
 * rdb_saves: then a successful save shows as rdb_last_save_time advancing past the one at the
 * reply, and a failed one as an RDB child seen running (`sawRdbChild`: the SCHEDULE reply said
 * another, non-RDB, child ran, so any RDB child after it is ours or later) that has ended.
 */
export function saveFinished(how: "started" | "scheduled", atReply: SaveState, now: SaveState, sawRdbChild = false): boolean {
  if (now.inProgress) return false;
  if (how === "started") return true;
  if (atReply.saves !== null && now.saves !== null) return now.saves > atReply.saves;
  if (sawRdbChild) return true;
  return atReply.lastSaveSec !== null && now.lastSaveSec !== null && now.lastSaveSec > atReply.lastSaveSec;
}

/** Clock slack between this host and the node (and the fork before BGSAVE's reply). */
export const RDB_FRESH_SLACK_MS = 2000;

/**
 * Why a copied RDB is not the one our BGSAVE wrote, or null: last modified (`mtimeMs`) or created
 * (the RDB's ctime aux field, unix seconds) more than the slack before the save started.
 */
export function staleRdbReason(mtimeMs: number | null, ctimeSec: number | null, startedAt: number): string | null {
  const limit = startedAt - RDB_FRESH_SLACK_MS;
  const iso = (ms: number) => new Date(ms).toISOString();
  if (mtimeMs !== null && mtimeMs < limit) return `the node's RDB file was last written at ${iso(mtimeMs)}, before this BGSAVE started (${iso(startedAt)}): not the file it wrote`;
  if (ctimeSec !== null && ctimeSec * 1000 < limit) return `the node's RDB file says it was created at ${iso(ctimeSec * 1000)}, before this BGSAVE started (${iso(startedAt)}): not the file it wrote`;
  return null;
}

export type BgsaveRefusal = "rdb-in-progress" | "child-busy" | "other";

/** What a BGSAVE error reply means for the job: wait and retry, BGSAVE SCHEDULE, or give up. */
export function classifyBgsaveError(message: string): BgsaveRefusal {
  if (/Background save already in progress/i.test(message)) return "rdb-in-progress";
  if (/Another child process is active|BGSAVE SCHEDULE/i.test(message)) return "child-busy";
  return "other";
}

/**
 * The reason a background save failed, from the node's log lines (oldest first): the warning
 * lines after the last "Background saving started", e.g. "Failed opening the temp RDB file
 * temp-9630.rdb (in server root dir unknown) for saving: No such file or directory".
 */
export function bgsaveFailureReason(lines: readonly string[]): string | null {
  let start = -1;
  lines.forEach((l, i) => {
    if (/Background saving started/.test(l)) start = i;
  });
  const after = lines.slice(start + 1);
  const reasons = after
    .map((l) => /^\d+:[A-Z] .*? [#] (.*)$/.exec(l)?.[1]?.trim())
    .filter((m): m is string => !!m && !/^Background saving error$/.test(m));
  return reasons.length ? reasons.slice(0, 3).join("; ").slice(0, 1000) : null;
}
