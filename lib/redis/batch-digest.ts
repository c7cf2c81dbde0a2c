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
-- Pass 1: OBJECT ENCODING (every type, no error, cheaper than TYPE) and PEXPIRETIME. int and
-- embstr strings are at most 44 bytes: they are read together by one MGET (one GET each on a
-- cluster node, ARGV[5]).
local enc, exp, short, at = {}, {}, {}, {}
for i, k in ipairs(KEYS) do
  local e = call('OBJECT', 'ENCODING', k)
  enc[i] = e
  if e then
    exp[i] = call('PEXPIRETIME', k)
    if e == 'int' or e == 'embstr' then short[#short + 1] = k; at[i] = #short end
  end
end
local values = {}
if ARGV[5] == 'mget' then
  if #short > 0 then values = call('MGET', unpack(short)) end
else
  -- A cluster node refuses one command over keys of several slots: one GET each.
  for j, k in ipairs(short) do values[j] = call('GET', k) end
end
-- Pass 2, within the call's budget. A compact or ordered encoding (listpack, intset, quicklist,
-- skiplist) serialises the same content the same way on any server with the same configuration,
-- which a replica fed the master's own commands is: its DUMP goes in the record whole, after
-- MEMORY USAGE (exact: O(1) for listpack/intset, SAMPLES 0 over at most maxe elements otherwise)
-- showed it small. A node that encodes the value differently only sends the batch to the per-key
-- path. Hashtable order is per process: hashes and sets in it are read and sorted.
local lens = {quicklist = 'LLEN', skiplist = 'ZCARD', hash = 'HLEN', set = 'SCARD'}
for i, k in ipairs(KEYS) do
  if i > 1 and (bytes >= callb or work >= callw) then break end
  n = i
  local e, x = enc[i], exp[i]
  work = work + 3
  if not e then
    p[np + 1] = '-;'; np = np + 1
  elseif at[i] then
    local v = values[at[i]]
    p[np + 1] = 's'; p[np + 2] = x; p[np + 3] = ';'; np = np + 3
    put(v)
    bytes = bytes + #v
  elseif e == 'raw' then
    -- A module value's encoding reads "raw" too: its GETRANGE fails, and the key is left out.
    local v = redis.pcall('GETRANGE', k, 0, maxb)
    if type(v) == 'string' and #v <= maxb then
      p[np + 1] = 's'; p[np + 2] = x; p[np + 3] = ';'; np = np + 3
      put(v)
      bytes = bytes + #v
    else
      skip(i)
    end
  else
    local t, len, mem = e, 0, false
    local compact = e == 'listpack' or e == 'intset'
    if e == 'hashtable' or not (compact or lens[e]) then t = call('TYPE', k).ok end
    if compact then
      mem = redis.pcall('MEMORY', 'USAGE', k)
    elseif lens[t] then
      len = call(lens[t], k)
      if len <= maxe then mem = redis.pcall('MEMORY', 'USAGE', k, 'SAMPLES', '0') end
    end
    if type(mem) ~= 'number' or mem > maxb then
      skip(i)
    elseif t == 'hash' or t == 'set' then
      -- Bounded: at most maxe elements (len, above) and maxb bytes (MEMORY USAGE … SAMPLES 0, exact).
      local items, flat = {}, call(t == 'set' and 'SMEMBERS' or 'HGETALL', k)
      if t == 'set' then
        items = flat
      else
        for j = 1, #flat, 2 do items[#items + 1] = #flat[j] .. ':' .. flat[j] .. flat[j + 1] end
      end
      table.sort(items)
      p[np + 1] = t; p[np + 2] = x; p[np + 3] = ','; p[np + 4] = len; p[np + 5] = ';'; np = np + 5
      for _, v in ipairs(items) do put(v) end
      bytes, work = bytes + mem, work + len
    else
      local d = call('DUMP', k)
      p[np + 1] = 'd'; p[np + 2] = x; p[np + 3] = ';'; np = np + 3
      put(d)
      bytes, work = bytes + #d, work + 1
    end
  end
end
return {n, redis.sha1hex(table.concat(p)), skipped}`;

/**
 * The same script with its names packed into ARGV[6] (u32 length + bytes each, rebuilt into KEYS
 * below): one argument instead of one per name costs Node about a microsecond less per name and
 * call, for a tenth of that in Lua. Keys are then undeclared, which the shebang allows across
 * slots on a cluster node (7.0+); a server that cannot compile it (before 7.0) gets SCRIPT.
 */
const PACKED = `#!lua flags=no-writes,allow-cross-slot-keys,allow-stale
local packed, KEYS, pos, count = ARGV[6], {}, 1, 0
while pos <= #packed do
  local len
  len, pos = struct.unpack('>I4', packed, pos)
  count = count + 1
  KEYS[count] = string.sub(packed, pos, pos + len - 1)
  pos = pos + len
end
${SCRIPT}`;

/** Connections whose server could not compile the packed form: they send names as KEYS. */
const unpacked = new WeakSet<Redis>();
/** Cluster nodes (one command may not span slots): short strings are read with one GET each. */
const noMget = new WeakSet<Redis>();

function pack(names: readonly Buffer[]): Buffer {
  let size = 0;
  for (const k of names) size += 4 + k.length;
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const k of names) {
    out.writeUInt32BE(k.length, at);
    k.copy(out, at + 4);
    at += 4 + k.length;
  }
  return out;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

async function digestCall(redis: Redis, keys: readonly Buffer[], params: number[]): Promise<unknown[] | null> {
  const args = [...params, noMget.has(redis) ? "get" : "mget"];
  try {
    if (!unpacked.has(redis)) {
      try {
        return await runScript(redis, PACKED, [], [...args, pack(keys)]);
      } catch (err) {
        if (!/shebang|compiling|unknown command/i.test(message(err))) throw err;
        unpacked.add(redis);
      }
    }
    return await runScript(redis, SCRIPT, keys, args);
  } catch (err) {
    if (noMget.has(redis) || !/non local key|CROSSSLOT/i.test(message(err))) throw err;
    noMget.add(redis);
    return digestCall(redis, keys, params);
  }
}

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
  if (keys.length === 0) return null;
  const reply = await digestCall(redis, keys, [maxBytes, INLINE_ELEMENTS, REPLY_BUDGET_BYTES, CALL_WORK]);
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
