// The Lua scripts that make lease operations atomic in the coordination Redis. Tokens travel as
// strings both ways: they are microsecond-seeded (see ACQUIRE) and would lose digits if Lua turned
// them into numbers and back.
import { createHash } from "node:crypto";
import type Redis from "ioredis";

/** Refreshes a member's heartbeat and prunes expired members; returns the Redis clock (ms). */
export const HEARTBEAT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return now`;

/** Ids of members whose heartbeat has not expired on the Redis clock, at most ARGV[1]. */
export const LIVE_MEMBERS = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf', 'LIMIT', 0, tonumber(ARGV[1]))`;

/**
 * Takes a free lease (a new fencing token) or re-confirms one already ours (same token: nobody
 * acquired since). Returns {1|0, token, owner}. A fence counter that is missing (first use, or the
 * coordination Redis lost its data) is seeded with the Redis clock in microseconds, so tokens keep
 * increasing across a data loss and a stale holder's old token can never become current again.
 */
export const ACQUIRE = `
local owner = redis.call('HGET', KEYS[1], 'owner')
if owner then
  local tok = redis.call('HGET', KEYS[1], 'token')
  if owner == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return {1, tok, owner}
  end
  return {0, tok, owner}
end
if redis.call('EXISTS', KEYS[2]) == 0 then
  local t = redis.call('TIME')
  redis.call('SET', KEYS[2], t[1] .. string.format('%06d', tonumber(t[2])))
end
redis.call('INCR', KEYS[2])
local tok = redis.call('GET', KEYS[2])
local now = redis.call('TIME')
redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'token', tok, 'since', tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return {1, tok, ARGV[1]}`;

/** Extends the lease only if it is still {owner, token}: 1, else 0. */
export const RENEW = `
if redis.call('HGET', KEYS[1], 'owner') == ARGV[1] and redis.call('HGET', KEYS[1], 'token') == ARGV[2] then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return 1
end
return 0`;

/** Deletes the lease only if it is still {owner, token}: 1, else 0. */
export const RELEASE = `
if redis.call('HGET', KEYS[1], 'owner') == ARGV[1] and redis.call('HGET', KEYS[1], 'token') == ARGV[2] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

/**
 * SET KEYS[2] = ARGV[2] only while the lease's token is ARGV[1]; optional PX (ARGV[3] > 0) and NX
 * (ARGV[4] == 'nx', e.g. "this notification was sent"). Returns {'written'|'exists'|'fenced', current token}.
 */
export const FENCED_SET = `
local cur = redis.call('HGET', KEYS[1], 'token')
if cur ~= ARGV[1] then return {'fenced', cur or ''} end
local args = {'SET', KEYS[2], ARGV[2]}
if tonumber(ARGV[3]) > 0 then
  table.insert(args, 'PX')
  table.insert(args, ARGV[3])
end
if ARGV[4] == 'nx' then table.insert(args, 'NX') end
if redis.call(unpack(args)) then return {'written', cur} end
return {'exists', cur}`;

/**
 * Records alert ARGV[2] as announced (firing) while the lease token is ARGV[1]. KEYS: lease, the
 * topology's alerts hash, this claim's marker. The stored value is "<revision>\n<json>"; the same
 * revision already stored is 'known' (someone announced it), another one (an escalation, a repeat
 * full resync) is rewritten and 'announce'd. A hash already holding ARGV[5] alerts takes no new
 * one ('refused'). The marker (PX ARGV[6]) makes a retry of a claim that went through answer
 * 'announce' again, before the fence check: the claim was made while the token was current.
 */
export const ALERT_CLAIM_FIRING = `
if redis.call('EXISTS', KEYS[3]) == 1 then return 'announce' end
if redis.call('HGET', KEYS[1], 'token') ~= ARGV[1] then return 'fenced' end
local old = redis.call('HGET', KEYS[2], ARGV[2])
if old then
  if string.match(old, '^[^\\n]*') == ARGV[3] then return 'known' end
elseif redis.call('HLEN', KEYS[2]) >= tonumber(ARGV[5]) then
  return 'refused'
end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3] .. '\\n' .. ARGV[4])
redis.call('SET', KEYS[3], '1', 'PX', ARGV[6])
return 'announce'`;

/**
 * Removes alert ARGV[2] from the announced ones while the lease token is ARGV[1]: 'announce' when
 * this call removed it, 'unknown' when it was not there. Same KEYS and claim marker as above.
 */
export const ALERT_CLAIM_RESOLVED = `
if redis.call('EXISTS', KEYS[3]) == 1 then return 'announce' end
if redis.call('HGET', KEYS[1], 'token') ~= ARGV[1] then return 'fenced' end
if redis.call('HDEL', KEYS[2], ARGV[2]) == 0 then return 'unknown' end
redis.call('SET', KEYS[3], '1', 'PX', ARGV[3])
return 'announce'`;

/**
 * Puts announced alerts back (KEYS[1] lease, KEYS[2] hash; ARGV[1] token, ARGV[2] cap, then
 * id/value pairs): HSETNX each while the token is current and the cap allows. Returns how many.
 */
export const ALERT_RESTORE = `
if redis.call('HGET', KEYS[1], 'token') ~= ARGV[1] then return -1 end
local n = 0
for i = 3, #ARGV, 2 do
  if redis.call('HLEN', KEYS[2]) >= tonumber(ARGV[2]) then break end
  n = n + redis.call('HSETNX', KEYS[2], ARGV[i], ARGV[i + 1])
end
return n`;

const shas = new Map<string, string>();
function sha1(src: string): string {
  let sha = shas.get(src);
  if (!sha) {
    sha = createHash("sha1").update(src).digest("hex");
    shas.set(src, sha);
  }
  return sha;
}

/** EVALSHA, falling back to EVAL when the server does not have the script (first use, restart). */
export async function runScript(redis: Redis, src: string, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
  try {
    return await redis.evalsha(sha1(src), keys.length, ...keys, ...args);
  } catch (err) {
    if (!/NOSCRIPT/.test(String((err as Error)?.message ?? err))) throw err;
    return redis.eval(src, keys.length, ...keys, ...args);
  }
}
