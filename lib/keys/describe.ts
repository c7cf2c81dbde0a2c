// Type, TTL, length and memory of the keys the browser has in view: one read-only script call per
// request (≤ MAX_DESCRIBE keys, four O(1)/bounded commands each), a pipelined fallback where scripts
// are refused. MEMORY USAGE uses SAMPLES 5 (SAMPLES 0 would walk every element: O(N)); it is run
// through pcall so a user allowed EVAL but not MEMORY still gets the rest.
import type Redis from "ioredis";
import { encodeKey } from "./codec";
import { KeyQueryError } from "../redis/errors";
import { asNumber, asText } from "../redis/reply";
import { runScript } from "../redis/script-fingerprint";

/** Keys per describe request: a screenful is ~30 rows, the overscan and a fast scroll a few more. */
export const MAX_DESCRIBE = 200;

export type KeyDescription =
  | {
      key: string;
      type: string;
      /** Seconds; -1 = no expiry. */
      ttl: number;
      /** STRLEN / HLEN / LLEN / SCARD / ZCARD / XLEN; null for a module type. */
      length: number | null;
      /** MEMORY USAGE ... SAMPLES 5 in bytes; null when the server refused it. */
      memory: number | null;
    }
  | { key: string; missing: true };

const LENGTH: Readonly<Record<string, string>> = { string: "STRLEN", hash: "HLEN", list: "LLEN", set: "SCARD", zset: "ZCARD", stream: "XLEN" };

const SCRIPT = `
local lens = {string = 'STRLEN', hash = 'HLEN', list = 'LLEN', set = 'SCARD', zset = 'ZCARD', stream = 'XLEN'}
local out = {}
for i, k in ipairs(KEYS) do
  local t = redis.call('TYPE', k)['ok']
  if t == 'none' then
    out[i] = {t}
  else
    local len = false
    if lens[t] then len = redis.call(lens[t], k) end
    local mem = redis.pcall('MEMORY', 'USAGE', k, 'SAMPLES', '5')
    if type(mem) ~= 'number' then mem = false end
    out[i] = {t, redis.call('TTL', k), len, mem}
  end
end
return out`;

/** One description per key, in order. The caller has put the connection on the right db. */
export async function describeKeys(redis: Redis, keys: readonly Buffer[]): Promise<KeyDescription[]> {
  if (keys.length > MAX_DESCRIBE) throw new KeyQueryError(`at most ${MAX_DESCRIBE} keys per describe request`);
  if (keys.length === 0) return [];
  const rows = await runScript(redis, SCRIPT, keys, []);
  if (rows && rows.length === keys.length) return rows.map((row, i) => fromRow(keys[i] as Buffer, row));
  return describePipelined(redis, keys);
}

function optionalNumber(v: unknown, what: string): number | null {
  return v === null || v === undefined ? null : asNumber(v, what);
}

function fromRow(key: Buffer, row: unknown): KeyDescription {
  if (!Array.isArray(row)) throw new TypeError("describe script: unexpected row");
  const type = asText(row[0], "TYPE");
  if (type === "none") return { key: encodeKey(key), missing: true };
  return { key: encodeKey(key), type, ttl: asNumber(row[1], "TTL"), length: optionalNumber(row[2], "length"), memory: optionalNumber(row[3], "MEMORY USAGE") };
}

/** Scripts refused: TYPE, TTL and MEMORY USAGE in one pipeline, then the length by type in another. */
async function describePipelined(redis: Redis, keys: readonly Buffer[]): Promise<KeyDescription[]> {
  const first = redis.pipeline();
  for (const k of keys) first.type(k).ttl(k).call("MEMORY", "USAGE", k, "SAMPLES", "5");
  const meta = (await first.exec()) ?? [];
  const at = (i: number): [Error | null, unknown] => meta[i] ?? [new Error("pipeline: missing reply"), null];
  const types = keys.map((_, i) => {
    const [err, t] = at(3 * i);
    if (err) throw err;
    return asText(t, "TYPE");
  });
  const second = redis.pipeline();
  const lengthAt = new Map<number, number>();
  types.forEach((t, i) => {
    const cmd = LENGTH[t];
    if (!cmd) return;
    lengthAt.set(i, lengthAt.size);
    second.call(cmd, keys[i] as Buffer);
  });
  const lengths = lengthAt.size > 0 ? ((await second.exec()) ?? []) : [];
  return keys.map((key, i): KeyDescription => {
    const type = types[i] ?? "none";
    const [ttlErr, ttl] = at(3 * i + 1);
    if (ttlErr) throw ttlErr;
    // The key can vanish between TYPE and TTL in a pipeline (no script: not atomic).
    if (type === "none" || asNumber(ttl, "TTL") === -2) return { key: encodeKey(key), missing: true };
    const [memErr, mem] = at(3 * i + 2);
    const li = lengthAt.get(i);
    const len = li === undefined ? undefined : lengths[li];
    return {
      key: encodeKey(key),
      type,
      ttl: asNumber(ttl, "TTL"),
      length: len && !len[0] ? optionalNumber(len[1], "length") : null,
      memory: memErr ? null : optionalNumber(mem, "MEMORY USAGE"),
    };
  });
}
