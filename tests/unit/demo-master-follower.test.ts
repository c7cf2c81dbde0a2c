// The demo's writers follow the master: which node they pick from ROLE answers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseRole, pickMaster, type RoleAnswer } from "../../lib/demo/master-follower";

const master = (id: string, replicas: number, offset = 0): RoleAnswer => ({ id, role: "master", replicas, offset });
const replica = (id: string): RoleAnswer => ({ id, role: "slave", replicas: 0, offset: 0 });

test("ROLE replies are read for masters, replicas and silence", () => {
  assert.deepEqual(parseRole("a:1", ["master", 3129659, [["127.0.0.1", "9001", "3129242"], ["127.0.0.1", "9002", "3129543"]]]), master("a:1", 2, 3129659));
  assert.deepEqual(parseRole("b:1", ["slave", "127.0.0.1", 9000, "connected", 3167038]), replica("b:1"));
  assert.equal(parseRole("c:1", null).role, null);
  assert.equal(parseRole("d:1", "garbage").role, null);
});

test("stays on the current node while it is still a master (REPLICAOF NO ONE elsewhere leaves it so)", () => {
  assert.equal(pickMaster([master("old:1", 1), master("split:1", 0), replica("r:1")], "old:1"), "old:1");
});

test("after a promotion, moves to the node that is master now", () => {
  assert.equal(pickMaster([replica("old:1"), master("new:1", 2), replica("r:1")], "old:1"), "new:1");
});

test("among several masters, the one with the most replicas, then the highest offset", () => {
  assert.equal(pickMaster([master("a:1", 0, 900), master("b:1", 2, 100), replica("old:1")], "old:1"), "b:1");
  assert.equal(pickMaster([master("a:1", 1, 900), master("b:1", 1, 100)], null), "a:1");
});

test("no master anywhere (mid-failover, or all down): none", () => {
  assert.equal(pickMaster([replica("a:1"), { id: "b:1", role: null, replicas: 0, offset: 0 }], "b:1"), null);
});
