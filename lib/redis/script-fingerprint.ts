// Fast path for compare-job fingerprints: one read-only Lua call per batch per node instead of
// ~4 commands per key. A bulk compare is bound by client-side per-command overhead, so this is
// what lets it outrun a plain SCAN + DUMP loop. The script only reads (TYPE, PEXPIRETIME, lengths,
// MEMORY USAGE, small whole values) and inlines a value only when its size, measured first, is at
// most INLINE_ELEMENTS elements and INLINE_BYTES bytes (MEMORY USAGE ... SAMPLES 0 is exact and
// cheap on at most 128 elements). One call stops once it has inlined CALL_BYTES or done CALL_WORK
// commands+elements and the caller sends the remaining keys again, so a call stays around a
// millisecond whatever the batch holds. Digests use the same canonical serialisation as
// read-fingerprint.ts, so both paths agree on equal values. Anything the script does not inline
// (streams, larger values) goes through readFingerprints (bounded, incremental reads); a server
// that refuses scripts (ACL NOPERM, scripting disabled) gets readFingerprints for everything.
import { createHash } from "node:crypto";
import type Redis from "ioredis";
import { REPLY_BUDGET_BYTES } from "./budget";
import { asBuffer, asBuffers, asNumber, asText } from "./reply";
import { digestFlat, type KeyFingerprint } from "./fingerprint";
import { readFingerprints, type FingerprintOptions } from "./read-fingerprint";
import { crossSlotArgs, crossSlotScript } from "./cross-slot-script";

const INLINE_ELEMENTS = 128;
const INLINE_BYTES = 64 * 1024;
const CALL_BYTES = REPLY_BUDGET_BYTES;
/** Redis calls plus inlined elements per script call (a few thousand take about a millisecond). */
const CALL_WORK = 4000;

// MEMORY USAGE through pcall: a user allowed EVAL but not MEMORY gets the bounded path for that key.
const SCRIPT = `
local maxb, maxe, callb, callw = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local reads = {hash = {'HLEN', 'HGETALL'}, list = {'LLEN', 'LRANGE'}, set = {'SCARD', 'SMEMBERS'}, zset = {'ZCARD', 'ZRANGE'}}
local out, bytes, work = {}, 0, 0
for i, k in ipairs(KEYS) do
  if i > 1 and (bytes >= callb or work >= callw) then break end
  local t = redis.call('TYPE', k)['ok']
  work = work + 4
  if t == 'none' then
    out[i] = {t}
  else
    local exp, len, val = redis.call('PEXPIRETIME', k), 0, false
    if t == 'string' then
      len = redis.call('STRLEN', k)
      if len <= maxb then val = redis.call('GET', k); bytes = bytes + len end
    elseif reads[t] then
      len = redis.call(reads[t][1], k)
      if len <= maxe then
        local mem = redis.pcall('MEMORY', 'USAGE', k, 'SAMPLES', '0')
        if type(mem) == 'number' and mem <= maxb then
          if t == 'list' then val = redis.call('LRANGE', k, 0, len - 1)
          elseif t == 'zset' then val = redis.call('ZRANGE', k, 0, len - 1, 'WITHSCORES')
          else val = redis.call(reads[t][2], k) end
          bytes, work = bytes + mem, work + len
        end
      end
    end
    out[i] = {t, exp, len, val}
  end
end
return out`;

const EXISTS_SCRIPT = `local out = {} for i, k in ipairs(KEYS) do out[i] = redis.call('EXISTS', k) end return out`;

const STRIDE = new Map([["list", 1], ["set", 1], ["hash", 2], ["zset", 2]]);
/** Connections where scripts failed: they use the per-command path from then on. */
const noScripts = new WeakSet<Redis>();
/** Redis < 7 has no *_RO variants: those connections use EVALSHA/EVAL (the scripts only read). */
const noReadOnlyEval = new WeakSet<Redis>();
/** Cluster nodes (a CROSSSLOT reply seen): those connections send keys in ARGV (./cross-slot-script). */
const crossSlot = new WeakSet<Redis>();
const shas = new Map<string, string>();

function shaOf(script: string): string {
  let sha = shas.get(script);
  if (!sha) {
    sha = createHash("sha1").update(script).digest("hex");
    shas.set(script, sha);
  }
  return sha;
}

/**
 * Runs a read-only script over a batch of keys; null when this node refuses scripts (callers fall
 * back). By SHA (EVALSHA_RO), after SCRIPT LOAD when the server does not have it cached: each call
 * is short on the wire, and SLOWLOG shows it whole (it truncates a script's text), so it can be
 * re-run as logged.
 */
