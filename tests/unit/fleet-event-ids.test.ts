import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fleetEventIds, SLOTS } from "../../lib/fleet/event-ids";

describe("fleet event ids", () => {
  it("never collide between slots and keep time order", () => {
    let t = 1_700_000_000_000;
    const clock = () => t;
    const gens = Array.from({ length: SLOTS }, (_, slot) => fleetEventIds(slot, 0, clock));
    const seen = new Set<number>();
    let prevMax = 0;
    for (let step = 0; step < 50; step++) {
      const batch: number[] = [];
      // Bursts larger than one millisecond's share borrow later milliseconds, still unique.
      for (const g of gens) for (let i = 0; i < (step % 7 === 0 ? 600 : 3); i++) batch.push(g());
      for (const id of batch) {
        assert.equal(seen.has(id), false);
        seen.add(id);
        assert.ok(Number.isSafeInteger(id));
      }
      assert.ok(Math.min(...batch) > prevMax, "a later millisecond's ids sort after all earlier ones");
      prevMax = Math.max(prevMax, ...batch);
      t += 5;
    }
    assert.equal(seen.size, gens.length * (8 * 600 + 42 * 3));
  });

  it("increase per generator, also when the clock goes back, and start above the floor", () => {
    let t = 1_700_000_000_000;
    const floor = 1_700_000_000_100 * 4096;
    const g = fleetEventIds(3, floor, () => t);
    let last = floor;
    for (let i = 0; i < 2000; i++) {
      const id = g();
      assert.ok(id > last);
      last = id;
      if (i === 1000) t -= 10_000;
    }
  });

  it("ids of a later millisecond sort after earlier ones of any slot", () => {
    let t = 1_700_000_000_000;
    const a = fleetEventIds(15, 0, () => t);
    const b = fleetEventIds(0, 0, () => t);
    const early = a();
    t += 1;
    assert.ok(b() > early);
  });

  it("refuses a slot out of range", () => {
    assert.throws(() => fleetEventIds(SLOTS), RangeError);
  });
});
