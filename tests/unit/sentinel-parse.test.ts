import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import {
  failoverStateAfter,
  fieldMap,
  LEADER_ONLY,
  parseCkquorum,
  parseMaster,
  parseMasters,
  parseReplicas,
  parseSentinels,
  sentinelMessageToEvent,
  sentinelSeverity,
  type SentinelEventOut,
} from "@/lib/sentinel/parse";

// Captured from real Redis 7.0.15 Sentinels by tests/integration/sentinel-watch.test.ts
// (REPLSCOPE_CAPTURE_FIXTURES=1): master :40529, replicas :37707 and :38429, three sentinels; the
// master was SIGKILLed and sentinel 0 led the failover that promoted :38429.
const FIXTURES = path.join(__dirname, "..", "fixtures", "redis-7.0.15", "sentinel");
const fixture = (name: string): unknown => JSON.parse(readFileSync(path.join(FIXTURES, `${name}.json`), "utf8"));

const OLD_MASTER = "127.0.0.1:40529";
const NEW_MASTER = "127.0.0.1:38429";
const OTHER_REPLICA = "127.0.0.1:37707";
const SENTINELS = ["127.0.0.1:27001", "127.0.0.1:27002", "127.0.0.1:27003"];

describe("SENTINEL MASTERS / MASTER", () => {
  it("reads every field a sentinel's view needs", () => {
    const masters = parseMasters(fixture("sentinel-masters"));
    assert.equal(masters.length, 1);
    const m = masters[0]!;
    assert.equal(m.name, "mymaster");
    assert.equal(m.address, OLD_MASTER);
    assert.equal(m.runId, "69cbbdb5b29f7199ed3e966a63381be228b965c6");
    assert.deepEqual(m.flags, ["master"]);
    assert.equal(m.quorum, 2);
    assert.equal(m.numOtherSentinels, 2);
    assert.equal(m.numReplicas, 2);
    assert.equal(m.configEpoch, 0);
    assert.equal(m.downAfterMs, 1000);
    assert.equal(m.failoverTimeoutMs, 5000);
    assert.equal(m.parallelSyncs, 1);
    assert.equal(m.roleReported, "master");
    assert.equal(m.sDownMs, null);
    assert.equal(m.oDownMs, null);
    assert.equal(m.failoverState, null);
    assert.equal(typeof m.lastOkPingReplyMs, "number");
  });

  it("SENTINEL MASTER <name> is the same record, unwrapped", () => {
    const one = parseMaster(fixture("sentinel-master"));
    assert.ok(one);
    assert.equal(one.address, OLD_MASTER);
    assert.equal(one.quorum, 2);
    assert.equal(one.numOtherSentinels, 2);
  });

  it("follows s_down → o_down → the leader's failover states", () => {
    const during = (fixture("sentinel-master-during-failover") as unknown[]).map(parseMaster);
    assert.deepEqual(
      during.map((m) => [m?.flags.join(","), m?.failoverState]),
      [
        ["s_down,master,disconnected", null],
        ["s_down,o_down,master,disconnected,failover_in_progress", "select-slave"],
        ["s_down,o_down,master,disconnected", null],
        ["s_down,o_down,master,disconnected,failover_in_progress", "wait-promotion"],
        ["s_down,o_down,master,disconnected,failover_in_progress", "reconf-slaves"],
      ],
    );
    for (const m of during) {
      assert.equal(m?.address, OLD_MASTER);
      assert.equal(typeof m?.sDownMs, "number");
    }
    assert.equal(typeof during[1]?.oDownMs, "number");
  });

  it("names the promoted replica after the failover, with a new config epoch", () => {
    const [m] = parseMasters(fixture("sentinel-masters-after-failover"));
    assert.equal(m?.address, NEW_MASTER);
    assert.equal(m?.configEpoch, 1);
    assert.equal(m?.runId, null, "Sentinel has not read the new master's run ID yet");
    assert.deepEqual(m?.flags, ["master"]);
  });

  it("never throws on odd input", () => {
    assert.deepEqual(parseMasters(null), []);
    assert.deepEqual(parseMasters("ERR"), []);
    assert.deepEqual(parseMasters([["name", "x"]]), [], "a record without ip/port is skipped");
    assert.equal(parseMaster(undefined), null);
    assert.deepEqual([...fieldMap(["a", "1", "b"])], [["a", "1"]]);
    assert.deepEqual([...fieldMap(["a", ["nested"], "b", 2])], [["b", "2"]]);
  });
});

