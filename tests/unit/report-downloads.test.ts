// Downloaded reports must not turn a key name or a node address into something that runs: CSV
// cells are all quoted and formula-leading characters neutralised; the drill Markdown escapes
// everything the server did not write itself.
import { test } from "node:test";
import assert from "node:assert/strict";
import { emptyCounts, reportCsv, type CompareReport } from "../../lib/compare/report";
import { reportMarkdown } from "../../lib/drills/report";
import type { DrillReport } from "../../lib/drills/types";

function csvReport(keys: string[]): CompareReport {
  return {
    id: "0123456789abcdef", topology: "t", master: "127.0.0.1:1", replicas: [], match: null, db: 0, status: "done", phase: "finished",
    startedAt: 0, finishedAt: 1, scanned: 1, total: 1, compared: 1, keysPerSec: 1, etaSeconds: null, counts: emptyCounts(),
    resolvedOnRecheck: 0, truncated: false, maxKeysPerSec: 100, error: null,
    differences: keys.map((k) => ({ key: k, display: k, kind: "value", node: "127.0.0.1:2", detail: "length 1 on master, 2 on replica" })),
  };
}

/** RFC 4180 parse of one line without embedded newlines. */
function cells(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"]|"")*)"(,|$)/y;
  let m: RegExpExecArray | null;
  while (re.lastIndex < line.length && (m = re.exec(line))) out.push((m[1] ?? "").replace(/""/g, '"'));
  return out;
}

test("CSV: every cell is quoted; leading = + - @ tab CR are neutralised", () => {
  const keys = ["a;=1+1;b", "=cmd|' /C calc'!A0", "@x", "-1", "+1", "\tx", "\rx", "plain", 'q"uote,comma'];
  const csv = reportCsv(csvReport(keys));
  const lines = csv.split("\r\n").filter((l) => l !== "");
  assert.equal(lines[0], '"kind","node","key","key_token","detail"');
  assert.equal(lines.length, keys.length + 1);
  for (const line of lines) assert.match(line, /^"(?:[^"]|"")*"(?:,"(?:[^"]|"")*")*$/, `every cell quoted: ${JSON.stringify(line)}`);
  const rows = lines.slice(1).map(cells);
  assert.deepEqual(rows.map((r) => r[2]), ["a;=1+1;b", "'=cmd|' /C calc'!A0", "'@x", "'-1", "'+1", "'\tx", "'\rx", "plain", 'q"uote,comma']);
  assert.deepEqual(rows.map((r) => r[3]), rows.map((r) => r[2]), "the token column is treated the same way");
  // Nothing a spreadsheet would evaluate: no cell starts with a formula character.
  for (const r of rows) for (const c of r) assert.doesNotMatch(c, /^[=+\-@\t\r]/);
});

const HOSTILE_IMG = "<img src=x onerror=alert(1)>";
const HOSTILE_LINK = "[x](javascript:alert(1))";

test("drill Markdown: node ids and server-derived text are escaped, so HTML and links are inert", () => {
  const report: DrillReport = {
    startedAt: 0, actionAt: 1, endedAt: 2, oldMaster: HOSTILE_IMG, newMaster: HOSTILE_LINK, detectMs: null, promoteMs: 5, writeOutageMs: 7,
    lostWrites: 0, canary: { sent: 1, acked: 1, failed: 0, lostSeqs: [] },
    replicas: [{ id: HOSTILE_LINK, resync: "full", reason: `${HOSTILE_IMG}|pipe`, onlineAfterMs: 3 }],
    secondIdGap: null,
    finalTopology: [{ id: HOSTILE_IMG, role: "master", status: "up", masterId: HOSTILE_LINK }],
  };
  const md = reportMarkdown(
    { id: "d", topology: "main", scenario: "promote", status: "done", user: "otto", steps: [{ at: 0, name: "re-point", status: "ok", detail: `REPLICAOF ${HOSTILE_IMG} on ${HOSTILE_LINK}\n# injected heading` }] },
    report,
  );
  assert.ok(!md.includes("<img"), md);
  assert.ok(!md.includes("<"), "no raw angle bracket at all");
  assert.ok(!md.includes("](javascript:"), md);
  assert.ok(!md.includes("[x]("), md);
  assert.doesNotMatch(md, /^# injected/m, "a newline in server text cannot start a Markdown block");
  assert.ok(md.includes("&lt;img src=x onerror=alert\\(1\\)&gt;"), md);
  assert.ok(md.includes("\\[x\\]\\(javascript:alert\\(1\\)\\)"), md);
  // Table rows keep their shape: a pipe inside a value is escaped, the table's own pipes are not.
  const row = md.split("\n").find((l) => l.startsWith("| \\[x\\]"));
  assert.ok(row, md);
  assert.equal(row.split(/(?<!\\)\|/).length - 2, 4, row);
  assert.match(md, /\| write outage \| 7 ms \|/);
});
