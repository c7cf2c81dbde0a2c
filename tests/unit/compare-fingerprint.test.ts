import { test } from "node:test";
import assert from "node:assert/strict";
import { compareFingerprints, digestFlat, OrderedDigest, UnorderedDigest, type KeyFingerprint } from "../../lib/redis/fingerprint";

const b = (...s: string[]) => s.map((x) => Buffer.from(x));
const fp = (over: Partial<KeyFingerprint> = {}): KeyFingerprint => ({ type: "hash", length: 2, digest: "d1", expireAtMs: -1, ...over });

test("unordered digests ignore order but not content or multiplicity", () => {
  const a = digestFlat("hash", b("f1", "v1", "f2", "v2"), 2);
  assert.equal(digestFlat("hash", b("f2", "v2", "f1", "v1"), 2), a);
  assert.notEqual(digestFlat("hash", b("f1", "v2", "f2", "v1"), 2), a); // values swapped between fields
  assert.notEqual(digestFlat("set", b("f1", "v1", "f2", "v2"), 2), a); // type is part of it
  const once = new UnorderedDigest("set");
  once.add(...b("x"));
  const twice = new UnorderedDigest("set");
  twice.add(...b("x"));
  twice.add(...b("x"));
  assert.notEqual(once.hex(), twice.hex());
});

test("ordered digests depend on order and on element boundaries", () => {
  assert.notEqual(digestFlat("list", b("a", "b"), 1), digestFlat("list", b("b", "a"), 1));
  assert.notEqual(digestFlat("list", b("ab", "c"), 1), digestFlat("list", b("a", "bc"), 1));
  const d = new OrderedDigest("list");
  d.add(...b("a"));
  d.add(...b("b"));
  assert.equal(d.hex(), digestFlat("list", b("a", "b"), 1));
  assert.notEqual(digestFlat("list", [], 1), digestFlat("list", b(""), 1));
});

test("comparison reports the first difference an operator cares about", () => {
  assert.equal(compareFingerprints(null, null, 0), null);
  assert.equal(compareFingerprints(fp(), fp(), 0), null);
  assert.equal(compareFingerprints(fp(), null, 0)?.kind, "missing-on-replica");
  assert.equal(compareFingerprints(null, fp(), 0)?.kind, "only-on-replica");
  assert.equal(compareFingerprints(fp(), fp({ type: "set" }), 0)?.kind, "type");
  assert.equal(compareFingerprints(fp(), fp({ length: 3 }), 0)?.detail, "length 2 on master, 3 on replica");
  assert.equal(compareFingerprints(fp(), fp({ digest: "d2" }), 0)?.kind, "value");
  // Over-budget values (digest null) are compared on type, length and TTL only.
  assert.equal(compareFingerprints(fp({ digest: null }), fp({ digest: "d2" }), 0), null);
});

test("TTL: absolute expiry compared within tolerance", () => {
  assert.equal(compareFingerprints(fp({ expireAtMs: 1000 }), fp({ expireAtMs: 1400 }), 500), null);
  assert.equal(compareFingerprints(fp({ expireAtMs: 1000 }), fp({ expireAtMs: 1600 }), 500)?.detail, "replica expires later by 600 ms");
  assert.equal(compareFingerprints(fp({ expireAtMs: 1000 }), fp(), 500)?.kind, "ttl");
  assert.equal(compareFingerprints(fp(), fp({ expireAtMs: 1000 }), 500)?.detail, "no expiry on master, expires on replica");
  // A value difference wins over a TTL difference.
  assert.equal(compareFingerprints(fp({ expireAtMs: 1 }), fp({ digest: "x" }), 0)?.kind, "value");
});