describe("SENTINEL REPLICAS", () => {
  it("lists the replicas with their link to the master", () => {
    const rs = parseReplicas(fixture("sentinel-replicas"));
    assert.deepEqual(rs.map((r) => r.address), [OTHER_REPLICA, NEW_MASTER]);
    for (const r of rs) {
      assert.deepEqual(r.flags, ["slave"]);
      assert.equal(r.masterLinkStatus, "ok");
      assert.equal(r.masterAddress, OLD_MASTER);
      assert.equal(r.priority, 100);
      assert.equal(r.replOffset, 0);
      assert.equal(r.roleReported, "slave");
      assert.match(r.runId ?? "", /^[0-9a-f]{40}$/);
    }
  });

  it("after the failover lists the dead old master as a down replica", () => {
    const rs = parseReplicas(fixture("sentinel-replicas-after-failover"));
    const old = rs.find((r) => r.address === OLD_MASTER);
    assert.ok(old);
    assert.deepEqual(old.flags, ["s_down", "slave", "disconnected"]);
    assert.equal(old.masterLinkStatus, "err");
    assert.equal(old.masterAddress, null, 'master-host "?" means unknown');
    assert.equal(old.runId, null);
    assert.equal(old.sDownMs, 212);
    const other = rs.find((r) => r.address === OTHER_REPLICA);
    assert.equal(other?.masterAddress, NEW_MASTER);
    assert.equal(other?.replOffset, 1118);
  });
});

describe("SENTINEL SENTINELS", () => {
  it("lists the other sentinels, never itself", () => {
    const ss = parseSentinels(fixture("sentinel-sentinels"));
    assert.deepEqual(ss.map((s) => s.address), ["127.0.0.1:45979", "127.0.0.1:46843"]);
    assert.deepEqual(ss.map((s) => s.runId), ["7d3280e50f7fa8160d04595660abb3fa31b853c8", "0bb33ac10045f3955eb6e52f23de7a34048146ec"]);
    for (const s of ss) {
      assert.deepEqual(s.flags, ["sentinel"]);
      assert.equal(s.votedLeader, null, '"?" means no vote');
      assert.equal(s.votedLeaderEpoch, 0);
      assert.equal(typeof s.lastHelloMs, "number");
    }
  });
});

describe("SENTINEL CKQUORUM", () => {
  it("OK reply", () => {
    assert.deepEqual(parseCkquorum(fixture("ckquorum-ok")), {
      ok: true,
      text: "OK 3 usable Sentinels. Quorum and failover authorization can be reached",
      usable: 3,
    });
  });

  it("NOQUORUM comes back as an error reply", () => {
    const text = fixture("ckquorum-noquorum") as string;
    const expected = { ok: false, text, usable: 3 };
    assert.deepEqual(parseCkquorum(text), expected);
    assert.deepEqual(parseCkquorum(new Error(text)), expected);
    assert.match(text, /^NOQUORUM 3 usable Sentinels\. Not enough available Sentinels to reach the specified quorum/);
  });

  it("anything else is not OK", () => {
    assert.deepEqual(parseCkquorum(new Error("no reply within 1000 ms")), { ok: false, text: "no reply within 1000 ms", usable: null });
  });
});

