// SentinelWatcher against a real master + 2 replicas + 3 real Sentinels: views, CKQUORUM, live
// pub/sub events through a real failover, and a sentinel dying mid-test.
// REPLSCOPE_CAPTURE_FIXTURES=1 also saves the raw replies and events to tests/fixtures/redis-7.0.15/sentinel/.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import Redis from "ioredis";
import { LEADER_ONLY, type SentinelEventOut } from "@/lib/sentinel/parse";
import { SentinelWatcher } from "@/lib/sentinel/watcher";
import { startSentinels, type Sentinels } from "../support/sentinel";
import { startTopology, type Topology } from "../support/topology";
import { waitFor } from "../support/wait";

const CAPTURE = process.env.REPLSCOPE_CAPTURE_FIXTURES === "1";
const FIXTURES = path.join(__dirname, "..", "fixtures", "redis-7.0.15", "sentinel");

/** A plain client for setup and fixture capture; quiet and not retrying when its sentinel dies. */
function rawConnection(port: number): Redis {
  const r = new Redis({ host: "127.0.0.1", port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on("error", () => undefined);
  return r;
}

describe("SentinelWatcher on real Sentinels", { timeout: 85_000 }, () => {
  let topo: Topology | undefined;
  let sent: Sentinels | undefined;
  let watcher: SentinelWatcher | undefined;
  let raw: Redis | undefined;
  const events: SentinelEventOut[] = [];
  const captured: Record<string, unknown> = {};
  const capturedEvents: { sentinel: number; channel: string; message: string }[] = [];
  let leader: string | undefined;

  const sentinelIds = () => sent!.sentinels.map((s) => s.id);
  const reporters = (type: string | RegExp) =>
    new Set(events.filter((e) => (typeof type === "string" ? e.kind === `sentinel:${type}` : type.test(e.kind.slice(9)))).map((e) => e.sentinel));

  before(async () => {
    topo = await startTopology({ replicas: 2 });
    sent = await startSentinels({ host: topo.master.host, port: topo.master.port }, { downAfterMs: 1000, failoverTimeoutMs: 5000 });
    watcher = new SentinelWatcher({
      topology: "main",
      sentinels: sent.sentinels.map((s) => ({ host: s.host, port: s.port })),
      pollMs: 250,
      timeoutMs: 1000,
      onEvent: (e) => {
        events.push(e);
        if (CAPTURE && e.event) {
          capturedEvents.push({ sentinel: sentinelIds().indexOf(e.sentinel), channel: e.event.type, message: String(e.data.payload) });
        }
      },
    });
    watcher.start();
    raw = rawConnection(sent.sentinels[0]!.port);
    await raw.connect();
  });

  after(async () => {
    watcher?.stop();
    raw?.disconnect();
    if (CAPTURE && Object.keys(captured).length) {
      mkdirSync(FIXTURES, { recursive: true });
      for (const [name, value] of Object.entries(captured)) writeFileSync(path.join(FIXTURES, `${name}.json`), JSON.stringify(value, null, 2) + "\n");
      writeFileSync(path.join(FIXTURES, "events.json"), JSON.stringify(capturedEvents, null, 2) + "\n");
    }
    await sent?.stop();
    await topo?.stop();
  });

  it("shows every sentinel's view: master address, quorum, CKQUORUM, other sentinels", async () => {
    const views = await waitFor(
      "three sentinels up, subscribed, with two peers each",
      () => watcher!.views(),
      (vs) => vs.every((v) => v.status === "up" && v.subscribed && v.masters[0]?.numOtherSentinels === 2 && v.masters[0].replicas.length === 2),
      10_000,
    );
    assert.deepEqual(views.map((v) => v.id), sentinelIds());
    for (const v of views) {
      assert.equal(v.lastError, null);
      assert.equal(v.masters.length, 1);
      const m = v.masters[0]!;
      assert.equal(m.name, "mymaster");
      assert.equal(m.address, topo!.master.id);
      assert.deepEqual(m.flags, ["master"]);
      assert.equal(m.quorum, 2);
      assert.equal(m.numReplicas, 2);
      assert.equal(m.ckquorum.ok, true);
      assert.match(m.ckquorum.text, /^OK 3 usable Sentinels/);
      assert.equal(m.failoverState, null);
      assert.deepEqual(m.otherSentinels.map((s) => s.address).sort(), sentinelIds().filter((id) => id !== v.id).sort());
    }
    assert.deepEqual(watcher!.masters(), [
      {
        name: "mymaster",
        address: topo!.master.id,
        replicas: topo!.replicas.map((r) => r.id).sort(),
        believedBy: sentinelIds(),
        disagreeing: [],
      },
    ]);
    if (CAPTURE) {
      captured["sentinel-masters"] = await raw!.call("SENTINEL", "MASTERS");
      captured["sentinel-master"] = await raw!.call("SENTINEL", "MASTER", "mymaster");
      captured["sentinel-replicas"] = await raw!.call("SENTINEL", "REPLICAS", "mymaster");
      captured["sentinel-sentinels"] = await raw!.call("SENTINEL", "SENTINELS", "mymaster");
      captured["ckquorum-ok"] = await raw!.call("SENTINEL", "CKQUORUM", "mymaster");
    }
  });

  it("watches one master name when configured; an unknown name shows as an error", async () => {
    const one = sent!.sentinels[0]!;
    const named = new SentinelWatcher({ topology: "main", sentinels: [{ host: one.host, port: one.port }], masterName: "mymaster", pollMs: 250, onEvent: () => undefined });
    const unknown = new SentinelWatcher({ topology: "main", sentinels: [{ host: one.host, port: one.port }], masterName: "nope", pollMs: 250, onEvent: () => undefined });
    named.start();
    unknown.start();
    try {
      const [v] = await waitFor("the named master", () => named.views(), (vs) => vs[0]?.status === "up", 5000);
      assert.deepEqual(v!.masters.map((m) => [m.name, m.address, m.quorum]), [["mymaster", topo!.master.id, 2]]);
      const [u] = await waitFor("the unknown name fails", () => unknown.views(), (vs) => vs[0]?.lastError !== "not polled yet", 5000);
      assert.equal(u!.status, "down");
      assert.match(u!.lastError ?? "", /No such master with that name/);
    } finally {
      named.stop();
      unknown.stop();
    }
  });

  it("shows NOQUORUM when a sentinel's quorum cannot be reached", async () => {
    const first = sentinelIds()[0]!;
    await raw!.call("SENTINEL", "SET", "mymaster", "quorum", "5");
    try {
      const v = await waitFor(
        "NOQUORUM on the first sentinel",
        () => watcher!.views()[0]!,
        (view) => view.masters[0]?.ckquorum.ok === false,
        5000,
      );
      assert.equal(v.id, first);
      assert.equal(v.status, "up", "NOQUORUM is an answer, not an outage");
      assert.equal(v.masters[0]!.quorum, 5);
      assert.match(v.masters[0]!.ckquorum.text, /^NOQUORUM 3 usable Sentinels/);
      if (CAPTURE) captured["ckquorum-noquorum"] = v.masters[0]!.ckquorum.text;
      assert.ok(watcher!.views().slice(1).every((o) => o.masters[0]?.ckquorum.ok === true), "the others are unaffected");
    } finally {
      await raw!.call("SENTINEL", "SET", "mymaster", "quorum", "2");
    }
    await waitFor("quorum 2 again", () => watcher!.views()[0]!, (view) => view.masters[0]?.ckquorum.ok === true && view.masters[0].quorum === 2, 5000);
  });

  it("follows a failover live: every sentinel sees it, only the leader runs it", async () => {
    const oldMaster = topo!.master.id;
    const formerReplicas = topo!.replicas.map((r) => r.id);
    const ids = sentinelIds();
    const rawAll = sent!.sentinels.map((s) => rawConnection(s.port));
    await Promise.all(rawAll.map((r) => r.connect()));
    const during: unknown[] = [];
    const seen = new Set<string>();
    let capturing = CAPTURE;
    const captureLoop = (async () => {
      while (capturing) {
        for (const r of rawAll) {
          const reply = await r.call("SENTINEL", "MASTER", "mymaster").catch(() => null);
          // One reply per distinct flags/failover-state: s_down, o_down, failover_in_progress + failover-state.
          const fields = Array.isArray(reply) ? reply.map(String) : [];
          const flags = fields[fields.indexOf("flags") + 1] ?? "";
          const state = fields.includes("failover-state") ? fields[fields.indexOf("failover-state") + 1] : "";
          const key = `${flags}|${state}`;
          if (/s_down|o_down|failover/.test(key) && !seen.has(key)) {
            seen.add(key);
            during.push(reply);
          }
        }
        await new Promise((res) => setTimeout(res, 150));
      }
    })();
    // What the map would show: each sentinel's failover state, sampled through the failover.
    const statesSeen = new Map<string, Set<string>>();
    let sampling = true;
    const sampleLoop = (async () => {
      while (sampling) {
        for (const v of watcher!.views()) {
          const st = v.masters[0]?.failoverState;
          if (st) statesSeen.set(v.id, (statesSeen.get(v.id) ?? new Set()).add(st));
        }
        await new Promise((res) => setTimeout(res, 40));
      }
    })();
    try {
      topo!.master.signal("SIGKILL");

      const masterSdowns = () => events.filter((x) => x.kind === "sentinel:+sdown" && x.data.instanceRole === "master");
      await waitFor("+sdown of the master from all three", () => new Set(masterSdowns().map((e) => e.sentinel)).size, (n) => n === 3, 15_000);
      for (const e of masterSdowns()) {
        assert.equal(e.data.instance, oldMaster);
        assert.equal(e.severity, "warning");
        assert.match(e.text, new RegExp(`^Sentinel ${e.sentinel.replace(/\./g, "\\.")} can't reach master mymaster`));
      }
      await waitFor("+switch-master from all three", () => reporters("+switch-master").size, (n) => n === 3, 30_000);
      await waitFor("+failover-end", () => reporters("+failover-end").size, (n) => n === 1, 20_000);

      const leaders = reporters(LEADER_ONLY);
      assert.equal(leaders.size, 1, `failover-state events come from one sentinel, got ${[...leaders].join(", ")}`);
      leader = [...leaders][0]!;
      // The leader must have seen the master objectively down; a follower usually does too, but a
      // fast failover can switch the master before a follower has gathered the quorum itself.
      assert.ok(reporters("+odown").has(leader), `the leader declares +odown (reporters: ${[...reporters("+odown")].join(", ")})`);
      assert.ok([...reporters("+odown")].every((r) => ids.includes(r)), "+odown only from watched sentinels");
      for (const type of ["+elected-leader", "+failover-state-select-slave", "+selected-slave", "+promoted-slave", "+failover-state-reconf-slaves"]) {
        assert.deepEqual([...reporters(type)], [leader], `${type} only from the leader`);
      }
      for (const e of events.filter((x) => x.kind === "sentinel:+odown" || x.kind === "sentinel:+switch-master")) {
        assert.equal(e.severity, "critical");
      }
      const switches = events.filter((e) => e.kind === "sentinel:+switch-master");
      const newMaster = switches[0]!.data.newMaster;
      assert.ok(typeof newMaster === "string" && formerReplicas.includes(newMaster), `new master ${String(newMaster)} is a former replica`);
      assert.ok(switches.every((e) => e.data.master === oldMaster && e.data.newMaster === newMaster), "all three agree on old and new master");
      sampling = false;
      await sampleLoop;
      const leaderStates = [...(statesSeen.get(leader) ?? [])];
      assert.ok(leaderStates.some((st) => st !== "wait-start"), `the leader's view showed its failover state (saw ${leaderStates.join(", ")})`);
      for (const [id, states] of statesSeen) {
        if (id !== leader) assert.deepEqual([...states].filter((st) => st !== "wait-start"), [], `${id} never runs the failover`);
      }
      const leaderView = watcher!.views().find((v) => v.id === leader)!;
      assert.equal(leaderView.masters[0]!.failoverState, null, "the leader's failover is over");

      const found = await waitFor(
        "masters() names the promoted replica, agreed by all three",
        () => watcher!.masters(),
        (ms) => ms[0]?.address === newMaster && ms[0].believedBy.length === 3,
        5000,
      );
      assert.ok(found[0]!.replicas.includes(oldMaster), "the old master is listed as a (down) replica");
      assert.ok(found[0]!.replicas.includes(formerReplicas.find((r) => r !== newMaster)!));
      // The old master joins as a replica and goes s_down again after down-after-milliseconds.
      const views = await waitFor(
        "every sentinel sees the old master as a down replica",
        () => watcher!.views(),
        (vs) => vs.every((v) => v.masters[0]?.replicas.find((r) => r.address === oldMaster)?.flags.includes("s_down")),
        5000,
      );
      for (const v of views) assert.equal(v.masters[0]!.address, newMaster);
      if (CAPTURE) {
        captured["sentinel-master-during-failover"] = during;
        captured["sentinel-masters-after-failover"] = await rawAll[0]!.call("SENTINEL", "MASTERS");
        captured["sentinel-replicas-after-failover"] = await rawAll[0]!.call("SENTINEL", "REPLICAS", "mymaster");
      }
    } finally {
      sampling = false;
      await sampleLoop;
      capturing = false;
      await captureLoop;
      for (const r of rawAll) r.disconnect();
    }
  });

  it("shows a killed sentinel down while the others keep updating", async () => {
    const victimIndex = sent!.sentinels.findIndex((s) => s.id !== leader);
    const victim = sent!.sentinels[victimIndex]!;
    victim.signal("SIGKILL");
    const killedAt = Date.now();
    // The first failed poll may say "connection closed" (the open connection dropped); retries say refused.
    const view = await waitFor(
      "the killed sentinel shows down, connection refused",
      () => watcher!.views()[victimIndex]!,
      (v) => v.status === "down" && v.lastError === "connection refused",
      5000,
    );
    assert.equal(view.subscribed, false);
    assert.ok(view.downSince !== null && view.downSince >= killedAt);
    assert.equal(view.masters[0]?.name, "mymaster", "the last known view is kept");
    assert.ok(events.some((e) => e.kind === "sentinel:down" && e.sentinel === victim.id));

    const mark = Date.now();
    const others = await waitFor(
      "the other two keep answering",
      () => watcher!.views().filter((_, i) => i !== victimIndex),
      (vs) => vs.every((v) => v.status === "up" && (v.lastOkAt ?? 0) > mark + 500),
      5000,
    );
    assert.equal(others.length, 2);
    const found = watcher!.masters();
    assert.equal(found[0]!.believedBy.length, 2, "only answering sentinels count");
    assert.ok(!found[0]!.believedBy.includes(victim.id));
  });
});
