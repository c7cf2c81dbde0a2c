// Pure core of a restore drill: what the sandbox says after loading, the checks that turn it into
// differences, and the one line an operator reads ("backup verified: N keys, 0 differences,
// restored in T s"). No I/O here; restore-drill.ts gathers the facts.
//
// What is compared, and why that is honest:
// - RDB: Redis itself checks the file's CRC64 while loading (a corrupt file does not load). We then
//   count every key per type by SCAN + TYPE and require that count + keys expired since the load
//   to equal what the loader reported (rdb_last_load_keys_loaded), compare the file's sha256 with
//   the one recorded at backup time, the key total with redis-check-rdb's independent reading of
//   the same file when that tool is installed, and the replication position the RDB carries
//   (Redis 7 restores it on load: master_replid2 + second_repl_offset - 1) with the recorded one.
// - Logical: the file is the only record of the source at export time, so the drill checks that
//   what was imported equals what the file holds, key by key, with the compare engine's canonical
//   fingerprints (lib/redis/fingerprint.ts): DUMP bytes depend on encodings and dict order, so
//   comparing DUMP payloads (or a second export of the sandbox) would report false differences.
import type { InfoSections } from "../redis/info";

export type DrillKind = "rdb" | "logical";
/** "partial": no difference found, but part of the backup could not be checked (the line says which). */
export type DrillStatus = "running" | "verified" | "partial" | "differences" | "failed";
export type TypeCounts = Record<string, number>;

/** Differences listed in a drill record; the total is always counted. */
export const MAX_LISTED_DIFFERENCES = 100;

export interface DrillDifference {
  /** e.g. "count", "sha256", "replication", "missing", "type", "value", "ttl", "extra". */
  kind: string;
  /** Display form of the key (lib/keys/codec displayKey) when the difference is about one key. */
  key?: string;
  detail: string;
}

export interface RdbLoadFacts {
  loading: boolean;
  keysLoaded: number | null;
  keysExpiredAtLoad: number | null;
  /** The replication id the RDB carried (restored as master_replid2), null when it had none. */
  restoredReplid: string | null;
  /** The offset the RDB carried (second_repl_offset - 1). */
  restoredOffset: number | null;
  /** Keys expired in the sandbox since it started (INFO stats expired_keys). */
  expiredSinceLoad: number;
}

const NO_REPLID = /^0+$/;

