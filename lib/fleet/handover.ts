// The node states an owner leaves for whoever takes its topology over next: one hash per topology
// in the coordination Redis, field = node id, value = the node's last NodeState. Written (fenced by
// the lease token, so a stale owner cannot overwrite its successor's) for a node each time its poll
// produced an event, and for every node every few seconds. The next owner diffs its first poll of
// each node against this state (lib/monitor/topology-monitor.ts handover), so a takeover neither
// repeats an event the old owner recorded nor misses a change that happened in between.
import type Redis from "ioredis";
import type { NodeState } from "../monitor/types";
import { FLEET_PREFIX, leaseKey } from "./keys";
import { runScript } from "./scripts";

export const handoverKey = (topology: string): string => `${FLEET_PREFIX}handover:${topology}`;

/** More nodes than a topology may hold (MAX_NODES in the monitor): a larger hash is not ours. */
const MAX_FIELDS = 1000;
/** A state larger than this is not stored (INFO of a healthy node is a few KB). */
const MAX_STATE_BYTES = 64 * 1024;
/** Kept this long after the last write: long enough for any takeover, gone once a topology leaves the config. */
const KEEP_MS = 24 * 3600 * 1000;

/**
 * KEYS[1] lease, KEYS[2] hash; ARGV[1] token, ARGV[2] px, ARGV[3] 'replace'|'merge', then field/value
 * pairs. 'replace' drops the fields not written (nodes the owner forgot). Returns 1, or 0 when fenced.
 */
const FENCED_HSET = `
local cur = redis.call('HGET', KEYS[1], 'token')
if cur ~= ARGV[1] then return 0 end
if ARGV[3] == 'replace' then redis.call('DEL', KEYS[2]) end
if #ARGV > 3 then redis.call('HSET', KEYS[2], unpack(ARGV, 4)) end
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return 1`;

function encode(s: NodeState): string | null {
  // Samples are the poller's short-term window; the next owner builds its own.
  const json = JSON.stringify({ ...s, samples: [] });
  return json.length <= MAX_STATE_BYTES ? json : null;
}

/** Writes node states for the next owner; false when this token no longer holds the lease. */
export async function writeHandover(redis: Redis, topology: string, token: number, states: readonly NodeState[], mode: "replace" | "merge"): Promise<boolean> {
  const args: string[] = [String(token), String(KEEP_MS), mode];
  for (const s of states.slice(0, MAX_FIELDS)) {
    const json = encode(s);
    if (json) args.push(s.id, json);
  }
  return Number(await runScript(redis, FENCED_HSET, [leaseKey(topology), handoverKey(topology)], args)) === 1;
}

function isState(v: unknown): v is NodeState {
  if (typeof v !== "object" || v === null) return false;
  const s = v as Partial<NodeState>;
  return typeof s.id === "string" && typeof s.host === "string" && typeof s.port === "number" && (s.status === "up" || s.status === "down");
}

/** The previous owner's states (empty when there are none, or too many to be ours). */
export async function readHandover(redis: Redis, topology: string): Promise<Map<string, NodeState>> {
  const out = new Map<string, NodeState>();
  const key = handoverKey(topology);
  if ((await redis.hlen(key)) > MAX_FIELDS) return out;
  const all = await redis.hgetall(key);
  for (const [id, json] of Object.entries(all)) {
    try {
      const s: unknown = JSON.parse(json);
      if (isState(s) && s.id === id) out.set(id, { ...s, samples: [] });
    } catch {
      /* not a state: ignored, the node starts fresh */
    }
  }
  return out;
}
