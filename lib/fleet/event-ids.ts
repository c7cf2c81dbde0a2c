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

/** A slot for this instance: consecutive starts get consecutive slots (16 instances before one repeats). */
export async function claimEventSlot(redis: Redis): Promise<number> {
  return (await redis.incr(`${FLEET_PREFIX}event-slot`)) % SLOTS;
}