function num(v: string | undefined): number | null {
  if (v === undefined || v === "") return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

export function parseRdbLoad(info: InfoSections): RdbLoadFacts {
  const p = info.persistence ?? {};
  const r = info.replication ?? {};
  const replid2 = r.master_replid2 ?? "";
  const second = num(r.second_repl_offset);
  const carried = replid2 !== "" && !NO_REPLID.test(replid2) && second !== null && second > 0;
  return {
    loading: p.loading === "1" || p.async_loading === "1",
    keysLoaded: num(p.rdb_last_load_keys_loaded),
    keysExpiredAtLoad: num(p.rdb_last_load_keys_expired),
    restoredReplid: carried ? replid2 : null,
    restoredOffset: carried ? second - 1 : null,
    expiredSinceLoad: num(info.stats?.expired_keys) ?? 0,
  };
}

/** redis-check-rdb's closing "[info] N keys read / N expires / N already expired" lines. */
export interface CheckRdbCounts {
  keysRead: number;
  expires: number;
  alreadyExpired: number;
}

export function parseCheckRdb(output: string): CheckRdbCounts | null {
  const pick = (re: RegExp) => {
    const m = re.exec(output);
    return m?.[1] === undefined ? null : Number(m[1]);
  };
  const keysRead = pick(/\[info\] (\d+) keys read/);
  if (keysRead === null) return null;
  return { keysRead, expires: pick(/\[info\] (\d+) expires/) ?? 0, alreadyExpired: pick(/\[info\] (\d+) already expired/) ?? 0 };
}

/** What the sandbox holds, counted by SCAN + TYPE. */
export interface SandboxCounts {
  byType: TypeCounts;
  total: number;
  /** Keys SCAN returned whose TYPE was "none" by the time it was asked (expired in between). */
  vanished: number;
}

/** What the backup catalogue recorded when the backup was taken (fields it did not record are absent). */
export interface BackupRecord {
  replid?: string | null;
  offset?: number | null;
  sha256?: string | null;
  /** true when `offset` was read from the RDB's own aux fields (meta.position.source "rdb-aux"), not from INFO around the BGSAVE. */
  offsetFromRdb?: boolean;
  /** DBSIZE summed near the BGSAVE: a hint only (not read at the fork), never a difference. */
  keys?: number | null;
}

/** Whether the catalogue's position came from the RDB's aux fields (meta.position, see BackupPosition). */
export function positionFromRdb(meta: Record<string, unknown> | null): boolean {
  const pos = meta?.position;
  return typeof pos === "object" && pos !== null && "source" in pos && pos.source === "rdb-aux";
}

export interface RdbVerifyInput {
  load: RdbLoadFacts;
  counts: SandboxCounts;
  /** sha256 of the bytes copied into the sandbox. */
  fileSha256: string;
  backup: BackupRecord;
  checkRdb: CheckRdbCounts | null;
}

export interface Verification {
  differences: DrillDifference[];
  /** Facts that are not differences (an approximate key count, an RDB without replication info ...). */
  notes: string[];
  /** Differences counted, when there are more than the listed ones. */
  total?: number;
  /** What was not fully checked ("12 keys checked by type and expiry only"): a drill with any is not "verified". */
  unchecked?: string[];
}

export function verifyRdb(i: RdbVerifyInput): Verification {
  const differences: DrillDifference[] = [];
  const notes: string[] = [];
  const unchecked: string[] = [];
  const { load, counts } = i;
  if (load.loading) differences.push({ kind: "load", detail: "the sandbox still reports loading:1" });
  if (i.backup.sha256 && i.backup.sha256 !== i.fileSha256) {
    differences.push({ kind: "sha256", detail: `the file's sha256 ${short(i.fileSha256)} is not the one recorded at backup time (${short(i.backup.sha256)})` });
  }
  if (load.keysLoaded === null) {
    differences.push({ kind: "count", detail: "the sandbox did not report rdb_last_load_keys_loaded" });
  } else {
    // No client writes to the sandbox: a key can only leave it by expiring.
    const accounted = counts.total + load.expiredSinceLoad;
    if (accounted !== load.keysLoaded) {
      differences.push({
        kind: "count",
        detail: `Redis loaded ${fmt(load.keysLoaded)} keys; SCAN found ${fmt(counts.total)} and ${fmt(load.expiredSinceLoad)} expired since (${signed(accounted - load.keysLoaded)})`,
      });
    }
    if (i.checkRdb) {
      const inFile = load.keysLoaded + (load.keysExpiredAtLoad ?? 0);
      if (i.checkRdb.keysRead !== inFile) {
        differences.push({ kind: "count", detail: `redis-check-rdb read ${fmt(i.checkRdb.keysRead)} keys in the file; the server loaded ${fmt(load.keysLoaded)} and skipped ${fmt(load.keysExpiredAtLoad ?? 0)} expired` });
      }
    } else {
      notes.push("redis-check-rdb was not run (not installed): the key total is checked against Redis's loader only");
      // The loader's own count is not independent of the loader; a recorded sha256 at least proves the file is the one taken.
      if (!i.backup.sha256) unchecked.push("no independent key count: redis-check-rdb is not installed and no sha256 was recorded");
    }
  }
  if (load.keysExpiredAtLoad) notes.push(`${fmt(load.keysExpiredAtLoad)} keys had expired before the restore and were not loaded (as any restore of this file would do now)`);
  if (load.restoredReplid === null) {
    notes.push("the RDB carries no replication position (saved by a master without a replication backlog)");
  } else {
    notes.push(`the RDB restores replication position ${load.restoredReplid}:${load.restoredOffset}`);
    if (i.backup.replid && i.backup.replid !== load.restoredReplid) {
      differences.push({ kind: "replication", detail: `the catalogue recorded replid ${i.backup.replid}, the RDB carries ${load.restoredReplid}` });
    } else if (i.backup.offset != null && load.restoredOffset !== null && i.backup.offset !== load.restoredOffset) {
      if (i.backup.offsetFromRdb) {
        // The catalogue read this very file's aux fields: the restored position must be the same.
        differences.push({ kind: "replication", detail: `the catalogue recorded offset ${i.backup.offset} from the RDB's aux fields; the restored RDB carries ${load.restoredOffset}` });
      } else {
        // Read from INFO around the BGSAVE, not at the fork: a note, not a difference.
        notes.push(`the catalogue recorded offset ${i.backup.offset}; the RDB's own (fork-time) offset is ${load.restoredOffset}`);
      }
    }
  }
  if (i.backup.keys != null && i.backup.keys !== counts.total) {
    notes.push(`the catalogue noted about ${fmt(i.backup.keys)} keys near the BGSAVE; the RDB holds ${fmt(counts.total)}`);
  }
  return { differences, notes, unchecked };
}

/** Per-key result of comparing the file's entry with the sandbox's key. */
export type KeyCheck = { kind: "same" } | { kind: "expired" } | { kind: "unverified" } | { kind: "missing" | "type" | "value" | "ttl"; detail: string };

export interface LogicalTally {
  fileKeys: number;
  fileByType: TypeCounts;
  same: number;
  /** In the file with an expiry that has passed, absent from the sandbox: not a difference. */
  expired: number;
  /** Equal by type, length and TTL; content over the fingerprint read limits. */
  unverified: number;
  /** In the file, absent from the sandbox, not expired (also counted in differences). */
  missing: number;
  differences: number;
  listed: DrillDifference[];
}

export function emptyTally(): LogicalTally {
  return { fileKeys: 0, fileByType: {}, same: 0, expired: 0, unverified: 0, missing: 0, differences: 0, listed: [] };
}

/** Adds one file entry's check to the tally (bounded list of differences, exact counts). */
export function tallyKey(t: LogicalTally, type: string, key: string, check: KeyCheck): void {
  t.fileKeys++;
  t.fileByType[type] = (t.fileByType[type] ?? 0) + 1;
  if (check.kind === "same") t.same++;
  else if (check.kind === "expired") t.expired++;
  else if (check.kind === "unverified") t.unverified++;
  else {
    if (check.kind === "missing") t.missing++;
    addDifference(t, { kind: check.kind, key, detail: check.detail });
  }
}

function addDifference(t: LogicalTally, d: DrillDifference): void {
  t.differences++;
  if (t.listed.length < MAX_LISTED_DIFFERENCES) t.listed.push(d);
}

/** The whole-keyspace part: keys the sandbox holds beyond those the file accounts for. */
export function verifyLogical(t: LogicalTally, counts: SandboxCounts): Verification {
  const notes: string[] = [];
  const present = t.fileKeys - t.expired - t.missing;
  const extra = counts.total - present;
  if (extra !== 0) addDifference(t, { kind: "extra", detail: `the sandbox holds ${fmt(counts.total)} keys, the file accounts for ${fmt(present)} (${signed(extra)})` });
  for (const [type, n] of Object.entries(t.fileByType)) {
    const held = counts.byType[type] ?? 0;
    if (held !== n) notes.push(`${type}: ${fmt(n)} in the file, ${fmt(held)} in the sandbox`);
  }
  if (t.expired) notes.push(`${fmt(t.expired)} keys in the file had expired before they could be checked`);
  const unchecked = t.unverified ? [`${fmt(t.unverified)} key${t.unverified === 1 ? "" : "s"} checked by type and expiry only`] : [];
  return { differences: t.listed, notes, total: t.differences, unchecked };
}

export interface DrillOutcome {
  status: Exclude<DrillStatus, "running">;
  keys: number;
  differences: number;
  seconds: number;
  line: string;
}

/** The record's status and its one line: "verified" only when nothing was left unchecked. */
export function outcome(keys: number, differences: number, seconds: number, unchecked: readonly string[] = []): DrillOutcome {
  const s = seconds.toFixed(seconds < 10 ? 1 : 0);
  if (differences === 0 && unchecked.length) return { status: "partial", keys, differences, seconds, line: `backup partly verified: ${fmt(keys)} keys, 0 differences, restored in ${s} s (${unchecked.join("; ")})` };
  if (differences === 0) return { status: "verified", keys, differences, seconds, line: `backup verified: ${fmt(keys)} keys, 0 differences, restored in ${s} s` };
  return { status: "differences", keys, differences, seconds, line: `backup restored with ${fmt(differences)} difference${differences === 1 ? "" : "s"}: ${fmt(keys)} keys, restored in ${s} s` };
}

export function failedLine(reason: string): string {
  return `restore drill failed: ${reason}`;
}

function fmt(n: number): string {
  return n.toLocaleString("en-US");
}

function signed(n: number): string {
  return n > 0 ? `+${fmt(n)}` : fmt(n);
}

function short(hex: string): string {
  return hex.slice(0, 12);
}
