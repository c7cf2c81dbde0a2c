import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeKey, displayKey, displayToken, encodeKey, keyNames, KeyTokenError } from "../../lib/keys/codec";

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

test("keyNames (the listing's fast path) equals encodeKey and displayKey on every tricky name", () => {
  const more = [Buffer.from(" ~"), Buffer.from([0x7f]), Buffer.from([0x1f, 0x41]), Buffer.from("b64:"), Buffer.from("B64:x")];
  for (const buf of [...tricky, ...more]) assert.deepEqual(keyNames(buf), { key: encodeKey(buf), display: displayKey(buf) }, displayKey(buf));
});

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

test("bidi controls and other invisible characters are shown escaped, never raw", () => {
  // U+202E RIGHT-TO-LEFT OVERRIDE would render "\u202Egnp.exe" as "exe.png".
  assert.equal(displayKey(Buffer.from("\u202Egnp.exe")), "\\u202egnp.exe");
  for (const [raw, shown] of [
    ["a\u202Ab\u202Bc\u202Cd\u202De", "a\\u202ab\\u202bc\\u202cd\\u202de"],
    ["\u2066x\u2067y\u2068z\u2069", "\\u2066x\\u2067y\\u2068z\\u2069"],
    ["zero\u200Bwidth\u200C\u200D\u200E\u200F", "zero\\u200bwidth\\u200c\\u200d\\u200e\\u200f"],
    ["\uFEFFbom", "\\ufeffbom"],
    ["soft\u00ADhyphen", "soft\\u00adhyphen"],
    ["line\u2028sep\u2029", "line\\u2028sep\\u2029"],
    ["tag\u{E0041}", "tag\\u{e0041}"],
    ["ctl\u0085", "ctl\\u0085"],
  ] as const) {
    assert.equal(displayKey(Buffer.from(raw)), shown, JSON.stringify(raw));
  }
  // Visible text, accents and emoji are left alone.
  assert.equal(displayKey(Buffer.from("naïve:日本:🚀:שלום")), "naïve:日本:🚀:שלום");
  // The token of such a name is base64, so even a raw token never carries the control.
  assert.match(encodeKey(Buffer.from("\u202Egnp.exe")), /^b64:/);
  assert.equal(displayToken(encodeKey(Buffer.from("\u202Egnp.exe"))), "\\u202egnp.exe");
  for (const raw of ["\u202Egnp.exe", "\u2066x", "a\u200Bb"]) assert.deepEqual(decodeKey(encodeKey(Buffer.from(raw))), Buffer.from(raw));
});
