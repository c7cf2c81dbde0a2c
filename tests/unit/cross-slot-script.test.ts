// lib/redis/cross-slot-script: the ARGV form of a batch script (run on a real cluster by
// tests/integration/cluster-keys.test.ts; here, its shape).
import { test } from "node:test";
import assert from "node:assert/strict";
import { crossSlotArgs, crossSlotScript } from "../../lib/redis/cross-slot-script";

test("the shebang declares a read-only, cross-slot, stale-tolerant script, only when asked (7.0+)", () => {
  const body = "return {KEYS[1], ARGV[1]}";
  const s = crossSlotScript(body, true);
  assert.match(s.split("\n")[0] ?? "", /^#!lua flags=no-writes,allow-cross-slot-keys,allow-stale$/);
  assert.ok(s.endsWith(`\n${body}`));
  assert.ok(!crossSlotScript(body, false).startsWith("#!"));
  assert.throws(() => crossSlotScript("#!lua\nreturn 1", true));
});

test("arguments: no declared key, then the key count, the keys, the script's own arguments", () => {
  const k = [Buffer.from([0xff]), Buffer.from("b")];
  assert.deepEqual(crossSlotArgs(k, ["x", 2]), [0, 2, k[0], k[1], "x", 2]);
  assert.deepEqual(crossSlotArgs([], []), [0, 0]);
});
