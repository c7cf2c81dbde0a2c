import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { parseLogLine, parseLogText, type LogLine, type RedisLogLine } from "@/lib/logs/parse";

const FIXTURES = path.join(__dirname, "..", "fixtures", "redis-7.0.15", "logs");
const fixture = (name: string) => parseLogText(readFileSync(path.join(FIXTURES, name), "utf8"));
const redisLines = (lines: LogLine[]) => lines.filter((l): l is RedisLogLine => l.kind === "redis");

describe("parseLogLine on real Redis 7.0.15 logs", () => {
  it("reads every field of a line, the timestamp as local time", () => {
    const [first] = fixture("node-a.log");
    assert.deepEqual(first, {
      kind: "redis",
      pid: 7288,
      role: "child",
      at: new Date(2026, 10, 24, 23, 23, 45, 183).getTime(),
      level: "warning",
      message: "oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo",
      raw: "7288:C 24 Nov 2026 23:23:45.183 # oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo",
    });
  });

  it("parses every line of the server logs", () => {
    const expected: Record<string, number> = { "node-a.log": 147, "node-b.log": 176, "node-c.log": 36, "node-d.log": 62, "node-e.log": 93 };
    for (const [name, count] of Object.entries(expected)) {
      const lines = fixture(name);
      assert.equal(lines.length, count, name);
      assert.equal(redisLines(lines).length, count, `${name}: every line is a Redis line`);
    }
  });

  it("keeps Sentinel's signal-handler line as plain text", () => {
    for (const [name, pid] of [["sentinel-leader.log", 9030], ["sentinel-follower.log", 9022]] as const) {
      const plain = fixture(name).filter((l) => l.kind === "plain");
      assert.deepEqual(plain, [{ kind: "plain", raw: `${pid}:signal-handler (1795562856) Received SIGTERM scheduling shutdown...` }]);
    }
  });

  it("maps role and level marks", () => {
    const lines = redisLines(fixture("node-a.log"));
    const count = (pred: (l: RedisLogLine) => boolean) => lines.filter(pred).length;
    assert.equal(count((l) => l.role === "master"), 61);
    assert.equal(count((l) => l.role === "replica"), 77);
    assert.equal(count((l) => l.role === "child"), 9);
    assert.equal(count((l) => l.level === "notice"), 116);
    assert.equal(count((l) => l.level === "warning"), 31);
    assert.ok(redisLines(fixture("sentinel-leader.log")).every((l) => l.role === "sentinel"));
    const debug = parseLogLine("1:M 01 Jan 2026 00:00:00.000 . dbg");
    const verbose = parseLogLine("1:S 01 Jan 2026 00:00:00.000 - vrb");
    assert.equal(debug.kind === "redis" && debug.level, "debug");
    assert.equal(verbose.kind === "redis" && verbose.level, "verbose");
  });

  it("gives timestamps that never go backwards within a file", () => {
    for (const name of ["node-a.log", "node-b.log", "node-e.log", "sentinel-leader.log"]) {
      const ats = redisLines(fixture(name)).map((l) => l.at);
      ats.forEach((at, i) => assert.ok(i === 0 || at >= (ats[i - 1] ?? 0), `${name} line ${i + 1}`));
    }
  });
});

describe("parseLogLine on anything else", () => {
  it("returns plain records for the banner, old formats and junk, never throwing", () => {
    const others = [
      "                _._                                                  ",
      "           _.-``__ ''-._                                             ",
      " (    '      ,       .-`  | `,    )     Running in standalone mode",
      "[4018] 14 Nov 07:01:22.119 * Server started, Redis version 2.8.4",
      "1:M 24 Foo 2026 23:23:45.183 * bad month",
      "1:M 24 Nov 2026 25:23:45.183 * bad hour",
      "1:Q 24 Nov 2026 23:23:45.183 * bad role",
      "1:M 24 Nov 2026 23:23:45.183 ! bad level",
      "",
      "\u0000\uffff\ud800",
    ];
    for (const raw of others) assert.deepEqual(parseLogLine(raw), { kind: "plain", raw });
  });

  it("drops a trailing CR and keeps the message exactly", () => {
    const line = parseLogLine("42:S 05 Mar 2026 01:02:03.004 * two  spaces kept \r");
    assert.equal(line.kind, "redis");
    assert.equal(line.kind === "redis" && line.message, "two  spaces kept ");
    assert.equal(line.raw, "42:S 05 Mar 2026 01:02:03.004 * two  spaces kept ");
  });

  it("splits text without inventing a last empty line", () => {
    assert.equal(parseLogText("a\nb\n").length, 2);
    assert.equal(parseLogText("a\nb").length, 2);
    assert.equal(parseLogText("").length, 0);
  });
});
