// lib/cluster/slot against slots captured from a real server: `CLUSTER KEYSLOT <bytes>` on
// redis-server 7.0.15 with --cluster-enabled yes (keys sent as raw bytes through ioredis
// callBuffer, hex below). Hash-tag edge cases and binary names included.
import { test } from "node:test";
import assert from "node:assert/strict";
import { crc16, hashTagRange, keySlot } from "../../lib/cluster/slot";

/** [what, key bytes in hex, slot CLUSTER KEYSLOT returned] */
const CAPTURED: [string, string, number][] = [
  ["empty key", "", 0],
  ["foo", "666f6f", 12182],
  ["bar", "626172", 5061],
  ["123456789", "313233343536373839", 12739],
  ["{} (empty tag: whole key)", "7b7d", 15257],
  ["{}a", "7b7d61", 10875],
  ["{{a}} (hashes '{a')", "7b7b617d7d", 10276],
  ["{a}", "7b617d", 15495],
  ["a", "61", 15495],
  ["{a (no close)", "7b61", 10276],
  ["a} (no open)", "617d", 5921],
  ["}a{b} (close before open does not count)", "7d617b627d", 3300],
  ["a{b}c{d} (first tag wins)", "617b627d637b647d", 3300],
  ["b", "62", 3300],
  ["{user1000}.following", "7b75736572313030307d2e666f6c6c6f77696e67", 3443],
  ["{user1000}.followers", "7b75736572313030307d2e666f6c6c6f77657273", 3443],
  ["foo{}{bar} (first '{' has an empty tag: whole key)", "666f6f7b7d7b6261727d", 8363],
  ["foo{{bar}}zap", "666f6f7b7b6261727d7d7a6170", 4015],
  ["foo{bar}{zap}", "666f6f7b6261727d7b7a61707d", 5061],
  ["{bar", "7b626172", 4015],
  ["{", "7b", 4092],
  ["}", "7d", 12090],
  ["{}}", "7b7d7d", 14790],
  ["utf-8 ключ", "d0bad0bbd18ed187", 10303],
  ["{ключ}x", "7bd0bad0bbd18ed1877d78", 10303],
  ["binary ff 00 fe", "ff00fe", 434],
  ["binary tag {ff}", "7bff7d01", 7920],
  ["single NUL", "00", 0],
  ["bytes 80..ff", Buffer.from(Array.from({ length: 128 }, (_, i) => 0x80 + i)).toString("hex"), 5096],
  ["emoji", "f09f98803a6b", 7514],
  ["1000 × 'x'", "78".repeat(1000), 3195],
];

test("keySlot matches CLUSTER KEYSLOT for every captured key (Buffer input)", () => {
  for (const [what, hex, slot] of CAPTURED) assert.equal(keySlot(Buffer.from(hex, "hex")), slot, what);
});

test("string input is taken as UTF-8", () => {
  assert.equal(keySlot("{ключ}x"), 10303);
  assert.equal(keySlot("a{b}c{d}"), 3300);
  assert.equal(keySlot("{{a}}"), 10276);
  assert.equal(keySlot("{}"), 15257);
});

test("crc16 is CRC16-XMODEM (check value of '123456789' is 0x31C3)", () => {
  assert.equal(crc16(Buffer.from("123456789")), 0x31c3);
  assert.equal(crc16(Buffer.alloc(0)), 0);
});

test("hashTagRange picks the bytes between the first '{' and the next '}', if any", () => {
  const range = (s: string) => hashTagRange(Buffer.from(s));
  assert.deepEqual(range("plain"), [0, 5]);
  assert.deepEqual(range("{}"), [0, 2]);
  assert.deepEqual(range("{{a}}"), [1, 3]);
  assert.deepEqual(range("a{b}c{d}"), [2, 3]);
  assert.deepEqual(range("{a"), [0, 2]);
});
