// One time-budgeted step of the folder view over a keyspace of any size: SCAN MATCH <prefix>* for
// about 40 ms (or 50,000 keys examined), counting keys per next path segment below the prefix.
// The browser calls it again with the returned cursor and adds up the counts, so opening the root
// of a 1,000,000-key db shows folders at once and refines them while the walk goes on, each
// request short. Counts are SCAN's: a key can be returned twice when the table shrinks mid-walk.
import type Redis from "ioredis";
import { displayKey, encodeKey, keyNames, utf8IfExact } from "./codec";
import { escapeGlob } from "./glob";
import { ensureDb } from "../redis/db";
import { KeyQueryError } from "../redis/errors";
import { asNumber } from "../redis/reply";
import { scanStep } from "../keyspace/scan-source";

export const TREE_STEP_MS = 40;
export const TREE_STEP_EXAMINED = 50_000;
export const TREE_SCAN_COUNT = 1000;
/** Distinct folders one step returns; keys under further folders are summed in otherKeys. */
export const TREE_MAX_FOLDERS = 1000;
/** Leaf keys (names ending at this level) one step returns; leafCount has them all. */
export const TREE_MAX_LEAVES = 200;
export const TREE_MAX_PREFIX_BYTES = 2048;

export interface TreeStepOptions {
  db: number;
  /** The folder's bytes, separator included ("user:"); empty for the root. */
  prefix: Buffer;
  separator: string;
  cursor: string;
  type?: string;
  budgetMs?: number;
  maxExamined?: number;
}

export interface TreeFolderCount {
  /** The segment, for display. */
  name: string;
  /** Token (codec.encodeKey) of prefix + segment + separator: the folder's own prefix. */
  prefix: string;
  count: number;
}

export interface TreeLeaf {
  key: string;
  display: string;
}

export interface TreeStep {
  cursor: string;
  examined: number;
  folders: TreeFolderCount[];
  /** Folders seen in this step beyond TREE_MAX_FOLDERS, and the keys under them. */
  otherFolders: number;
  otherKeys: number;
  leaves: TreeLeaf[];
  /** Every leaf seen in this step (leaves holds the first TREE_MAX_LEAVES). */
  leafCount: number;
  dbsize: number;
}

/**
 * The MATCH pattern for a prefix: the prefix escaped, then "*". Only the part that is exact UTF-8
 * can travel in a pattern (scanStep sends it as UTF-8); the bytes after it are checked here.
 */
export function prefixPattern(prefix: Buffer): string | undefined {
  if (prefix.length === 0) return undefined;
  return escapeGlob(utf8Head(prefix)) + "*";
}

/** The longest leading part of `buf` that is exact UTF-8, as text. */
function utf8Head(buf: Buffer): string {
  let end = 0;
  while (end < buf.length) {
    const lead = buf[end] ?? 0;
    const size = lead < 0x80 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 0;
    if (size === 0 || end + size > buf.length || utf8IfExact(buf.subarray(end, end + size)) === null) break;
    end += size;
  }
  return buf.subarray(0, end).toString("utf8");
}

export async function treeStep(redis: Redis, o: TreeStepOptions): Promise<TreeStep> {
  if (o.separator.length === 0 || o.separator.length > 4) throw new KeyQueryError("separator must be 1..4 characters");
  if (o.prefix.length > TREE_MAX_PREFIX_BYTES) throw new KeyQueryError(`prefix is at most ${TREE_MAX_PREFIX_BYTES} bytes`);
  if (!/^\d{1,20}$/.test(o.cursor)) throw new KeyQueryError("cursor must be a decimal SCAN cursor");
  await ensureDb(redis, o.db);
  const budgetMs = o.budgetMs ?? TREE_STEP_MS;
  const maxExamined = o.maxExamined ?? TREE_STEP_EXAMINED;
  const sep = Buffer.from(o.separator, "utf8");
  const filter = { match: prefixPattern(o.prefix), type: o.type };
  const counts = new Map<string, { segment: Buffer; count: number }>();
  // Bounded by the keys one step examines (≤ maxExamined + one SCAN batch).
  const overflow = new Set<string>();
  const leaves: TreeLeaf[] = [];
  let otherKeys = 0;
  let leafCount = 0;
  let examined = 0;
  let cursor = o.cursor;
  const started = performance.now();
  const dbsize = redis.dbsize();
  dbsize.catch(() => undefined); // awaited below; a SCAN failing first must not leave it unhandled
  do {
    const step = await scanStep(redis, cursor, filter, TREE_SCAN_COUNT);
    examined += step.examined;
    cursor = step.cursor;
    for (const key of step.keys) {
      if (o.prefix.length > 0 && !key.subarray(0, o.prefix.length).equals(o.prefix)) continue;
      const at = key.indexOf(sep, o.prefix.length);
      if (at < 0) {
        leafCount++;
        if (leaves.length < TREE_MAX_LEAVES) leaves.push(keyNames(key));
        continue;
      }
      const segment = key.subarray(o.prefix.length, at);
      const id = segment.toString("latin1");
      const known = counts.get(id);
      if (known) known.count++;
      else if (counts.size < TREE_MAX_FOLDERS) counts.set(id, { segment: Buffer.from(segment), count: 1 });
      else {
        overflow.add(id);
        otherKeys++;
      }
    }
  } while (cursor !== "0" && examined < maxExamined && performance.now() - started < budgetMs);

  const folders: TreeFolderCount[] = [];
  for (const { segment, count } of counts.values()) {
    folders.push({ name: displayKey(segment), prefix: encodeKey(Buffer.concat([o.prefix, segment, sep])), count });
  }
  return { cursor, examined, folders, otherFolders: overflow.size, otherKeys, leaves, leafCount, dbsize: asNumber(await dbsize, "DBSIZE") };
}
