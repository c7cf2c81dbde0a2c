// The compare engine's fast path: one read-only script call digests a whole batch of keys on one
// node, so an equal batch costs Node one short reply instead of a fingerprint per key. The script
// reads each key as script-fingerprint.ts does (its type, PEXPIRETIME, then the value only when
// its size, measured first, is within the inline limits), writes a canonical, length-prefixed record
// per key (hash fields and set members sorted, since hashtable order is per process) and returns
// SHA1 of all records together. Equal digests over the same names mean every key has the same
// type, expiry and value on both nodes. Keys it cannot inline (streams, module types, values over
// the limits) are listed by index and left out of the digest, so both sides agree on what was
// covered; the caller fingerprints those one by one. A call stops at CALL_BYTES / CALL_WORK like
// the fingerprint script, so its server time stays around a millisecond; `processed` says how far
// it got. No value leaves the server on this path.
import type Redis from "ioredis";
import { REPLY_BUDGET_BYTES } from "./budget";
import { asBuffer, asNumber } from "./reply";
import { runScript } from "./script-fingerprint";

/** Elements a value may have to be digested in the script (MEMORY USAGE … SAMPLES 0 is exact and still cheap here). */
const INLINE_ELEMENTS = 512;
const INLINE_BYTES = 64 * 1024;
/** Redis calls plus elements per call: ~1,200 is about a millisecond, so a PING waits little behind one. */
const CALL_WORK = 1200;

const SCRIPT = `
local maxb, maxe, callb, callw = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local lens = {hash = 'HLEN', list = 'LLEN', set = 'SCARD', zset = 'ZCARD'}
local call = redis.call
-- Records go into one flat table (a string built per part would be hashed and interned by Lua).
local p, np, skipped, bytes, work, n = {}, 0, {}, 0, 0, 0
local function put(s)
  p[np + 1] = #s; p[np + 2] = ':'; p[np + 3] = s
  np = np + 3
end
local function skip(i)
  skipped[#skipped + 1] = i
  p[np + 1] = 'x;'; np = np + 1
end
-- OBJECT ENCODING answers for every type without an error and is cheaper than TYPE; an int or
-- embstr string is at most 44 bytes, so a plain GET is safe; raw strings are read through
-- GETRANGE, bounded. Only the encodings several types share (listpack, hashtable) ask TYPE.
local types = {int = 'string', embstr = 'string', raw = 'string', quicklist = 'list', intset = 'set', skiplist = 'zset', stream = 'stream'}
for i, k in ipairs(KEYS) do
  if i > 1 and (bytes >= callb or work >= callw) then break end
  n = i
  local enc = call('OBJECT', 'ENCODING', k)
  local t = 'none'
  if enc then t = types[enc] or call('TYPE', k).ok end
  work = work + 3
  if t == 'string' then
    local exp = call('PEXPIRETIME', k)
    local v = (enc == 'raw') and call('GETRANGE', k, 0, maxb) or call('GET', k)
    if #v <= maxb then
      p[np + 1] = 's'; p[np + 2] = exp; p[np + 3] = ';'; np = np + 3
      put(v)
      bytes = bytes + #v
    else
      skip(i)
    end
  elseif t == 'none' then
    p[np + 1] = '-;'; np = np + 1
  elseif lens[t] then
    local exp, len = call('PEXPIRETIME', k), call(lens[t], k)
    local mem = len <= maxe and redis.pcall('MEMORY', 'USAGE', k, 'SAMPLES', '0')
    if type(mem) == 'number' and mem <= maxb then
      p[np + 1] = t; p[np + 2] = exp; p[np + 3] = ','; p[np + 4] = len; p[np + 5] = ';'; np = np + 5
      if t == 'list' then
        for _, e in ipairs(call('LRANGE', k, 0, len - 1)) do put(e) end
      elseif t == 'zset' then
        for _, e in ipairs(call('ZRANGE', k, 0, len - 1, 'WITHSCORES')) do put(e) end
      else
        -- Hashtable order is per process: members (or field/value pairs) sorted.
        local items, flat = {}, call(t == 'set' and 'SMEMBERS' or 'HGETALL', k)
        if t == 'set' then
          items = flat
        else
          for j = 1, #flat, 2 do items[#items + 1] = #flat[j] .. ':' .. flat[j] .. flat[j + 1] end
        end
        table.sort(items)
        for _, e in ipairs(items) do put(e) end
      end
      bytes, work = bytes + mem, work + len
    else
      skip(i)
    end
  else
    skip(i)
  end
end
return {n, redis.sha1hex(table.concat(p)), skipped}`;

export interface BatchDigest {
  /** Keys covered, from the first: the call may stop early at its budget. */
  processed: number;
  digest: string;
  /** 0-based indices (within the processed keys) that are not in the digest: read them one by one. */
  skipped: number[];
}

export interface BatchDigestOptions {
  maxStringBytes?: number;
}

/** Digest of `keys` from the first on (see `processed`), or null when this node refuses scripts. */
export async function readBatchDigest(redis: Redis, keys: readonly Buffer[], opts: BatchDigestOptions = {}): Promise<BatchDigest | null> {
  const maxBytes = Math.min(INLINE_BYTES, opts.maxStringBytes ?? INLINE_BYTES);
  const reply = await runScript(redis, SCRIPT, keys, [maxBytes, INLINE_ELEMENTS, REPLY_BUDGET_BYTES, CALL_WORK]);
  if (!reply) return null;
  const [n, digest, skipped] = reply;
  const processed = asNumber(n, "batch digest count");
  if (!Array.isArray(skipped) || processed < 1 || processed > keys.length) throw new TypeError("batch digest: unexpected reply");
  return { processed, digest: asBuffer(digest, "batch digest").toString("latin1"), skipped: skipped.map((i) => asNumber(i, "batch digest index") - 1) };
}

/** Both nodes digested the same names to the same value and left out the same keys. */
export function sameBatch(a: BatchDigest, b: BatchDigest): boolean {
  return a.processed === b.processed && a.digest === b.digest && a.skipped.length === b.skipped.length && a.skipped.every((v, i) => b.skipped[i] === v);
}

const MISSING_SCRIPT = `local out = {} for i, k in ipairs(KEYS) do if redis.call('EXISTS', k) == 0 then out[#out + 1] = i end end return out`;

/** Indices of `keys` that do not exist on this node: one call, a reply as short as the answer. */
export async function missingKeys(redis: Redis, keys: readonly Buffer[]): Promise<number[]> {
  const reply = await runScript(redis, MISSING_SCRIPT, keys, []);
  if (reply) return reply.map((i) => asNumber(i, "EXISTS index") - 1);
  const pipe = redis.pipeline();
  for (const k of keys) pipe.exists(k);
  const res = (await pipe.exec()) ?? [];
  const out: number[] = [];
  res.forEach(([err, v], i) => {
    if (err) throw err;
    if (asNumber(v, "EXISTS") === 0) out.push(i);
  });
  return out;
}
