import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { classifyMessage, createClassifier, type ReplEvent, type ReplEventKind } from "@/lib/logs/classify";
import { parseLogText } from "@/lib/logs/parse";
import { parseSentinelPayload, type SentinelEvent } from "@/lib/logs/sentinel";

const FIXTURES = path.join(__dirname, "..", "fixtures", "redis-7.0.15", "logs");

function events(name: string): ReplEvent[] {
  const classify = createClassifier();
  const out: ReplEvent[] = [];
  for (const line of parseLogText(readFileSync(path.join(FIXTURES, name), "utf8"))) {
    const ev = classify(line);
    if (ev) out.push(ev);
  }
  return out;
}

function ofKind<K extends ReplEventKind>(evs: ReplEvent[], kind: K): Extract<ReplEvent, { kind: K }>[] {
  return evs.filter((e): e is Extract<ReplEvent, { kind: K }> => e.kind === kind);
}

const sentinelEvents = (name: string): SentinelEvent[] => ofKind(events(name), "sentinel").map((e) => e.event);

describe("master side (node-a.log, node-e.log)", () => {
  const a = events("node-a.log");
  const refusals = ofKind(a, "partial-resync-refused");

  it("counts each reason a partial resync was refused, naming the replica", () => {
    const lack = refusals.filter((r) => r.reason === "lack-of-backlog");
    assert.equal(lack.length, 1);
    assert.equal(lack[0]?.replica, "127.0.0.1:7002");
    assert.equal(lack[0]?.requestedOffset, 133);
    assert.equal(lack[0]?.text, "Full resync for 127.0.0.1:7002: it fell out of the backlog (asked for offset 133)");

    const mismatch = refusals.filter((r) => r.reason === "replid-mismatch");
    assert.deepEqual(mismatch.map((r) => r.replica), ["127.0.0.1:7002", "127.0.0.1:17004", "127.0.0.1:17005"]);
    assert.equal(mismatch[0]?.askedReplid, "e2713a04802a271ac189f08794134db93a6d9387");
    assert.deepEqual(mismatch[0]?.myReplids, ["26f84d36e53682064f2539180915dd35fd4af989", "0000000000000000000000000000000000000000"]);

    assert.deepEqual(
      refusals.filter((r) => r.reason === "new-replica").map((r) => r.replica),
      ["127.0.0.1:17003"],
    );
    assert.equal(refusals.length, 5);
  });

  it("reads accepted partial resyncs, snapshots and the diskless delay", () => {
    const accepted = ofKind(a, "partial-resync-accepted-by-master");
    assert.deepEqual(accepted.map((e) => [e.replica, e.backlogBytes, e.fromOffset]), [
      ["127.0.0.1:7002", 0, 84],
      ["127.0.0.1:7002", 0, 3107065],
      ["127.0.0.1:7002", 0, 3107079],
    ]);
    assert.deepEqual(ofKind(a, "bgsave-for-sync").map((e) => e.target), ["sockets", "sockets", "sockets", "sockets", "disk"]);
    assert.equal(ofKind(a, "diskless-delay").length, 3);
    assert.deepEqual(ofKind(a, "replica-synced").map((e) => e.replica), [
      "127.0.0.1:7002",
      "127.0.0.1:7002",
      "127.0.0.1:17003",
      "127.0.0.1:17004",
      "127.0.0.1:17005",
    ]);
  });

  it("follows FAILOVER TO, REPLICAOF NO ONE and the Sentinel re-point", () => {
    assert.deepEqual(ofKind(a, "failover").map((e) => [e.phase, e.target]), [
      ["requested", "127.0.0.1:17003"],
      ["target-synced", "127.0.0.1:17003"],
    ]);
    assert.deepEqual(ofKind(a, "master-mode").map((e) => [e.trigger, e.bySentinel]), [["user", false]]);
    assert.deepEqual(ofKind(a, "secondary-replid"), [
      {
        kind: "secondary-replid",
        secondReplid: "6eb7a3d1f66c2a7cca925c3c4e11d907d606d122",
        validUpTo: 3107079,
        newReplid: "0943013fc21f1b6ad147e0e136faf70327a7d0cb",
        text: "New replication ID 0943013f…; the old ID 6eb7a3d1… still serves partial resyncs up to offset 3107079",
      },
    ]);
    assert.deepEqual(ofKind(a, "replicaof").map((e) => [e.master, e.bySentinel]), [["127.0.0.1:17005", true]]);
  });

  it("tells replica links from the master link, including replicas known only by client id", () => {
    const lost = ofKind(a, "link-lost");
    assert.equal(lost.filter((e) => e.side === "master").length, 2);
    assert.deepEqual(lost.filter((e) => e.clientId !== null).map((e) => e.clientId), [65, 55, 50]);
    assert.equal(lost.filter((e) => e.replica === "127.0.0.1:7002").length, 4);
  });

  it("explains node-e's refusals: offsets past the inherited history", () => {
    const e = events("node-e.log");
    const ahead = ofKind(e, "partial-resync-refused");
    assert.ok(ahead.every((r) => r.reason === "second-id-offset-ahead"));
    assert.deepEqual(ahead.map((r) => [r.replica, r.requestedOffset, r.canReplyUpTo]), [
      ["127.0.0.1:7001", 3162864, 3108063],
      ["127.0.0.1:17004", 3125734, 3125681],
      ["127.0.0.1:7002", 3125734, 3125681],
      ["127.0.0.1:7001", 3125734, 3125681],
    ]);
    assert.deepEqual(ofKind(e, "partial-resync-accepted-by-master").map((x) => x.backlogBytes), [157, 425]);
    assert.deepEqual(ofKind(e, "master-mode").map((x) => [x.trigger, x.bySentinel]), [["user", true]]);
    assert.deepEqual(ofKind(e, "failover").map((x) => [x.phase, x.target, x.reason]), [
      ["requested", "127.0.0.1:17004", null],
      ["aborted", "127.0.0.1:17004", "Replica never caught up before timeout"],
    ]);
  });

  it("needs the stream context to name the replica on a bare refusal line", () => {
    const ev = classifyMessage("Partial resynchronization not accepted: Requested offset for second ID was 3125734, but I can reply up to 3125681");
    assert.equal(ev?.kind === "partial-resync-refused" && ev.replica, null);
    assert.match(ev?.text ?? "", /^Full resync for a replica: it is ahead of the old history/);
  });
});

