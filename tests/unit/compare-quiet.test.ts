// When the compare may skip a replica's own SCAN: only with proof that it would find nothing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseWriteMarks, replicaScanNeedless, type QuietCheck, type WriteMarks } from "../../lib/compare/quiet";

const info = (name: string) => readFileSync(path.join(__dirname, "../fixtures/redis-7.0.15/info", name), "utf8");

test("write marks come from INFO persistence, stats and keyspace of a real 7.0.15", () => {
  const m = parseWriteMarks(info("replica.txt"), 0);
  assert.deepEqual(m, { changes: 51, lastSave: m?.lastSave, expired: 0, evicted: 0, keys: 250 });
  assert.ok(typeof m?.lastSave === "number" && m.lastSave > 1_600_000_000);
  assert.equal(parseWriteMarks(info("replica.txt"), 3)?.keys, 1);
  assert.equal(parseWriteMarks(info("replica.txt"), 9)?.keys, 0, "a db INFO does not list holds no keys");
  assert.equal(parseWriteMarks(info("replica.txt").replace(/^rdb_changes_since_last_save:.*$/m, ""), 0), null, "a missing counter is doubt, not zero");
});

const marks = (o: Partial<WriteMarks> = {}): WriteMarks => ({ changes: 7, lastSave: 1000, expired: 3, evicted: 0, keys: 500, ...o });
const quiet = (o: Partial<QuietCheck> = {}): QuietCheck => ({
  match: undefined,
  beforeAt: 2000,
  master: { before: marks(), after: marks() },
  replica: { before: marks({ changes: 9 }), after: marks({ changes: 9 }) },
  allMasterKeysFound: true,
  ...o,
});

test("skipped only when every master key was found, counts match and neither node changed", () => {
  assert.match(replicaScanNeedless(quiet()) ?? "", /both held 500 keys/);
  assert.match(replicaScanNeedless(quiet({ match: "*" })) ?? "", /not needed/);
});

test("any doubt runs the replica's SCAN", () => {
  const cases: [string, Partial<QuietCheck>][] = [
    ["a pattern (counts cover the whole db)", { match: "user:*" }],
    ["a master key missing on the replica", { allMasterKeysFound: false }],
    ["a write on the master", { master: { before: marks(), after: marks({ changes: 8 }) } }],
    ["a write on the replica (writable replica, or replicated)", { replica: { before: marks(), after: marks({ changes: 8 }) } }],
    ["a save reset the counter", { master: { before: marks(), after: marks({ lastSave: 1001 }) } }],
    ["a key expired", { master: { before: marks(), after: marks({ expired: 4 }) } }],
    ["a key evicted", { replica: { before: marks(), after: marks({ evicted: 1 }) } }],
    ["different key counts", { replica: { before: marks({ keys: 501 }), after: marks({ keys: 501 }) } }],
    ["INFO unreadable", { replica: { before: null, after: marks() } }],
    ["a save in the second the marks were read (the counter may have reset unseen)", { beforeAt: 1000 }],
  ];
  for (const [why, o] of cases) assert.equal(replicaScanNeedless(quiet(o)), null, why);
});