export async function runScript(redis: Redis, script: string, keys: readonly Buffer[], args: (string | number | Buffer)[]): Promise<unknown[] | null> {
  // No keys: nothing to do, unless the names travel packed in an argument (see batch-digest.ts).
  if (noScripts.has(redis) || (keys.length === 0 && !args.some((a) => Buffer.isBuffer(a)))) return null;
  const ro = !noReadOnlyEval.has(redis);
  // A script with its own shebang (batch-digest's packed form) already runs across slots.
  const cluster = crossSlot.has(redis) && !script.startsWith("#!");
  // Redis < 7 has no shebang flags either; it has no cross-slot check on undeclared keys to lift.
  const text = cluster ? crossSlotScript(script, ro) : script;
  const rest = cluster ? crossSlotArgs(keys, args) : [keys.length, ...keys, ...args];
  const call = () => redis.callBuffer(ro ? "EVALSHA_RO" : "EVALSHA", [shaOf(text), ...rest]);
  try {
    let reply: unknown;
    try {
      reply = await call();
    } catch (err) {
      if (!(err instanceof Error && err.message.startsWith("NOSCRIPT"))) throw err;
      await redis.call("SCRIPT", "LOAD", text); // first use on this server, or its cache was flushed
      reply = await call();
    }
    return Array.isArray(reply) ? (reply as unknown[]) : null;
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    if (!cluster && msg.startsWith("CROSSSLOT")) {
      crossSlot.add(redis); // a cluster node, names of several slots: the ARGV form from now on
      return runScript(redis, script, keys, args);
    }
    if (ro && /unknown command/i.test(msg)) {
      noReadOnlyEval.add(redis); // Redis < 7: EVAL of a script that only reads is fine on replicas
      return runScript(redis, script, keys, args);
    }
    if (/NOPERM|NOSCRIPT|unknown command|disabled|not allowed/i.test(msg)) {
      console.warn(`replscope: compare falls back to per-command reads on this node: ${msg.slice(0, 200)}`);
      noScripts.add(redis);
      return null;
    }
    throw err;
  }
}

export async function readFingerprintsFast(redis: Redis, keys: readonly Buffer[], opts: FingerprintOptions): Promise<(KeyFingerprint | null)[]> {
  const args = [Math.min(INLINE_BYTES, opts.maxStringBytes ?? INLINE_BYTES), INLINE_ELEMENTS, CALL_BYTES, CALL_WORK];
  const out: (KeyFingerprint | null)[] = new Array<KeyFingerprint | null>(keys.length).fill(null);
  const rest: number[] = [];
  let from = 0;
  while (from < keys.length) {
    const rows = await runScript(redis, SCRIPT, keys.slice(from), args);
    // Refused scripts, or a reply that made no progress: the bounded path reads what is left.
    if (!rows || rows.length === 0) {
      for (let i = from; i < keys.length; i++) rest.push(i);
      break;
    }
    rows.forEach((row, j) => {
      const fp = inlined(row);
      if (fp === undefined) rest.push(from + j);
      else out[from + j] = fp;
    });
    from += rows.length;
  }
  if (rest.length > 0) {
    const slow = await readFingerprints(redis, rest.map((i) => keys[i] as Buffer), opts);
    rest.forEach((i, j) => (out[i] = slow[j] ?? null));
  }
  return out;
}

/** A script row as a fingerprint: null for a missing key, undefined when the value was not inlined. */
function inlined(row: unknown): KeyFingerprint | null | undefined {
  if (!Array.isArray(row)) throw new TypeError("fingerprint script: unexpected row");
  const type = asText(row[0], "TYPE");
  if (type === "none") return null;
  const value: unknown = row[3];
  if (value === null || value === undefined) return undefined; // stream, module type or above the inline budget
  const expireAtMs = asNumber(row[1], "PEXPIRETIME");
  const length = asNumber(row[2], "length");
  const digest = type === "string" ? digestFlat(type, [asBuffer(value, "GET")], 1) : digestFlat(type, asBuffers(value, type), STRIDE.get(type) ?? 1);
  return { type, length, digest, expireAtMs };
}

/** EXISTS for a batch in one call (pipelined EXISTS when scripts are refused). */
export async function existsMany(redis: Redis, keys: readonly Buffer[]): Promise<boolean[]> {
  const rows = await runScript(redis, EXISTS_SCRIPT, keys, []);
  if (rows) return rows.map((r) => asNumber(r, "EXISTS") === 1);
  const pipe = redis.pipeline();
  for (const k of keys) pipe.exists(k);
  const res = (await pipe.exec()) ?? [];
  return res.map(([err, v]) => {
    if (err) throw err;
    return asNumber(v, "EXISTS") === 1;
  });
}
