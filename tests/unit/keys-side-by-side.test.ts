// The per-replica verdict of the side-by-side view: a replica that has not applied the master's
// offset is "behind" (re-check), never "different".
import { test } from "node:test";
import assert from "node:assert/strict";
import { judge, type NodeColumn, type NodeRead } from "../../lib/keys/side-by-side";
import type { KeyFingerprint } from "../../lib/redis/fingerprint";

const fp = (digest: string): KeyFingerprint => ({ type: "string", length: 1, digest, expireAtMs: -1 });
const col = (offset: number): NodeColumn => ({
  id: "r:1", role: "replica", status: "up", readOnly: true, exists: true, type: "string", ttl: -1, length: 1, digest: "b", digestNote: null,
  encoding: "embstr", details: null, offset, behindBytes: null, verdict: "unavailable", difference: null, error: null,
});
const master: NodeRead = { fp: fp("a"), details: null, offset: 100 };

test("a caught-up replica with another value is different", () => {
  const c = judge(col(100), fp("b"), master, 100);
  assert.equal(c.verdict, "different");
  assert.equal(c.behindBytes, 0);
  assert.equal(c.difference?.kind, "value");
});

test("a replica behind the master's offset is behind, with the byte count, not different", () => {
  const c = judge(col(60), fp("b"), master, 100);
  assert.equal(c.verdict, "behind");
  assert.equal(c.behindBytes, 40);
});

test("equal values are the same whether or not the replica is behind", () => {
  assert.equal(judge(col(60), fp("a"), master, 100).verdict, "same");
  assert.equal(judge(col(100), fp("a"), master, 100).verdict, "same");
  assert.equal(judge(col(100), null, { ...master, fp: null }, 100).verdict, "same");
});

test("without a master read the replica cannot be judged", () => {
  assert.equal(judge(col(100), fp("b"), null, null).verdict, "unavailable");
});
