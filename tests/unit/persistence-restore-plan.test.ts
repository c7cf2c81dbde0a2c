// "Restoring an RDB into this topology": the plan for the topologies an operator meets.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { restorePlan, type RestoreNode, type RestoreTopology } from "../../lib/persistence/restore-plan";

const SAVES = [{ seconds: 3600, changes: 1 }];
const node = (id: string, role: RestoreNode["role"], extra: Partial<RestoreNode> = {}): RestoreNode => ({
  id, role, status: "up", masterId: role === "replica" ? "127.0.0.1:7000" : null, aofEnabled: false, savePoints: SAVES, replOffset: 1000, replid: "a".repeat(40), ...extra,
});
const topo = (nodes: RestoreNode[], sentinelMasters: string[] = []): RestoreTopology => ({ name: "prod", nodes, sentinelMasters, sentinelCount: sentinelMasters.length ? 3 : 0 });
const threeNodes = (m: Partial<RestoreNode> = {}) => [node("127.0.0.1:7000", "master", m), node("127.0.0.1:7001", "replica"), node("127.0.0.1:7002", "replica")];
const kinds = (p: ReturnType<typeof restorePlan>) => p.consequences.map((c) => c.kind);
const allCommands = (p: ReturnType<typeof restorePlan>) => p.steps.flatMap((s) => s.commands).join("\n");

describe("restorePlan", () => {
  test("master + 2 replicas, no AOF: replicas roll back, may resync partially, SHUTDOWN NOSAVE, no AOF steps", () => {
    const p = restorePlan(topo(threeNodes()));
    assert.equal(p.master, "127.0.0.1:7000");
    assert.deepEqual(p.replicas, ["127.0.0.1:7001", "127.0.0.1:7002"]);
    assert.deepEqual(kinds(p), ["replicas-roll-back", "partial-resync-possible"]);
    assert.match(p.consequences[0]!.text, /127\.0\.0\.1:7001, 127\.0\.0\.1:7002.*full-resyncs.*rolls back to the backup/);
    assert.match(p.consequences[1]!.text, /repl-id and repl-offset/);
    const cmds = allCommands(p);
    assert.match(cmds, /-p 7000 SHUTDOWN NOSAVE/);
    assert.doesNotMatch(cmds, /appendonly/);
    assert.doesNotMatch(cmds, /replica-priority/);
    // Order: copy first, stop before placing the file, start after it, watch the replicas last.
    const titles = p.steps.map((s) => s.title);
    const at = (re: RegExp) => titles.findIndex((t) => re.test(t));
    assert.ok(at(/keep a copy/) === 0);
    assert.ok(at(/stop it without saving/) < at(/backup in place/));
    assert.ok(at(/backup in place/) < at(/^Start/));
    assert.equal(at(/replicas resync/), titles.length - 1);
  });

  test("AOF on: the RDB is ignored; move the AOF aside, start with AOF off, then CONFIG SET appendonly yes", () => {
    const p = restorePlan(topo(threeNodes({ aofEnabled: true })));
    assert.ok(kinds(p).includes("aof-ignores-rdb"));
    assert.match(p.consequences.find((c) => c.kind === "aof-ignores-rdb")!.text, /loads the append-only file and ignores the RDB/);
    const titles = p.steps.map((s) => s.title);
    const aside = titles.findIndex((t) => /AOF directory aside/.test(t));
    const place = titles.findIndex((t) => /backup in place/.test(t));
    const back = titles.findIndex((t) => /AOF back on/.test(t));
    const start = titles.findIndex((t) => /^Start/.test(t));
    assert.ok(aside >= 0 && aside < place && start < back, titles.join(" | "));
    assert.match(allCommands(p), /CONFIG SET appendonly yes/);
  });

  test("persistence off: restore still loads the RDB; the plan adds save points afterwards", () => {
    const p = restorePlan(topo(threeNodes({ savePoints: [], aofEnabled: false })));
    assert.ok(kinds(p).includes("persistence-off"));
    assert.match(p.consequences.find((c) => c.kind === "persistence-off")!.text, /next restart comes back empty and wipes the replicas/);
    assert.match(allCommands(p), /CONFIG SET save/);
  });

  test("Sentinel present: failover is warned about and held off, then given back", () => {
    const p = restorePlan(topo(threeNodes(), ["mymaster"]));
    assert.ok(kinds(p).includes("sentinel-failover"));
    const cmds = allCommands(p);
    assert.match(cmds, /-p 7001 CONFIG SET replica-priority 0/);
    assert.match(cmds, /SENTINEL SET mymaster down-after-milliseconds/);
    assert.match(cmds, /SENTINEL MASTER mymaster/);
    const titles = p.steps.map((s) => s.title);
    assert.ok(titles.findIndex((t) => /Keep Sentinel/.test(t)) < titles.findIndex((t) => /stop it without saving/.test(t)));
  });

  test("unknowns are said, not assumed; two masters get no steps", () => {
    const p = restorePlan(topo(threeNodes({ aofEnabled: null, savePoints: null })));
    assert.equal(kinds(p).filter((k) => k === "unknown").length, 2);
    assert.ok(p.steps.some((s) => /If AOF is on/.test(s.title)));
    const split = restorePlan(topo([node("127.0.0.1:7000", "master"), node("127.0.0.1:7001", "master")]));
    assert.equal(split.master, null);
    assert.deepEqual(split.steps, []);
    assert.match(split.consequences[0]!.text, /2 nodes say they are master/);
  });
});

describe("restorePlan with several masters", () => {
  const nodes = [
    node("127.0.0.1:7000", "master"),
    node("127.0.0.1:7001", "replica"),
    node("127.0.0.1:7003", "replica", { masterId: "127.0.0.1:7001" }),
    node("127.0.0.1:8000", "master"),
    node("127.0.0.1:8001", "replica", { masterId: "127.0.0.1:8000" }),
  ];
  test("none chosen: no steps, the masters to choose from", () => {
    const p = restorePlan(topo(nodes));
    assert.equal(p.master, null);
    assert.deepEqual(p.masters, ["127.0.0.1:7000", "127.0.0.1:8000"]);
    assert.deepEqual(p.steps, []);
  });
  test("one chosen: its group only, chained replicas included; a replica's id leads to its group's master", () => {
    const p = restorePlan(topo(nodes), "127.0.0.1:7000");
    assert.equal(p.master, "127.0.0.1:7000");
    assert.deepEqual(p.replicas, ["127.0.0.1:7001", "127.0.0.1:7003"]);
    assert.doesNotMatch(allCommands(p), /8001/);
    assert.equal(restorePlan(topo(nodes), "127.0.0.1:7003").master, "127.0.0.1:7000");
    assert.equal(restorePlan(topo(nodes), "127.0.0.1:9999").master, null);
  });
});

test("names from the servers go into pasted commands only when plain words", () => {
  const p = restorePlan(topo(threeNodes(), ["x; rm -rf /"]));
  const cmds = allCommands(p);
  assert.doesNotMatch(cmds, /rm -rf/);
  assert.match(cmds, /SENTINEL SET <master-name> down-after-milliseconds/);
  const odd = restorePlan(topo([node("-h:7000", "master")]));
  assert.match(allCommands(odd), /redis-cli -h <host> -p 7000 SHUTDOWN NOSAVE/);
});
