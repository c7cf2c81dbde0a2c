// The combined cluster compare report in the compare report's shape: totals, per-shard rows, an
// error naming the shards that did not finish, the CSV's shard column only for cluster reports.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ClusterCompareReport, ShardCompareSummary } from "../../lib/compare/cluster";
import { combinedReport } from "../../lib/compare/cluster-launch";
import { emptyCounts, realCount, reportCsv } from "../../lib/compare/report";

function shard(id: string, over: Partial<ShardCompareSummary> = {}): ShardCompareSummary {
  return { shard: id, master: `127.0.0.1:700${id}`, replicas: [{ id: `127.0.0.1:710${id}`, readOnly: true, lagBytesAtStart: 0 }], notCompared: [], status: "done", phase: "finished", reason: null, scanned: 10, total: 20, compared: 10, counts: emptyCounts(), resolvedOnRecheck: 0, contentNotCompared: 0, replicaScans: [], truncated: false, ...over };
}

function cluster(shards: ShardCompareSummary[], status: ClusterCompareReport["status"]): ClusterCompareReport {
  const counts = emptyCounts();
  for (const s of shards) counts.value += s.counts.value;
  return {
    id: "0123456789abcdef", topology: "c", match: null, status, startedAt: 1000, finishedAt: status === "running" ? null : 3000, shards,
    totals: { scanned: shards.reduce((a, s) => a + s.scanned, 0), total: shards.reduce((a, s) => a + s.total, 0), compared: shards.reduce((a, s) => a + s.compared, 0), counts, resolvedOnRecheck: 0, contentNotCompared: 0 },
    truncated: false,
    differences: shards.some((s) => s.counts.value > 0) ? [{ key: "k", display: "k", kind: "value", node: "127.0.0.1:7102", detail: "d", shard: "2" }] : [],
  };
}

test("a done cluster compare reads as a done compare with its shards and totals", () => {
  const two = { ...emptyCounts(), value: 1 };
  const r = combinedReport(cluster([shard("1"), shard("2", { counts: two })], "done"), 50_000, 2);
  assert.equal(r.status, "done");
  assert.equal(r.phase, "finished");
  assert.equal(r.error, null);
  assert.equal(r.compared, 20);
  assert.equal(realCount(r.counts), 1);
  assert.equal(r.shards?.length, 2);
  assert.deepEqual(r.replicas.map((x) => x.id), ["127.0.0.1:7101", "127.0.0.1:7102"]);
  assert.equal(r.keysPerSec, 10);
  const csv = reportCsv(r).split("\r\n");
  assert.equal(csv[0], '"kind","node","key","key_token","detail","shard"');
  assert.equal(csv[1], '"value","127.0.0.1:7102","k","k","d","2"');
});

test("a skipped shard fails the report and is named in its error; a running one gives the phase", () => {
  const r = combinedReport(cluster([shard("1"), shard("2", { status: "skipped", master: null, reason: "master 127.0.0.1:7002: refused" })], "failed"), 50_000, 2);
  assert.equal(r.status, "failed");
  assert.match(r.error ?? "", /shard 2 skipped: master 127\.0\.0\.1:7002: refused/);
  assert.match(r.master, /2 shards: 127\.0\.0\.1:7001, 2 \(not dialled\)/);
  const running = combinedReport(cluster([shard("1", { status: "running", phase: "replicas" })], "running"), 50_000, 1, 2000);
  assert.equal(running.phase, "replicas");
  assert.equal(running.error, null);
});

test("a replication report (no shards) keeps its five CSV columns", () => {
  const r = combinedReport(cluster([shard("1")], "done"), 50_000, 1);
  const { shards: _s, ...plain } = r;
  assert.equal(reportCsv({ ...plain, differences: [] }).split("\r\n")[0], '"kind","node","key","key_token","detail"');
});
