import { test } from "node:test";
import assert from "node:assert/strict";
import { toPart, trimPartialUtf8, viewString } from "../../lib/keys/text";

test("a cut inside a multi-byte character is trimmed back to the character start", () => {
  const euro = Buffer.from("ab€"); // € = e2 82 ac
  assert.deepEqual(trimPartialUtf8(euro.subarray(0, 4)), Buffer.from("ab"));
  assert.deepEqual(trimPartialUtf8(euro.subarray(0, 3)), Buffer.from("ab"));
  assert.deepEqual(trimPartialUtf8(euro), euro);
});

test("strings: text, JSON flag, binary as hex", () => {
  assert.deepEqual(viewString(Buffer.from('{"a":1}'), true), { format: "text", data: '{"a":1}', bytes: 7, json: true });
  assert.equal(viewString(Buffer.from('{"a":'), true).json, false);
  assert.equal(viewString(Buffer.from("multi\nline\ttext"), true).format, "text");
  assert.deepEqual(viewString(Buffer.from([0xff, 0x00]), true), { format: "binary", data: "ff00", bytes: 2, json: false });
  const cut = viewString(Buffer.from("ab€").subarray(0, 4), false);
  assert.deepEqual([cut.format, cut.data, cut.bytes], ["text", "ab", 2]);
});

test("long elements are cut and report their full size", () => {
  assert.deepEqual(toPart(Buffer.from("short"), 10), { token: "short" });
  assert.deepEqual(toPart(Buffer.from("0123456789abc"), 10), { token: "0123456789", fullBytes: 13 });
});
