import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ClusterNodeReading } from "@/lib/cluster/model";
import { parseClusterInfo, parseClusterNodes, parseClusterShards } from "@/lib/cluster/parse";
import { A, A_REPLICA, B, B_REPLICA, readings, seedOf } from "../support/cluster-fixtures";

// Real 7.0.15 output: see tests/support/cluster-fixtures.ts for what was captured and how.

describe("CLUSTER NODES", () => {
  it("reads every field of a healthy cluster's lines", () => {
    const lines = parseClusterNodes(seedOf("healthy-master").nodes);
    assert.equal(lines.length, 6);
    const me = lines.find((l) => l.myself)!;
    assert.equal(me.id, A);
    assert.deepEqual(me.flags, ["myself", "master"]);
    assert.equal(me.role, "master");
    assert.equal(me.address, "127.0.0.1:27691");
    assert.equal(me.host, "127.0.0.1");
    assert.equal(me.port, 27691);
    assert.equal(me.busPort, 37691);
    assert.equal(me.hostname, null);
    assert.equal(me.masterId, null);
    assert.equal(me.configEpoch, 1);
    assert.equal(me.linkState, "connected");
    assert.deepEqual(me.slots, [[0, 5460]]);
    assert.deepEqual([me.migrating, me.importing], [[], []]);
    const replica = lines.find((l) => l.id === A_REPLICA)!;
    assert.equal(replica.role, "replica");
    assert.equal(replica.masterId, A);
    assert.deepEqual(replica.slots, []);
    assert.equal(replica.pingSentMs, 0);
    assert.equal(replica.pongRecvMs, 1796014715072);
    assert.equal(replica.pfail || replica.fail, false);
  });

  it("a replica seed marks itself myself,slave", () => {
    const me = parseClusterNodes(seedOf("healthy-replica").nodes).find((l) => l.myself)!;
    assert.equal(me.id, A_REPLICA);
    assert.deepEqual(me.flags, ["myself", "slave"]);
    assert.equal(me.role, "replica");
    assert.equal(me.masterId, A);
  });

  it("reads the migrating / importing markers, each only in its own node's line", () => {
    const [source, target] = readings("migrating") as [ClusterNodeReading, ClusterNodeReading];
    const fromSource = parseClusterNodes(source.nodes);
    const a = fromSource.find((l) => l.id === A)!;
    assert.deepEqual(a.slots, [[0, 5460]], "the marker is not a slot range");
    assert.deepEqual(a.migrating, [{ slot: 100, to: B }]);
    assert.deepEqual(fromSource.find((l) => l.id === B)!.importing, [], "the source does not see the import");
    const b = parseClusterNodes(target.nodes).find((l) => l.myself)!;
    assert.equal(b.id, B);
    assert.deepEqual(b.importing, [{ slot: 100, from: A }]);
    assert.deepEqual(b.slots, [[5461, 10922]]);
  });

  it("reads PFAIL (fail?), FAIL, a dropped link and split slot lists", () => {
    const pfail = parseClusterNodes(seedOf("killed-pfail").nodes).find((l) => l.id === B)!;
    assert.deepEqual(pfail.flags, ["master", "fail?"]);
    assert.deepEqual([pfail.pfail, pfail.fail], [true, false]);
    assert.equal(pfail.linkState, "disconnected");
    assert.equal(pfail.pingSentMs, 1796014716080);
    assert.deepEqual(pfail.slots, [[100, 100], [5461, 11022]]);
    const fail = parseClusterNodes(seedOf("killed-fail-seen").nodes).find((l) => l.id === B)!;
    assert.deepEqual([fail.pfail, fail.fail], [false, true]);
    const after = parseClusterNodes(seedOf("failed-over").nodes);
    assert.deepEqual(after.find((l) => l.id === B)!.slots, [], "the failed master lost its slots");
    const promoted = after.find((l) => l.id === B_REPLICA)!;
    assert.equal(promoted.role, "master");
    assert.equal(promoted.configEpoch, 8);
    assert.deepEqual(promoted.slots, [[100, 100], [5461, 11022]]);
  });

  it("skips unreadable lines; reads noflags, handshake/noaddr, hostnames and addressless nodes", () => {
    const text = [
      "garbage",
      "",
      "e38f8b482c8a3c8853d1d0f14718c16b5ddd92a1 127.0.0.1:7000@17000,node-a.example master,noaddr - 0 0 3 disconnected 0-10 20 99999 12-5 x",
      "8a69d50fe628103a18783de453100ab9340f948f :0@0 handshake,noflags - 0 0 0 disconnected",
      "25d18b113cbd7b2365720a434e434a84789768b5 ::1:7001@17001 noflags - 0 0 0 connected",
    ].join("\n");
    const [a, b, c] = parseClusterNodes(text);
    assert.equal(a!.hostname, "node-a.example");
    assert.equal(a!.address, "127.0.0.1:7000");
    assert.equal(a!.noaddr, true);
    assert.deepEqual(a!.slots, [[0, 10], [20, 20]], "out-of-range and reversed ranges dropped");
    assert.equal(b!.address, null);
    assert.equal(b!.handshake, true);
    assert.equal(b!.role, "unknown");
    assert.equal(c!.address, "::1:7001");
    assert.deepEqual(c!.flags, []);
  });
});

