// Timeline event ids when several instances write one store. Alone, ids count up from the
// store's largest; with several writers that would collide (and a colliding row is dropped by the
// insert's ON CONFLICT), so each id is the millisecond clock times 4096 plus this instance's slot
// (0-15, handed out by the coordination Redis) plus a per-millisecond counter. Ids stay unique
// between instances with different slots, keep time order (the timeline pages by id), and remain
// below 2^53 until 2039. They are also larger than any id counted up alone, so they sort after them.
import type Redis from "ioredis";
import { FLEET_PREFIX } from "./keys";

export const SLOTS = 16;
const PER_MS = 4096 / SLOTS;

/** The next id generator for `slot`; every id is above `floor` and above the previous one. */
export function fleetEventIds(slot: number, floor = 0, now: () => number = Date.now): () => number {
  if (!Number.isInteger(slot) || slot < 0 || slot >= SLOTS) throw new RangeError(`event id slot must be 0-${SLOTS - 1}, got ${slot}`);
  // The millisecond the ids are in, and the counter within it; starts past the floor's millisecond.
  let ms = Math.floor(floor / 4096);
  let count = PER_MS - 1;
  return () => {
    const t = now();
    if (t > ms) {
      ms = t;
      count = 0;
    } else if (++count >= PER_MS) {
      // More than PER_MS ids in one millisecond, or the clock went back: borrow the next millisecond.
      ms += 1;
      count = 0;
    }
    return ms * 4096 + slot * PER_MS + count;
  };
}

const slotKey = (slot: number): string => `${FLEET_PREFIX}event-slot:${slot}`;
/** A slot is held this long past its holder's last renewal (serve.ts renews it every 5 s). */
export const SLOT_TTL_MS = 30_000;

/**
 * A slot no live instance holds: starting from a counter (consecutive starts try consecutive
 * slots), the first free one is taken (SET NX with an expiry), or the one this instance id held
 * before a restart. With all 16 held by live instances, slots are shared (ids may then collide).
 */
export async function claimEventSlot(redis: Redis, instanceId: string): Promise<number> {
  const holders = await redis.mget(...Array.from({ length: SLOTS }, (_, i) => slotKey(i)));
  const mine = holders.indexOf(instanceId);
  if (mine >= 0) {
    await holdEventSlot(redis, mine, instanceId);
    return mine;
  }
  const start = (await redis.incr(`${FLEET_PREFIX}event-slot`)) % SLOTS;
  for (let i = 0; i < SLOTS; i++) {
    const slot = (start + i) % SLOTS;
    if ((await redis.set(slotKey(slot), instanceId, "PX", SLOT_TTL_MS, "NX")) === "OK") return slot;
  }
  return start;
}

/** Keeps this instance's slot (also after the coordination Redis lost its data). */
export async function holdEventSlot(redis: Redis, slot: number, instanceId: string): Promise<void> {
  await redis.set(slotKey(slot), instanceId, "PX", SLOT_TTL_MS);
}
