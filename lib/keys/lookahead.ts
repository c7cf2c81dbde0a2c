// A browser that walks a pattern asks for page after page; each page's SCANs cost the server the
// same time whoever asks, but between two pages the connection sits idle for a whole HTTP round
// trip. So once a page is answered, the next one is computed right away, and the request that asks
// for it (same filter, count and cursor, within LOOKAHEAD_MS) gets it without waiting for Redis.
// One prefetched page per connection (connections are per node and db), so memory stays at one
// page; a different request simply replaces it. A SCAN cursor carries no server state, so a page
// read a moment early is as valid as one read on request: SCAN's guarantees are about keys present
// for the whole walk.
import type Redis from "ioredis";
import { scanPage, type ScanPage, type ScanPageOptions } from "./scan";

export const LOOKAHEAD_MS = 2000;

interface Ahead {
  id: string;
  at: number;
  page: Promise<ScanPage>;
}

// Keyed by the connection object: dropped with it, like script-fingerprint's per-connection flags.
const ahead = new WeakMap<Redis, Ahead>();

function idOf(o: ScanPageOptions): string {
  return JSON.stringify([o.db, o.match ?? null, o.type ?? null, o.count, o.maxScanned ?? null, o.batch ?? null, o.cursor]);
}

/** scanPage, served from the prefetched page when it is the one asked for, then prefetching the next. */
export async function pageWithLookahead(redis: Redis, opts: ScanPageOptions, now = Date.now()): Promise<ScanPage> {
  const mine = ahead.get(redis);
  let page: ScanPage | undefined;
  if (mine && mine.id === idOf(opts) && now - mine.at <= LOOKAHEAD_MS) {
    ahead.delete(redis);
    page = await mine.page.catch(() => undefined); // a failed prefetch is simply redone below
  }
  page ??= await scanPage(redis, opts);
  if (page.cursor !== "0") {
    const next = { ...opts, cursor: page.cursor };
    const p = scanPage(redis, next);
    p.catch(() => undefined); // nobody may ever ask for it
    ahead.set(redis, { id: idOf(next), at: Date.now(), page: p });
  }
  return page;
}
