// Stream page: XRANGE entries after the cursor id (as many as fit the read budget, at most
// pageSize), plus consumer groups on the first page.
import { planElements } from "../redis/budget";
import { encodeKey } from "./codec";
import { KeyQueryError } from "../redis/errors";
import { asBuffer, asBuffers, asNumber, asText, unwrapResults } from "../redis/reply";
import { toPart, type ValuePart } from "./text";
import type { PageContext, PageRead } from "./value-collections";

export interface StreamEntry { id: string; fields: { field: ValuePart; value: ValuePart }[] }
export interface StreamConsumer { name: string; pending: number; idleMs: number }
export interface StreamGroup {
  /** codec token */
  name: string;
  consumers: number;
  pending: number;
  lastDeliveredId: string;
  /** Redis 7+: nil when Redis cannot tell. */
  entriesRead: number | null;
  lag: number | null;
  /** First MAX_CONSUMERS consumers; null for groups past MAX_GROUPS (not queried). */
  consumerList: StreamConsumer[] | null;
}
export interface StreamValue {
  type: "stream";
  /** Present when entries were not read: why. */
  unread?: string;
  entries: StreamEntry[];
  /** Only on the first page (no cursor); null on later pages. */
  groups: StreamGroup[] | null;
  /** How many consumer groups the stream has (first page), listed or not. */
  groupCount?: number;
}

// XINFO CONSUMERS is per group and unpaged; cap the fan-out so a stream with thousands of
// groups cannot turn one page view into thousands of commands.
const MAX_GROUPS = 20;
const MAX_CONSUMERS = 100;
/** Above these, XINFO GROUPS / CONSUMERS are not sent at all (their replies are not bounded). */
const MAX_GROUPS_LISTED = 200;
const MAX_CONSUMERS_LISTED = 1000;
const STREAM_ID = /^\d{1,20}-\d{1,20}$/;

export async function readStream(ctx: PageContext): Promise<PageRead<StreamValue>> {
  if (ctx.cursor !== undefined && !STREAM_ID.test(ctx.cursor)) throw new KeyQueryError("cursor must be a stream entry id");
  const { length } = ctx.size;
  const listed = ctx.cursor === undefined ? await readGroups(ctx) : null;
  const groups = listed?.groups ?? null;
  const groupCount = listed?.count;
  const plan = planElements(ctx.size, ctx.pageSize + 1);
  if ("tooLarge" in plan) return { length, value: { type: "stream", entries: [], groups, groupCount, unread: plan.tooLarge } };
  // "(" makes the start exclusive (Redis 6.2+). One extra entry, when the budget allows it, tells
  // whether more follow; otherwise a full page is assumed to have more.
  const want = Math.min(ctx.pageSize, plan.perCall);
  const fetch = plan.perCall > want ? want + 1 : want;
  const start = ctx.cursor === undefined ? "-" : `(${ctx.cursor}`;
  const raw = await ctx.redis.callBuffer("XRANGE", [ctx.key, start, "+", "COUNT", fetch]);
  const all = Array.isArray(raw) ? (raw as unknown[]) : [];
  const entries = all.slice(0, want).map((e) => toEntry(e, ctx.maxElementBytes));
  const last = entries.at(-1);
  const more = fetch > want ? all.length > want : all.length === want;
  return { length, value: { type: "stream", entries, groups, groupCount }, nextCursor: more && last ? last.id : undefined };
}

function toEntry(raw: unknown, maxBytes: number): StreamEntry {
  if (!Array.isArray(raw) || raw.length !== 2) throw new TypeError("XRANGE: unexpected entry shape");
  const flat = asBuffers(raw[1], "XRANGE fields");
  const fields: StreamEntry["fields"] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    fields.push({ field: toPart(flat[i] ?? Buffer.alloc(0), maxBytes), value: toPart(flat[i + 1] ?? Buffer.alloc(0), maxBytes) });
  }
  return { id: asText(raw[0], "XRANGE id"), fields };
}

/** XINFO replies are flat [name, value, name, value, ...] arrays. */
function fieldsOf(raw: unknown): Map<string, unknown> {
  const map = new Map<string, unknown>();
  if (!Array.isArray(raw)) return map;
  for (let i = 0; i + 1 < raw.length; i += 2) map.set(asText(raw[i], "XINFO field"), raw[i + 1]);
  return map;
}

function numberOrNull(v: unknown): number | null {
  return v === null || v === undefined ? null : asNumber(v, "XINFO");
}

async function readGroups(ctx: PageContext): Promise<{ groups: StreamGroup[]; count: number }> {
  // XINFO GROUPS and CONSUMERS answer whole: count first (XINFO STREAM, O(1)) and list only
  // what is small enough to answer in bounded time.
  const info = fieldsOf(await ctx.redis.callBuffer("XINFO", ["STREAM", ctx.key]));
  const groupCount = numberOrNull(info.get("groups")) ?? 0;
  if (groupCount === 0 || groupCount > MAX_GROUPS_LISTED) return { groups: [], count: groupCount };
  const rawGroups = await ctx.redis.callBuffer("XINFO", ["GROUPS", ctx.key]);
  const groups = (Array.isArray(rawGroups) ? rawGroups : []).map(fieldsOf);
  const queried = groups.slice(0, MAX_GROUPS).filter((g) => asNumber(g.get("consumers"), "consumers") <= MAX_CONSUMERS_LISTED);
  const pipe = ctx.redis.pipeline();
  for (const g of queried) pipe.callBuffer("XINFO", "CONSUMERS", ctx.key, asBuffer(g.get("name"), "group name"));
  const consumerReplies = queried.length === 0 ? [] : unwrapResults(await pipe.exec(), "XINFO CONSUMERS");
  const list = groups.map((g) => ({
    name: encodeKey(asBuffer(g.get("name"), "group name")),
    consumers: asNumber(g.get("consumers"), "consumers"),
    pending: asNumber(g.get("pending"), "pending"),
    lastDeliveredId: asText(g.get("last-delivered-id"), "last-delivered-id"),
    entriesRead: numberOrNull(g.get("entries-read")),
    lag: numberOrNull(g.get("lag")),
    consumerList: queried.indexOf(g) >= 0 ? toConsumers(consumerReplies[queried.indexOf(g)]) : null,
  }));
  return { groups: list, count: groupCount };
}

function toConsumers(raw: unknown): StreamConsumer[] {
  return (Array.isArray(raw) ? raw : []).slice(0, MAX_CONSUMERS).map((c) => {
    const f = fieldsOf(c);
    return {
      name: encodeKey(asBuffer(f.get("name"), "consumer name")),
      pending: asNumber(f.get("pending"), "pending"),
      idleMs: asNumber(f.get("idle"), "idle"),
    };
  });
}
