// The tests' waitFor: returns the first value that passes, and on timeout says what the last check
// gave (value or error), so a failing test explains itself.
import { test } from "node:test";
import assert from "node:assert/strict";
import { waitFor } from "../support/wait";

test("returns the first value the condition accepts", async () => {
  let n = 0;
  assert.equal(await waitFor("n reaches 3", () => ++n, (v) => v >= 3, 2000, 1), 3);
});

test("on timeout, reports the last value", async () => {
  let n = 0;
  await assert.rejects(waitFor("never", () => ({ n: ++n, tag: "x" }), () => false, 100, 10), (err: Error) => {
    assert.match(err.message, /timed out after 100 ms waiting for never \(\d+ checks\); last value: \{ n: \d+, tag: 'x' \}/);
    return true;
  });
});

test("on timeout, reports the last error, not an older one", async () => {
  let n = 0;
  const probe = () => {
    n++;
    if (n % 2) throw new Error(`refused #${n}`);
    return n;
  };
  await assert.rejects(waitFor("a flapping probe", probe, () => false, 100, 5), (err: Error) => {
    // Whichever came last is reported: an odd check threw, an even one returned its number.
    const m = /\((\d+) checks\); (last check threw: Error: refused #(\d+)|last value: (\d+))$/.exec(err.message);
    assert.ok(m, err.message);
    assert.equal(Number(m[3] ?? m[4]), Number(m[1]), "the report is the last check's");
    if (m[3]) assert.ok(err.cause instanceof Error, "the error is kept as the cause");
    return true;
  });
  await assert.rejects(waitFor("a refusing probe", () => Promise.reject(new Error("ECONNREFUSED")), () => true, 50, 5), /last check threw: Error: ECONNREFUSED$/);
});

test("an error thrown by the condition counts as the check's", async () => {
  await assert.rejects(
    waitFor("a picky condition", () => 1, () => {
      throw new TypeError("no such field");
    }, 50, 5),
    /last check threw: TypeError: no such field$/,
  );
});

test("a probe that never returns still times out, and says so", async () => {
  await assert.rejects(waitFor("a hung probe", () => new Promise<number>(() => undefined), () => true, 100, 10), /\(1 checks\); the last check, started \d+ ms before, had not returned$/);
});
