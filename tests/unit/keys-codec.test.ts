import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeKey, displayKey, displayToken, encodeKey, KeyTokenError } from "../../lib/keys/codec";

const tricky: Buffer[] = [
  Buffer.from("user:42:profile"),
  Buffer.from(""),
  Buffer.from("emoji:🚀:naïve:日本"),
  Buffer.from([0xff, 0xfe, 0x00, 0x41]),
  Buffer.from("b64:looks-like-a-token"),
  Buffer.from("line\nbreak\ttab"),
  Buffer.from("\ufeffbom-first"),
  Buffer.from([0xed, 0xa0, 0x80]), // UTF-8-encoded lone surrogate: invalid UTF-8
  Buffer.from([0xc3]), // truncated 2-byte sequence
  Buffer.from("back\\slash \"quoted\""),
  Buffer.from("\u0085c1-control"),
  Buffer.from("a".repeat(5000)),
];

test("every tricky key name survives encode -> decode byte for byte", () => {
  for (const buf of tricky) assert.deepEqual(decodeKey(encodeKey(buf)), buf, displayKey(buf));
});

test("readable UTF-8 stays plain; binary, controls and b64:-lookalikes become base64", () => {
  assert.equal(encodeKey(Buffer.from("user:42")), "user:42");
  assert.equal(encodeKey(Buffer.from("emoji:🚀")), "emoji:🚀");
  assert.equal(encodeKey(Buffer.from([0xff, 0x01])), "b64:/wE=");
  assert.match(encodeKey(Buffer.from("line\nbreak")), /^b64:/);
  assert.match(encodeKey(Buffer.from("b64:abc")), /^b64:/);
});

test("display shows UTF-8 as-is and escapes bytes like redis-cli", () => {
  assert.equal(displayKey(Buffer.from("user:é")), "user:é");
  assert.equal(displayKey(Buffer.from([0x61, 0xff, 0x00, 0x5c, 0x0a])), "a\\xff\\x00\\\\\\n");
  assert.equal(displayKey(Buffer.from("tab\there")), "tab\\there");
  assert.equal(displayToken("b64:/wE="), "\\xff\\x01");
});

test("malformed tokens are rejected, not silently decoded", () => {
  assert.throws(() => decodeKey("b64:not base64!"), KeyTokenError);
  assert.throws(() => decodeKey("b64:/wE"), KeyTokenError); // missing padding: not canonical
  assert.throws(() => decodeKey("lone\ud800surrogate"), KeyTokenError);
});
