// The keyspace engine's source: SCAN with MATCH/TYPE filters, as single steps (a browse page decides
// after each step whether it needs another) or as a walk that asks for the next step before handing
// out the current one, so a consumer's work overlaps the next round trip. Every step is bounded by
// its COUNT hint; nothing here keeps more than one step of names.
import type Redis from "ioredis";
import { asScanReply } from "../redis/reply";

export interface ScanFilter {
  /** Redis glob; undefined or "*" = every key. */
  match?: string;
  /** SCAN's own TYPE option (server-side filter: no TYPE call per key). */
  type?: string;
}

export interface ScanStep {
  /** "0" once the walk is complete. */
  cursor: string;
  keys: Buffer[];
  /**
   * Keys examined, approximately: the COUNT hint when a filter is set (Redis does not report the
   * work it did), else the keys returned.
   */
  examined: number;
}

function filterArgs(filter: ScanFilter): (string | Buffer)[] {
  const args: (string | Buffer)[] = [];
  if (filter.match !== undefined && filter.match !== "*") args.push("MATCH", Buffer.from(filter.match, "utf8"));
  if (filter.type !== undefined) args.push("TYPE", filter.type);
  return args;
}

/** One SCAN round trip. */
export async function scanStep(redis: Redis, cursor: string, filter: ScanFilter, count: number): Promise<ScanStep> {
  const extra = filterArgs(filter);
  const reply = asScanReply(await redis.callBuffer("SCAN", [cursor, ...extra, "COUNT", count]), "SCAN");
  return { cursor: reply.cursor, keys: reply.items, examined: extra.length > 0 ? count : reply.items.length };
}

export interface WalkOptions {
  cursor?: string;
  filter?: ScanFilter;
  /** SCAN COUNT per step. */
  count: number;
  signal?: AbortSignal;
}

/**
 * Walks the keyspace from `cursor` to the end. The next SCAN is sent before the current step is
 * yielded, so at most one step is buffered ahead of the consumer (back-pressure: a slow consumer
 * stops the walk, it does not pile up names).
 */
export async function* scanWalk(redis: Redis, o: WalkOptions): AsyncGenerator<ScanStep> {
  const filter = o.filter ?? {};
  const start = (cursor: string) => {
    const p = scanStep(redis, cursor, filter, o.count);
    p.catch(() => undefined); // awaited below; a prefetch failing while the consumer bails out must not crash
    return p;
  };
  let next: Promise<ScanStep> | null = start(o.cursor ?? "0");
  while (next) {
    if (o.signal?.aborted) return;
    const step: ScanStep = await next;
    next = step.cursor === "0" ? null : start(step.cursor);
    yield step;
  }
}