describe("replica side (node-b, node-c, node-d, node-e)", () => {
  it("reads full resyncs with replid and offset", () => {
    assert.deepEqual(ofKind(events("node-a.log"), "full-resync-accepted").map((e) => [e.replid, e.offset]), [
      ["348d6a19c799fa84cf4b7623c8b942f5ec6006cf", 3115497],
      ["3b1f2a80c748b44ed876c5fb113d46335bde1ac8", 3125680],
    ]);
    assert.equal(ofKind(events("node-b.log"), "full-resync-accepted").length, 3);
  });

  it("captures keys loaded from each RDB", () => {
    const loaded = (name: string) => ofKind(events(name), "loading").filter((e) => e.phase === "done").map((e) => e.keysLoaded);
    assert.deepEqual(loaded("node-b.log"), [2003, 2007, 5005, 55006]);
    assert.deepEqual(loaded("node-a.log"), [55005, 55006]);
    assert.deepEqual(loaded("node-c.log"), [5005]);
    assert.equal(ofKind(events("node-b.log"), "loading").filter((e) => e.phase === "started").length, 3);
  });

  it("counts partial resyncs and REPLICAOF changes on node-b", () => {
    const b = events("node-b.log");
    assert.equal(ofKind(b, "partial-resync-ok").length, 5);
    assert.deepEqual(ofKind(b, "replicaof").map((e) => [e.master, e.bySentinel]), [
      ["127.0.0.1:7001", false],
      ["127.0.0.1:17003", false],
      ["127.0.0.1:7001", false],
      ["127.0.0.1:17005", true],
    ]);
    assert.deepEqual(ofKind(b, "partial-resync-refused").map((e) => [e.reason, e.replica]), [["new-replica", "127.0.0.1:7003"]]);
  });

  it("tells the whole story of node-c, the replica promoted by FAILOVER TO", () => {
    assert.deepEqual(events("node-c.log").map((e) => e.kind), [
      "master-connecting",
      "master-connected",
      "psync-attempt",
      "full-resync-accepted",
      "rdb-receiving",
      "flushing-old-data",
      "loading",
      "loading",
      "sync-done",
      "failover",
      "link-lost",
      "secondary-replid",
      "master-mode",
      "sync-requested",
      "partial-resync-accepted-by-master",
      "sync-requested",
      "partial-resync-accepted-by-master",
    ]);
    const c = events("node-c.log");
    assert.deepEqual(ofKind(c, "psync-attempt")[0], {
      kind: "psync-attempt",
      replid: null,
      offset: null,
      text: "No replication history here: asking the master for a full copy",
    });
    assert.deepEqual(ofKind(c, "failover").map((e) => [e.phase, e.replid]), [["received", "30450c9cb09594832fadd93a4fda82682b263491"]]);
    assert.deepEqual(ofKind(c, "master-mode").map((e) => e.trigger), ["failover"]);
  });

  it("reads connection attempts, failures and the RDB size on node-d and node-e", () => {
    const d = events("node-d.log");
    assert.deepEqual(ofKind(d, "replicaof").map((e) => [e.master, e.bySentinel]), [
      ["127.0.0.1:7001", false],
      ["127.0.0.1:17005", true],
    ]);
    assert.equal(ofKind(d, "master-connect-failed").filter((e) => e.reason === "Connection refused").length, 2);
    assert.deepEqual(ofKind(d, "master-connecting").map((e) => e.retry), [false, false, true, false, false]);
    assert.deepEqual(ofKind(events("node-e.log"), "rdb-receiving").map((e) => e.bytes), [1798735]);
  });
});

