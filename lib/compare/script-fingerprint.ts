// Fast path for compare-job fingerprints: one read-only Lua call per batch per node instead of
// ~4 commands per key. A bulk compare is bound by client-side per-command overhead, so this is
// what lets it outrun a plain SCAN + DUMP loop. The script only reads (TYPE, PEXPIRETIME, lengths,
// small whole values) and inlines at most INLINE_ELEMENTS elements / INLINE_BYTES bytes per key,
// so one call blocks Redis for about a millisecond per few hundred keys. Digests use the same
// canonical serialisation as read-fingerprint.ts, so both paths agree on equal values. Anything
// the script does not inline (streams, larger values) goes through readFingerprints; a server
// that refuses scripts (ACL NOPERM, scripting disabled) gets readFingerprints for everything.
import type Redis from "ioredis";
import { asBuffer, asBuffers, asNumber, asText } from "../keys/reply";
import { digestFlat, type KeyFingerprint } from "./fingerprint";
import { readFingerprints, type FingerprintOptions } from "./read-fingerprint";

const INLINE_ELEMENTS = 128;
const INLINE_BYTES = 64 * 1024;

const SCRIPT = `
local maxb, maxe = tonumber(ARGV[1]), tonumber(ARGV[2])
local out = {}
for i, k in ipairs(KEYS) do
  local t = redis.call('TYPE', k)['ok']
  if t == 'none' then
    out[i] = {t}
  else
    local exp, len, val = redis.call('PEXPIRETIME', k), 0, false
    if t == 'string' then len = redis.call('STRLEN', k); if len <= maxb then val = redis.call('GET', k) end
    elseif t == 'hash' then len = redis.call('HLEN', k); if len <= maxe then val = redis.call('HGETALL', k) end
    elseif t == 'list' then len = redis.call('LLEN', k); if len <= maxe then val = redis.call('LRANGE', k, 0, -1) end
    elseif t == 'set' then len = redis.call('SCARD', k); if len <= maxe then val = redis.call('SMEMBERS', k) end
    elseif t == 'zset' then len = redis.call('ZCARD', k); if len <= maxe then val = redis.call('ZRANGE', k, 0, -1, 'WITHSCORES') end
    end
    out[i] = {t, exp, len, val}
  end
end
return out`;

const EXISTS_SCRIPT = `local out = {} for i, k in ipairs(KEYS) do out[i] = redis.call('EXISTS', k) end return out`;

const STRIDE = new Map([["list", 1], ["set", 1], ["hash", 2], ["zset", 2]]);
/** Connections where scripts failed: they use the per-command path from then on. */
const noScripts = new WeakSet<Redis>();
const evalCommand = new WeakMap<Redis, "EVAL_RO" | "EVAL">();

/** Runs a read-only script over a batch of keys; null when this node refuses scripts (callers fall back). */
export async function runScript(redis: Redis, script: string, keys: readonly Buffer[], args: (string | number)[]): Promise<unknown[] | null> {
  if (noScripts.has(redis) || keys.length === 0) return null;
  const cmd = evalCommand.get(redis) ?? "EVAL_RO";
  try {
    const reply = await redis.callBuffer(cmd, [script, keys.length, ...keys, ...args]);
    return Array.isArray(reply) ? (reply as unknown[]) : null;
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    if (cmd === "EVAL_RO" && /unknown command/i.test(msg)) {
      evalCommand.set(redis, "EVAL"); // Redis < 7: EVAL of a script that only reads is fine on replicas
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
  const rows = await runScript(redis, SCRIPT, keys, [Math.min(INLINE_BYTES, opts.maxStringBytes ?? INLINE_BYTES), INLINE_ELEMENTS]);
  if (!rows) return readFingerprints(redis, keys, opts);
  const out: (KeyFingerprint | null)[] = new Array<KeyFingerprint | null>(keys.length).fill(null);
  const rest: number[] = [];
  rows.forEach((row, i) => {
    if (!Array.isArray(row)) throw new TypeError("fingerprint script: unexpected row");
    const type = asText(row[0], "TYPE");
    if (type === "none") return;
    const value: unknown = row[3];
    if (value === null || value === undefined) {
      rest.push(i); // not inlined: stream, module type or above the inline budget
      return;
    }
    const expireAtMs = asNumber(row[1], "PEXPIRETIME");
    const length = asNumber(row[2], "length");
    const digest = type === "string" ? digestFlat(type, [asBuffer(value, "GET")], 1) : digestFlat(type, asBuffers(value, type), STRIDE.get(type) ?? 1);
    out[i] = { type, length, digest, expireAtMs };
  });
  if (rest.length > 0) {
    const slow = await readFingerprints(redis, rest.map((i) => keys[i] as Buffer), opts);
    rest.forEach((i, j) => (out[i] = slow[j] ?? null));
  }
  return out;
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