describe("Sentinel pub/sub events → timeline", () => {
  const raw = fixture("events") as { sentinel: number; channel: string; message: string }[];
  const events = raw.map((e, i) => sentinelMessageToEvent(SENTINELS[e.sentinel]!, e.channel, e.message, 1000 + i));
  const ok = events.filter((e): e is SentinelEventOut => e !== null);
  const from = (type: string) => [...new Set(ok.filter((e) => e.kind === `sentinel:${type}`).map((e) => e.sentinel))].sort();

  it("maps every captured event, tagged with its sentinel", () => {
    assert.equal(ok.length, raw.length);
    for (const [i, e] of ok.entries()) {
      assert.equal(e.kind, `sentinel:${raw[i]!.channel}`);
      assert.equal(e.node, SENTINELS[raw[i]!.sentinel]);
      assert.equal(e.sentinel, e.node);
      assert.equal(e.data.payload, raw[i]!.message);
      assert.ok(e.text.includes(e.sentinel), `names its sentinel: ${e.text}`);
      assert.ok(!e.text.includes("\n"));
    }
  });

  it("every sentinel reports +sdown, +odown, +new-epoch and +switch-master; only the leader runs the failover", () => {
    for (const type of ["+sdown", "+odown", "+new-epoch", "+vote-for-leader", "+switch-master"]) assert.deepEqual(from(type), SENTINELS, type);
    const leaders = [...new Set(ok.filter((e) => e.data.leaderOnly === true).map((e) => e.sentinel))];
    assert.deepEqual(leaders, [SENTINELS[0]]);
    for (const type of ["+try-failover", "+elected-leader", "+failover-state-select-slave", "+selected-slave", "+failover-state-send-slaveof-noone", "+failover-state-wait-promotion", "+promoted-slave", "+failover-state-reconf-slaves", "+slave-reconf-sent", "+slave-reconf-inprog", "+slave-reconf-done", "+failover-end"]) {
      assert.deepEqual(from(type), [SENTINELS[0]], type);
    }
    assert.deepEqual(from("+config-update-from"), [SENTINELS[1], SENTINELS[2]], "the others take the leader's new config");
  });

  it("reads the details an operator needs", () => {
    const sw = ok.filter((e) => e.kind === "sentinel:+switch-master");
    assert.equal(sw.length, 3);
    for (const e of sw) {
      assert.equal(e.data.master, OLD_MASTER);
      assert.equal(e.data.newMaster, NEW_MASTER);
      assert.equal(e.severity, "critical");
      assert.equal(e.text, `Sentinel ${e.sentinel}: Master mymaster moved from ${OLD_MASTER} to ${NEW_MASTER}`);
    }
    const odown = ok.find((e) => e.kind === "sentinel:+odown" && e.sentinel === SENTINELS[0]);
    assert.equal(odown?.data.quorum, "2/2");
    assert.equal(odown?.text, `Sentinel ${SENTINELS[0]}: Sentinels agree master mymaster is down (quorum 2/2)`);
    const sdown = ok.find((e) => e.kind === "sentinel:+sdown");
    assert.equal(sdown?.text, `Sentinel ${sdown?.sentinel} can't reach master mymaster at ${OLD_MASTER} (subjectively down)`);
    assert.equal(sdown?.severity, "warning");
    assert.equal(sdown?.data.instanceRole, "master");
    const elected = ok.find((e) => e.kind === "sentinel:+elected-leader");
    assert.equal(elected?.text, `Sentinel ${SENTINELS[0]} was elected to lead the failover of mymaster`);
    const promoted = ok.find((e) => e.kind === "sentinel:+promoted-slave");
    assert.equal(promoted?.data.instance, NEW_MASTER);
    assert.equal(promoted?.data.instanceRole, "replica");
    assert.equal(promoted?.text, `Sentinel ${SENTINELS[0]}: Failover of mymaster: ${NEW_MASTER} is now master`);
    const epoch = ok.find((e) => e.kind === "sentinel:+new-epoch");
    assert.equal(epoch?.data.epoch, 1);
    const vote = ok.find((e) => e.kind === "sentinel:+vote-for-leader");
    assert.equal(vote?.data.leaderRunId, "9809606a402b33774c25978bdfcbaaaabd6daaa3");
    const sentinelDown = ok.filter((e) => e.kind === "sentinel:+sdown" && e.data.instanceRole === "sentinel");
    assert.deepEqual(sentinelDown.map((e) => e.data.instance), ["127.0.0.1:46843", "127.0.0.1:46843"], "the killed sentinel, seen by the other two");
  });

  it("grades severity", () => {
    assert.equal(sentinelSeverity("+odown"), "critical");
    assert.equal(sentinelSeverity("+switch-master"), "critical");
    assert.equal(sentinelSeverity("+failover-state-reconf-slaves"), "critical");
    assert.equal(sentinelSeverity("-failover-abort-not-elected"), "critical");
    assert.equal(sentinelSeverity("+sdown"), "warning");
    assert.equal(sentinelSeverity("+tilt"), "warning");
    assert.equal(sentinelSeverity("+slave-reconf-done"), "warning");
    assert.equal(sentinelSeverity("-sdown"), "info");
    assert.equal(sentinelSeverity("+slave"), "info");
    assert.equal(sentinelSeverity("+set"), "info");
  });

  it("ignores channels that are not Sentinel events", () => {
    assert.equal(sentinelMessageToEvent(SENTINELS[0]!, "__sentinel__:hello", "127.0.0.1,26380,abc,0,mymaster,127.0.0.1,7001,0", 1), null);
    assert.equal(sentinelMessageToEvent(SENTINELS[0]!, "whatever", "x", 1), null);
    const tilt = sentinelMessageToEvent(SENTINELS[0]!, "+tilt", "#tilt mode entered", 1);
    assert.equal(tilt?.text, `Sentinel ${SENTINELS[0]} entered TILT mode (clock jump or overload); it will not act for a while`);
  });

  it("replaying the leader's events walks its failover state and ends it", () => {
    let state: string | null = null;
    const seen: (string | null)[] = [];
    for (const e of ok.filter((x) => x.sentinel === SENTINELS[0])) {
      const next = failoverStateAfter(e.event?.type ?? "");
      if (next === undefined) continue;
      state = next;
      seen.push(state);
    }
    assert.deepEqual(seen, ["wait-start", "select-slave", "send-slaveof-noone", "wait-promotion", "reconf-slaves", null, null]);
    assert.equal(state, null);
    assert.ok(LEADER_ONLY.test("+failover-state-select-slave"));
    assert.ok(!LEADER_ONLY.test("+switch-master"));
  });
});
