// Sentinel series in the Prometheus samples, from sentinel views shaped like the watcher's.
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildSamples } from "../../lib/metrics/samples";
import type { SentinelView } from "../../lib/sentinel/discover";

const view = (id: string, status: "up" | "down", flags: string[], address: string): SentinelView => ({
  id,
  status,
  lastError: status === "down" ? "connection refused" : null,
  lastOkAt: 1,
  downSince: null,
  latencyMs: 1,
  subscribed: status === "up",
  masters: [
    {
      name: "mymaster",
      address,
      flags,
      quorum: 2,
      numOtherSentinels: 2,
      numReplicas: 2,
      configEpoch: 0,
      ckquorum: { ok: flags.length === 1, text: "OK 3 usable Sentinels", usable: 3 },
      failoverState: null,
      replicas: [],
      otherSentinels: [],
    },
  ],
});

test("sentinel views become up/flags/quorum series; unknown master addresses are not used as labels", () => {
  const samples = buildSamples([
    {
      name: "t",
      views: [],
      state: () => undefined,
      alerts: [],
      now: 0,
      sentinels: [view("127.0.0.1:26001", "up", ["master"], "10.9.9.9:6379"), view("127.0.0.1:26002", "up", ["master", "s_down", "o_down"], "10.9.9.9:6379"), view("127.0.0.1:26003", "down", ["master"], "x")],
    },
  ]);
  const get = (name: string, sentinel: string) => samples.get(name as never)?.find((s) => s.labels.sentinel === sentinel)?.value;
  assert.equal(get("replscope_sentinel_up", "127.0.0.1:26001"), 1);
  assert.equal(get("replscope_sentinel_up", "127.0.0.1:26003"), 0);
  assert.equal(get("replscope_sentinel_master_sdown", "127.0.0.1:26002"), 1);
  assert.equal(get("replscope_sentinel_master_odown", "127.0.0.1:26001"), 0);
  assert.equal(get("replscope_sentinel_quorum", "127.0.0.1:26001"), 2);
  assert.equal(get("replscope_sentinel_ckquorum_ok", "127.0.0.1:26002"), 0);
  assert.equal(get("replscope_sentinel_master_sdown", "127.0.0.1:26003"), undefined, "a down sentinel's stale view is not exported");
  const info = samples.get("replscope_sentinel_master_info" as never) ?? [];
  assert.ok(info.every((s) => s.labels.address === "other"), "an address replscope does not monitor never becomes a label value");
});