describe("Sentinel logs", () => {
  const leader = sentinelEvents("sentinel-leader.log");
  const follower = sentinelEvents("sentinel-follower.log");

  it("only the leader logs +elected-leader and the failover states", () => {
    assert.equal(leader.filter((e) => e.type === "+elected-leader").length, 1);
    assert.equal(follower.filter((e) => e.type === "+elected-leader").length, 0);
    assert.deepEqual(leader.filter((e) => e.type.startsWith("+failover-state-")).map((e) => e.type), [
      "+failover-state-select-slave",
      "+failover-state-send-slaveof-noone",
      "+failover-state-wait-promotion",
      "+failover-state-reconf-slaves",
    ]);
    assert.equal(follower.filter((e) => e.type.startsWith("+failover-state-")).length, 0);
    const selected = leader.find((e) => e.type === "+selected-slave");
    assert.deepEqual(selected?.instance, { role: "replica", name: "127.0.0.1:17005", addr: "127.0.0.1:17005" });
    assert.equal(selected?.text, "Failover of mymaster: picked 127.0.0.1:17005 to promote");
  });

  it("both see sdown, odown with their quorum, and the switch", () => {
    for (const [evs, votes] of [[leader, 2], [follower, 3]] as const) {
      const sdown = evs.find((e) => e.type === "+sdown");
      assert.equal(sdown?.text, "Sentinel can't reach master mymaster at 127.0.0.1:7001 (subjectively down)");
      assert.deepEqual(evs.find((e) => e.type === "+odown")?.quorum, { votes, needed: 2 });
      const sw = evs.filter((e) => e.type === "+switch-master");
      assert.deepEqual(sw.map((e) => [e.masterName, e.master, e.newMaster]), [["mymaster", "127.0.0.1:7001", "127.0.0.1:17005"]]);
    }
    const from = follower.find((e) => e.type === "+config-update-from");
    assert.deepEqual(from?.instance, { role: "sentinel", name: "df52a51a95671a7325dbddbdcb2ba87004f84b0f", addr: "127.0.0.1:27102" });
  });

  it("leaves non-event Sentinel lines unclassified", () => {
    assert.equal(classifyMessage("0e1d96a47df22844b5aaf07971be2766c0157834 voted for df52a51a95671a7325dbddbdcb2ba87004f84b0f 1"), null);
    assert.equal(classifyMessage("Sentinel new configuration saved on disk"), null);
  });
});

