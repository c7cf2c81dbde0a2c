// The same key side by side, without false alarms (issue 10, section 5): a key written 100 times a
// second is read 50 times on master and replica; a healthy replica must never be called
// "different", while a real difference (a write on a writable replica) still is.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import Redis from "ioredis";
import { encodeKey } from "../../lib/keys/codec";
import { KeyConnectionPool } from "../../lib/keys/connections";
import { keyOnEveryNode, type Verdict } from "../../lib/keys/side-by-side";
import { buildTopologyMonitor } from "../../lib/monitor/build";
import type { TopologyMonitor } from "../../lib/monitor/topology-monitor";
import { startTopology, testConfig, type Topology } from "../support/topology";
import { waitFor } from "../support/wait";

describe("truth: one key on every node under writes", () => {
  let topo: Topology;
  let m: TopologyMonitor;
  let writer: Redis;
  let writing = true;
  const pool = new KeyConnectionPool();
  let loop: Promise<void>;
  before(async () => {
    topo = await startTopology({ replicas: 2, args: ["--replica-read-only", "no"] });
    m = buildTopologyMonitor(testConfig([topo.master]));
    m.start();
    await waitFor("3 nodes up", () => m.views(), (vs) => vs.length === 3 && vs.every((v) => v.status === "up"), 15_000);
    writer = new Redis({ port: topo.master.port, host: "127.0.0.1" });
    // ~100 writes/s to each hot key (a stream like the demo's events:stream, and a counter),
    // plus background writes so the offsets keep moving.
    loop = (async () => {
      let n = 0;
      while (writing) {
        await writer.pipeline().xadd("hot:stream", "MAXLEN", "~", "1000", "*", "n", String(n)).incr("hot:counter").set(`bg:${n % 100}`, "x".repeat(200)).exec();
        n++;
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
  });
  after(async () => {
    writing = false;
    await loop;
    writer.disconnect();
    pool.close();
    m.stop();
    await topo.stop();
  });

  test("50 reads of each hot key: no replica is ever called different", async (t) => {
    const tally: Record<string, number> = {};
    for (const key of ["hot:stream", "hot:counter"]) {
      for (let i = 0; i < 50; i++) {
        const r = await keyOnEveryNode(pool, m, encodeKey(Buffer.from(key)), 0);
        for (const c of r.nodes.slice(1)) tally[c.verdict] = (tally[c.verdict] ?? 0) + 1;
      }
    }
    t.diagnostic(`verdicts over 200 replica reads: ${JSON.stringify(tally)}`);
    assert.equal(tally.different ?? 0, 0);
    assert.ok((tally.same ?? 0) >= 150, "most reads settle as the same");
  });

  test("a write on a writable replica is still called different", async () => {
    const replica = topo.replicas[1]!;
    const r = new Redis({ port: replica.port, host: "127.0.0.1" });
    try {
      await writer.set("planted", "master-value");
      await waitFor("replicated", () => r.get("planted"), (v) => v === "master-value", 5_000);
      await r.set("planted", "replica-value");
      const view = await keyOnEveryNode(pool, m, encodeKey(Buffer.from("planted")), 0);
      const verdicts = Object.fromEntries(view.nodes.map((c) => [c.id, c.verdict])) as Record<string, Verdict>;
      assert.equal(verdicts[replica.id], "different");
      assert.equal(verdicts[topo.replicas[0]!.id], "same");
      assert.equal(view.equal, false);
    } finally {
      r.disconnect();
    }
  });
});
