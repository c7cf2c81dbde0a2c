import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LineSplitter, lineCutMarker } from "@/lib/logs/line-splitter";

const b = (s: string) => Buffer.from(s, "utf8");

describe("LineSplitter", () => {
  it("joins lines split across chunks and holds the unfinished one", () => {
    const s = new LineSplitter();
    assert.deepEqual(s.push(b("one\ntw")), ["one"]);
    assert.deepEqual(s.push(b("o\nthr")), ["two"]);
    assert.deepEqual(s.push(b("ee")), []);
    assert.deepEqual(s.push(b("\n\n")), ["three", ""]);
    assert.equal(s.flush(), null);
  });

  it("keeps a multi-byte character split between chunks intact and drops CR", () => {
    const s = new LineSplitter();
    const bytes = b("café ✓\r\n");
    assert.deepEqual(s.push(bytes.subarray(0, 4)), []);
    assert.deepEqual(s.push(bytes.subarray(4, 7)), []);
    assert.deepEqual(s.push(bytes.subarray(7)), ["café ✓"]);
  });

  it("does not reuse the caller's buffer for a held partial line", () => {
    const s = new LineSplitter();
    const chunk = b("abc");
    s.push(chunk);
    chunk.fill(0x7a);
    assert.deepEqual(s.push(b("\n")), ["abc"]);
  });

  it("cuts a line longer than the limit, marks it, and drops the rest of it", () => {
    const s = new LineSplitter(10);
    assert.deepEqual(s.push(b("0123456789")), []);
    assert.deepEqual(s.push(b("abcdef")), [`0123456789${lineCutMarker(10)}`]);
    assert.deepEqual(s.push(b("ghij\nnext\n")), ["next"]);
    assert.deepEqual(s.push(b("x".repeat(25) + "\nok\n")), [`${"x".repeat(10)}${lineCutMarker(10)}`, "ok"]);
  });

  it("cuts on a character boundary", () => {
    const s = new LineSplitter(4);
    assert.deepEqual(s.push(b("aéé\n")), [`aé${lineCutMarker(4)}`]);
  });

  it("flushes the unfinished line once, and can skip to the next line", () => {
    const s = new LineSplitter();
    s.push(b("partial"));
    assert.equal(s.flush(), "partial");
    assert.equal(s.flush(), null);
    s.skipToNextLine();
    assert.deepEqual(s.push(b("tail of a line\nwhole\n")), ["whole"]);
  });
});
