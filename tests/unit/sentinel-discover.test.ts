import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { discoverMasters, type SentinelMasterView, type SentinelView } from "@/lib/sentinel/discover";

function master(address: string, replicas: string[], configEpoch = 0, name = "mymaster"): SentinelMasterView {
  return {
    name,
    address,
    flags: ["master"],
    quorum: 2,
    numOtherSentinels: 2,
    numReplicas: replicas.length,
    configEpoch,
    ckquorum: { ok: true, text: "OK 3 usable Sentinels. Quorum and failover authorization can be reached", usable: 3 },
    failoverState: null,
    replicas: replicas.map((address) => ({ address, flags: ["slave"], masterLinkStatus: "ok" })),
    otherSentinels: [],
  };
}

function view(id: string, masters: SentinelMasterView[], status: "up" | "down" = "up"): SentinelView {
  return { id, status, lastError: status === "down" ? "connection refused" : null, lastOkAt: 1, downSince: null, latencyMs: 1, subscribed: status === "up", masters };
}

describe("discoverMasters", () => {
  it("takes the master and replicas all sentinels agree on", () => {
    const ms = master("10.0.0.1:6380", ["10.0.0.2:6380", "10.0.0.3:6380"]);
    assert.deepEqual(discoverMasters([view("s1:1", [ms]), view("s2:1", [ms]), view("s3:1", [ms])]), [
      { name: "mymaster", address: "10.0.0.1:6380", replicas: ["10.0.0.2:6380", "10.0.0.3:6380"], believedBy: ["s1:1", "s2:1", "s3:1"], disagreeing: [] },
    ]);
  });

  it("mid-failover follows the majority and names who disagrees", () => {
    const before = master("10.0.0.1:6380", ["10.0.0.2:6380", "10.0.0.3:6380"], 0);
    const after = master("10.0.0.2:6380", ["10.0.0.1:6380", "10.0.0.3:6380"], 1);
    const [m] = discoverMasters([view("s1:1", [after]), view("s2:1", [before]), view("s3:1", [after])]);
    assert.equal(m?.address, "10.0.0.2:6380");
    assert.deepEqual(m?.believedBy, ["s1:1", "s3:1"]);
    assert.deepEqual(m?.disagreeing, [{ sentinel: "s2:1", address: "10.0.0.1:6380" }]);
    assert.deepEqual(m?.replicas, ["10.0.0.1:6380", "10.0.0.3:6380"]);
  });

  it("breaks a tie with the higher config epoch", () => {
    const before = master("10.0.0.1:6380", [], 3);
    const after = master("10.0.0.2:6380", [], 4);
    assert.equal(discoverMasters([view("s1:1", [before]), view("s2:1", [after])])[0]?.address, "10.0.0.2:6380");
    assert.equal(discoverMasters([view("s2:1", [after]), view("s1:1", [before])])[0]?.address, "10.0.0.2:6380");
  });

  it("ignores sentinels that do not answer (their view is stale)", () => {
    const stale = master("10.0.0.1:6380", ["10.0.0.2:6380"], 0);
    const fresh = master("10.0.0.2:6380", ["10.0.0.1:6380"], 1);
    const [m] = discoverMasters([view("s1:1", [stale], "down"), view("s2:1", [stale], "down"), view("s3:1", [fresh])]);
    assert.equal(m?.address, "10.0.0.2:6380");
    assert.deepEqual(m?.believedBy, ["s3:1"]);
    assert.deepEqual(discoverMasters([view("s1:1", [stale], "down")]), []);
  });

  it("keeps several master names apart and never lists the master among its replicas", () => {
    const a = master("10.0.0.1:6380", ["10.0.0.2:6380", "10.0.0.1:6380"], 0, "cache");
    const b = master("10.0.1.1:6380", [], 0, "app");
    const ms = discoverMasters([view("s1:1", [a, b])]);
    assert.deepEqual(ms.map((m) => m.name), ["app", "cache"]);
    assert.deepEqual(ms[1]?.replicas, ["10.0.0.2:6380"]);
  });
});