describe("Sentinel pub/sub payloads (sentinel-psubscribe.txt)", () => {
  // redis-cli prints each pmessage as four lines: "pmessage", pattern, channel, payload.
  const lines = readFileSync(path.join(FIXTURES, "sentinel-psubscribe.txt"), "utf8").split("\n");
  const published: SentinelEvent[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] === "pmessage") published.push(parseSentinelPayload(lines[i + 2] ?? "", lines[i + 3] ?? ""));
  }

  it("parses every message", () => {
    assert.deepEqual(published.map((e) => e.type), [
      "+sdown",
      "+new-epoch",
      "+vote-for-leader",
      "+odown",
      "-role-change",
      "+config-update-from",
      "+switch-master",
      "+slave",
      "+slave",
      "+slave",
      "+sdown",
      "-role-change",
      "-sdown",
      "+convert-to-slave",
    ]);
  });

  it("reads instance, master, epoch, vote and extra text", () => {
    const [sdown, epoch, vote, odown, roleChange] = published;
    assert.deepEqual(sdown?.instance, { role: "master", name: "mymaster", addr: "127.0.0.1:7001" });
    assert.equal(epoch?.epoch, 1);
    assert.equal(vote?.leaderRunId, "df52a51a95671a7325dbddbdcb2ba87004f84b0f");
    assert.equal(vote?.epoch, 1);
    assert.deepEqual(odown?.quorum, { votes: 3, needed: 2 });
    assert.equal(roleChange?.instance?.addr, "127.0.0.1:17005");
    assert.equal(roleChange?.master, "127.0.0.1:7001");
    assert.equal(roleChange?.extra, "new reported role is master");
    assert.equal(roleChange?.text, "127.0.0.1:17005 now reports role master");
    const replica = published.find((e) => e.type === "+sdown" && e.instance?.role === "replica");
    assert.equal(replica?.masterName, "mymaster");
    assert.equal(replica?.master, "127.0.0.1:17005");
    assert.equal(published.find((e) => e.type === "+switch-master")?.newMaster, "127.0.0.1:17005");
  });

  it("never throws on payloads it doesn't know", () => {
    const odd = parseSentinelPayload("+tilt", "#tilt mode entered");
    assert.equal(odd.instance, null);
    assert.equal(odd.text, "Sentinel entered TILT mode (clock jump or overload); it will not act for a while");
    assert.equal(parseSentinelPayload("+future-thing", "").text, "Sentinel event +future-thing");
    // IPv6 addresses in the node id shape (lib/redis/address.ts), so they match the monitor's ids.
    const v6 = parseSentinelPayload("+sdown", "replica [::1]:7002 ::1 7002 @ m ::1 7001");
    assert.equal(v6.instance?.addr, "::1:7002");
    assert.equal(v6.master, "::1:7001");
  });
});

describe("other Redis versions and unknown lines", () => {
  it("accepts replica/primary wording of later versions", () => {
    const cases: Array<[string, ReplEventKind]> = [
      ["Connection with replica 10.0.0.2:6379 lost.", "link-lost"],
      ["Connection with primary lost.", "link-lost"],
      ["Full resync from primary: 3b1f2a80c748b44ed876c5fb113d46335bde1ac8:10", "full-resync-accepted"],
      ["Successful partial resynchronization with primary.", "partial-resync-ok"],
      ["Unable to partial resync with slave 10.0.0.2:6379 for lack of backlog (Slave request was: 5).", "partial-resync-refused"],
      ["PRIMARY <-> REPLICA sync: Finished with success", "sync-done"],
      ["Connecting to PRIMARY 10.0.0.1:6379", "master-connecting"],
      ["Synchronization with slave 10.0.0.2:6379 succeeded", "replica-synced"],
    ];
    for (const [message, kind] of cases) assert.equal(classifyMessage(message)?.kind, kind, message);
  });

  it("returns null for lines that are not replication events", () => {
    for (const message of [
      "RDB age 0 seconds",
      "Background saving terminated with success",
      "Streamed RDB transfer with replica 127.0.0.1:7002 succeeded (socket). Waiting for REPLCONF ACK from replica to enable streaming",
      "Ready to accept connections",
      "",
    ]) {
      assert.equal(classifyMessage(message), null, message);
    }
  });

  it("gives every event from the fixtures a one-line text", () => {
    for (const name of ["node-a.log", "node-b.log", "node-c.log", "node-d.log", "node-e.log", "sentinel-leader.log", "sentinel-follower.log"]) {
      for (const ev of events(name)) {
        assert.ok(ev.text.length > 0 && !ev.text.includes("\n") && !ev.text.includes("undefined"), `${name}: ${ev.kind} ${ev.text}`);
      }
    }
  });
});
