import { test } from "node:test";
import assert from "node:assert/strict";
import { assertValidGlob, escapeGlob, InvalidGlobError, isLiteralPattern, unescapeLiteral, validateGlob } from "../../lib/keys/glob";

test("usable patterns pass", () => {
  for (const p of ["*", "user:*", "user:?", "h[ae]llo", "h[^e]llo", "h[a-b]llo", "a\\*b", "x]y", "[\\]]", "key\\\\"]) {
    assert.equal(validateGlob(p), null, p);
  }
});

test("broken patterns fail with a message that says what to do", () => {
  assert.match(validateGlob("user:[abc") ?? "", /unbalanced '\[' at position 5/);
  assert.match(validateGlob("a[\\]") ?? "", /unbalanced/);
  assert.match(validateGlob("trailing\\") ?? "", /lone '\\'/);
  assert.match(validateGlob("x".repeat(1025)) ?? "", /limit is 1024/);
  assert.match(validateGlob("a[]b") ?? "", /empty character class/);
  assert.match(validateGlob("") ?? "", /empty/);
  assert.match(validateGlob("*a".repeat(40)) ?? "", /'\*'/);
  assert.throws(() => assertValidGlob("[x"), InvalidGlobError);
});

test("literal patterns are recognised and unescaped", () => {
  assert.equal(isLiteralPattern("user:42"), true);
  assert.equal(isLiteralPattern("user:\\*"), true);
  assert.equal(isLiteralPattern("x]y"), true);
  assert.equal(isLiteralPattern("user:*"), false);
  assert.equal(isLiteralPattern("user:?"), false);
  assert.equal(isLiteralPattern("user:[12]"), false);
  assert.equal(unescapeLiteral("a\\*b\\\\c\\?"), "a*b\\c?");
});

test("escapeGlob makes any prefix literal", () => {
  const prefix = "odd*[key]?\\:";
  assert.equal(isLiteralPattern(escapeGlob(prefix)), true);
  assert.equal(unescapeLiteral(escapeGlob(prefix)), prefix);
  assert.equal(validateGlob(escapeGlob(prefix) + "*"), null);
});