describe("CLUSTER INFO", () => {
  it("reads state, slot counts and epochs through a failover", () => {
    assert.deepEqual(parseClusterInfo(seedOf("healthy-master").info), {
      state: "ok",
      slotsAssigned: 16384,
      slotsOk: 16384,
      slotsPfail: 0,
      slotsFail: 0,
      knownNodes: 6,
      size: 3,
      currentEpoch: 6,
      myEpoch: 1,
    });
    // PFAIL alone leaves cluster_state ok; FAIL turns it fail.
    const pfail = parseClusterInfo(seedOf("killed-pfail").info);
    assert.deepEqual([pfail.state, pfail.slotsPfail, pfail.slotsFail, pfail.slotsOk], ["ok", 5563, 0, 10821]);
    const fail = parseClusterInfo(seedOf("killed-fail-seen").info);
    assert.deepEqual([fail.state, fail.slotsPfail, fail.slotsFail, fail.currentEpoch], ["fail", 0, 5563, 7]);
    const after = parseClusterInfo(seedOf("failed-over").info);
    assert.deepEqual([after.state, after.currentEpoch, after.slotsOk], ["ok", 8, 16384]);
    // A replica reports its master's epoch as its own.
    assert.equal(parseClusterInfo(seedOf("healthy-replica").info).myEpoch, 1);
  });

  it("gives unknown / null for odd input", () => {
    const i = parseClusterInfo("cluster_state:maybe\r\ncluster_size:x\r\n");
    assert.equal(i.state, "unknown");
    assert.equal(i.size, null);
    assert.equal(i.currentEpoch, null);
  });
});

describe("CLUSTER SHARDS", () => {
  it("reads slots and nodes as ioredis returns them", () => {
    const shards = parseClusterShards(seedOf("healthy-master").shards);
    assert.equal(shards.length, 3);
    const a = shards.find((s) => s.nodes[0]?.id === A)!;
    assert.deepEqual(a.slots, [[0, 5460]]);
    assert.deepEqual(a.nodes[0], {
      id: A,
      address: "127.0.0.1:27691",
      ip: "127.0.0.1",
      endpoint: "127.0.0.1",
      hostname: null,
      port: 27691,
      tlsPort: null,
      role: "master",
      replicationOffset: 0,
      health: "online",
    });
    // 7.0.15: a replica whose offset is still 0 (no write yet) reports "loading".
    assert.deepEqual([a.nodes[1]!.id, a.nodes[1]!.role, a.nodes[1]!.health], [A_REPLICA, "replica", "loading"]);
  });

  it("after a failover, the dead master is a shard of its own with no slots (7.0 groups by master)", () => {
    const shards = parseClusterShards(seedOf("failed-over").shards);
    assert.equal(shards.length, 4);
    const dead = shards.find((s) => s.nodes[0]?.id === B)!;
    assert.deepEqual(dead.slots, []);
    assert.equal(dead.nodes[0]!.health, "fail");
    const promoted = shards.find((s) => s.nodes[0]?.id === B_REPLICA)!;
    assert.deepEqual(promoted.slots, [[100, 100], [5461, 11022]]);
    assert.equal(promoted.nodes.length, 1);
    assert.equal(promoted.nodes[0]!.replicationOffset, 2111);
  });

  it("never throws on odd replies", () => {
    assert.deepEqual(parseClusterShards(null), []);
    assert.deepEqual(parseClusterShards("x"), []);
    assert.deepEqual(parseClusterShards([["slots", "x", "nodes", [["id", "short"], ["port", 1]]], 5]), [{ slots: [], nodes: [] }]);
    assert.deepEqual(parseClusterShards([["slots", [3, 1, 0, 20000, 5, 6]]]), [{ slots: [[5, 6]], nodes: [] }]);
  });
});
