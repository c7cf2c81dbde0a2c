// Read planning (lib/redis/budget.ts) and the incremental digest readers (lib/redis/digest-readers.ts),
// driven with hand-made replies: chunked reads must digest exactly like a whole read.
import { test } from "node:test";
import assert from "node:assert/strict";
import { MAX_ELEMENTS_PER_CALL, planElements, REPLY_BUDGET_BYTES, type ValueSize } from "../../lib/redis/budget";
import { digestReader, type DigestReader } from "../../lib/redis/digest-readers";
import { digestFlat } from "../../lib/redis/fingerprint";

const size = (type: string, length: number, memory: number | null, encoding: string | null = "hashtable"): ValueSize => ({ type, length, memory, encoding });
const limits = { maxElements: 10_000_000, maxStringBytes: 1024 * 1024 * 1024, batch: 1000 };

test("windows follow the average element size and never exceed the per-call caps", () => {
  assert.deepEqual(planElements(size("hash", 2_000_000, 128_000_000), 1000), { perCall: MAX_ELEMENTS_PER_CALL });
  assert.deepEqual(planElements(size("list", 100, 100 * 10_000, "quicklist"), 1000), { perCall: Math.floor(REPLY_BUDGET_BYTES / (10_000 + 24)) });
  assert.deepEqual(planElements(size("set", 5, 500), 3), { perCall: 3 });
  // Two 48 MiB items: nothing can be read in one bounded command.
  assert.match(JSON.stringify(planElements(size("list", 2, 2 * 48 * 1024 * 1024, "quicklist"), 100)), /elements average 48/);
  // A compact encoding is returned whole by HSCAN/SSCAN whatever COUNT says: its total decides.
  assert.ok("tooLarge" in planElements(size("hash", 10, 4 * 1024 * 1024, "listpack"), 100));
  assert.deepEqual(planElements(size("zset", 10, 2 * 1024 * 1024, "listpack"), 100), { perCall: 1 }); // ZRANGE windows work
  // MEMORY USAGE refused: unknown sizes, a small blind window.
  assert.deepEqual(planElements(size("hash", 1000, null), 1000), { perCall: 16 });
});

/** Runs a reader against a fake server that answers each command from `answer`. */
function drive(reader: DigestReader, answer: (cmd: string, args: (string | number | Buffer)[]) => unknown): { calls: string[]; digest: string | null } {
  const calls: string[] = [];
  for (let call = reader.next(); call; call = reader.next()) {
    calls.push(`${call.cmd} ${call.args.slice(1).join(" ")}`);
    reader.take(answer(call.cmd, call.args));
    assert.ok(calls.length < 10_000, "reader terminates");
  }
  return { calls, digest: reader.result() };
}

function reader(key: string, s: ValueSize): DigestReader {
  const r = digestReader(Buffer.from(key), s, limits);
  assert.ok("result" in r, JSON.stringify(r));
  return r;
}

test("a string read in GETRANGE windows digests like the whole string", () => {
  const value = Buffer.alloc(REPLY_BUDGET_BYTES * 2 + 10, 7);
  value[REPLY_BUDGET_BYTES + 3] = 1;
  const { calls, digest } = drive(reader("s", size("string", value.length, null, null)), (_cmd, args) => value.subarray(Number(args[1]), Number(args[2]) + 1));
  assert.deepEqual(calls, [`GETRANGE 0 ${REPLY_BUDGET_BYTES - 1}`, `GETRANGE ${REPLY_BUDGET_BYTES} ${2 * REPLY_BUDGET_BYTES - 1}`, `GETRANGE ${2 * REPLY_BUDGET_BYTES} ${2 * REPLY_BUDGET_BYTES + 9}`]);
  assert.equal(digest, digestFlat("string", [value], 1));
  assert.equal(drive(reader("e", size("string", 0, null, null)), () => assert.fail("no read for an empty string")).digest, digestFlat("string", [Buffer.alloc(0)], 1));
});

test("a hash scan without a seen-set: a repeat is caught by the count and the scan restarts", () => {
  const flat = ["a", "1", "b", "2", "c", "3"].map((x) => Buffer.from(x));
  let scans = 0;
  const { calls, digest } = drive(reader("h", size("hash", 3, 300)), (cmd, args) => {
    if (cmd === "HLEN") return 3;
    if (args[1] === "0") scans++;
    // First full scan repeats "a" (a resize mid-scan), the second one is clean.
    if (args[1] === "0") return [Buffer.from("5"), scans === 1 ? [...flat.slice(0, 4), flat[0], flat[1]] : flat.slice(0, 4)];
    return [Buffer.from("0"), flat.slice(4)];
  });
  assert.deepEqual(calls.map((c) => c.split(" ")[0]), ["HSCAN", "HSCAN", "HLEN", "HSCAN", "HSCAN"]);
  assert.equal(digest, digestFlat("hash", flat, 2));
});

test("lists, zsets and streams are read in windows and digest like a whole read", () => {
  const items = Array.from({ length: 600 }, (_, i) => Buffer.from(`item-${i}`));
  const list = drive(reader("l", size("list", 600, 600 * 40, "quicklist")), (_cmd, args) => items.slice(Number(args[1]), Number(args[2]) + 1));
  assert.equal(list.calls.length, 3); // 256 + 256 + 88
  assert.equal(list.digest, digestFlat("list", items, 1));

  const entries = Array.from({ length: 300 }, (_, i) => [Buffer.from(`${i + 1}-0`), [Buffer.from("k"), Buffer.from(`v${i}`)]] as const);
  const stream = drive(reader("x", size("stream", 300, 300 * 50, null)), (_cmd, args) => {
    const start = String(args[1]);
    const from = start === "-" ? 0 : entries.findIndex((e) => `(${e[0].toString()}` === start) + 1;
    return entries.slice(from, from + Number(args[4]));
  });
  assert.equal(stream.calls.length, 2);
  assert.equal(stream.digest, digestFlat("stream", entries.flatMap(([id, f]) => [id, ...f]), 3));
});

test("values over the limits are not read, and say why", () => {
  const small = { ...limits, maxElements: 10, maxStringBytes: 100 };
  assert.deepEqual(digestReader(Buffer.from("s"), size("string", 101, null, null), small), { unread: "101 B string, over the 100 B read limit" });
  assert.deepEqual(digestReader(Buffer.from("h"), size("hash", 11, 1000), small), { unread: "11 elements, over the 10 read limit" });
  assert.deepEqual(digestReader(Buffer.from("m"), size("ReJSON-RL", 0, null, null), small), { unread: "module type: compared by type and TTL only" });
});
