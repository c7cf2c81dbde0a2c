import { test } from "node:test";
import assert from "node:assert/strict";
import { assign, desiredFor, hash53, ownerOf } from "../../lib/fleet/rendezvous";
import { FencedLease, mayWrite } from "../../lib/fleet/lease";

const topologies = Array.from({ length: 3000 }, (_, i) => `topology-${i}`);
const members = ["10.0.0.1:3000#a1", "10.0.0.2:3000#b2", "10.0.0.3:3000#c3"];

function counts(map: Map<string, string>): Map<string, number> {
  const c = new Map<string, number>();
  for (const owner of map.values()) c.set(owner, (c.get(owner) ?? 0) + 1);
  return c;
}

test("hash53 is deterministic, spreads nearby strings and stays a safe integer", () => {
  assert.equal(hash53("abc"), hash53("abc"));
  assert.notEqual(hash53("abc"), hash53("abd"));
  for (const t of topologies.slice(0, 100)) assert.ok(Number.isSafeInteger(hash53(t)) && hash53(t) >= 0);
});

test("every topology gets exactly one owner, the same whatever the member order", () => {
  const a = assign(topologies, members);
  const b = assign(topologies, [...members].reverse());
  assert.equal(a.size, topologies.length);
  assert.deepEqual([...a.entries()], [...b.entries()]);
  const union = members.flatMap((m) => [...desiredFor(m, topologies, members)]);
  assert.equal(union.length, topologies.length);
  assert.equal(new Set(union).size, topologies.length);
});

test("balance: each of 3 members gets within 10% of a third", () => {
  for (const [m, n] of counts(assign(topologies, members))) {
    assert.ok(Math.abs(n - 1000) <= 100, `${m} owns ${n}`);
  }
});

test("a member joining takes only topologies for itself, about its share", () => {
  const before = assign(topologies, members);
  const joined = "10.0.0.4:3000#d4";
  const after = assign(topologies, [...members, joined]);
  let moved = 0;
  for (const t of topologies) {
    if (before.get(t) !== after.get(t)) {
      moved++;
      assert.equal(after.get(t), joined, `${t} moved between old members`);
    }
  }
  assert.ok(moved >= 600 && moved <= 900, `moved ${moved} of 3000 (a quarter is 750)`);
});

test("a member leaving moves only its own topologies", () => {
  const before = assign(topologies, members);
  const gone = members[1]!;
  const after = assign(topologies, members.filter((m) => m !== gone));
  for (const t of topologies) {
    if (before.get(t) !== gone) assert.equal(after.get(t), before.get(t), `${t} moved though its owner stayed`);
    else assert.notEqual(after.get(t), gone);
  }
});

test("no members, no owner", () => {
  assert.equal(ownerOf("t", []), null);
  assert.equal(assign(["t"], []).size, 0);
});

test("mayWrite: only the current token, never a missing or unsafe one", () => {
  assert.equal(mayWrite(5, 5), true);
  assert.equal(mayWrite(4, 5), false);
  assert.equal(mayWrite(6, 5), false);
  assert.equal(mayWrite(5, null), false);
  assert.equal(mayWrite(5, undefined), false);
  assert.equal(mayWrite(Number.NaN, Number.NaN), false);
});

test("FencedLease validity: from send time, short of the TTL by the margin, renew only extends", () => {
  const l = new FencedLease("t", "me", 7, 1000, 200, 10_000);
  assert.equal(l.isValid(10_000), true);
  assert.equal(l.isValid(10_799), true);
  assert.equal(l.isValid(10_800), false, "invalid once the TTL minus margin has passed");
  l.renewed(10_500);
  assert.equal(l.isValid(11_299), true);
  assert.equal(l.isValid(11_300), false);
  l.renewed(10_100); // a late reply to an older renew must not shorten validity
  assert.equal(l.isValid(11_299), true);
  l.invalidate();
  assert.equal(l.isValid(10_000), false);
  assert.equal(l.remainingMs(10_000), 0);
});
