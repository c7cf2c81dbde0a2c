// The pure step of a poll: captured INFO (redis-server 7.0.15) plus ROLE / CLIENT LIST replies → PollResult.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseMasterLink } from "../../lib/redis/client-list";
import { pollResultOf, UnexpectedReplyError } from "../../lib/monitor/poll-result";
import { raw } from "../support/info-fixtures";

const T = 1_700_000_000_000;
const sectionsOf = (text: string, names: string[]): string =>
  text
    .split(/(?=^# )/m)
    .filter((s) => names.some((n) => s.startsWith(`# ${n}`)))
    .join("");
const clientFixture = (name: string): string => readFileSync(path.join(__dirname, "..", "fixtures", "redis-7.0.15", "client", name), "utf8");

describe("pollResultOf", () => {
  test("a full round on a master: replication, facts, the whole INFO and the sync counters", () => {
    const r = pollResultOf({ info: raw("master.txt"), at: T, sentAt: T - 3, latencyMs: 3 });
    assert.equal(r.ok, true);
    assert.equal(r.at, T);
    assert.equal(r.sentAt, T - 3);
    assert.equal(r.latencyMs, 3);
    assert.equal(r.repl.role, "master");
    assert.equal(r.repl.connectedReplicas, 2);
    assert.equal(r.repl.masterReplOffset, 1968);
    assert.equal(r.facts?.runId, "cccaa33ba8738393ad1605a085943024af694383");
    assert.ok(r.info?.server && r.info.stats, "the sections are kept for the node page");
    assert.deepEqual(r.counters, { full: 2, partialOk: 0, partialErr: 0 });
    assert.equal("masterLink" in r, false, "a master never carries a master link");
    assert.equal(r.linkState, undefined);
  });

  test("a light round (replication and stats only): counters but no facts", () => {
    const r = pollResultOf({ info: sectionsOf(raw("replica.txt"), ["Replication", "Stats"]), at: T, latencyMs: 1 });
    assert.equal(r.repl.role, "replica");
    assert.equal(r.repl.linkStatus, "up");
    assert.equal(r.facts, undefined);
    assert.equal(r.info, undefined);
    assert.deepEqual(r.counters, { full: 1, partialOk: 0, partialErr: 0 });
  });

  test("replication only: no counters either", () => {
    const r = pollResultOf({ info: raw("replica-connecting.txt"), at: T, latencyMs: 1 });
    assert.equal(r.repl.linkStatus, "down");
    assert.equal(r.counters, undefined);
  });

  test("a replica's ROLE gives the link state; the master link is kept for a replica", () => {
    const link = parseMasterLink(clientFixture("replica-master-link.txt"));
    assert.ok(link);
    const r = pollResultOf({ info: raw("replica-connecting.txt"), at: T, latencyMs: 1, role: ["slave", "127.0.0.1", 1, "connect", -1], masterLink: link });
    assert.equal(r.linkState, "connect");
    assert.deepEqual(r.masterLink, link);
    const none = pollResultOf({ info: raw("replica-connecting.txt"), at: T, latencyMs: 1, masterLink: null });
    assert.equal(none.masterLink, null, "null (no link) is kept, unlike undefined (not asked)");
    assert.equal("masterLink" in pollResultOf({ info: raw("replica-connecting.txt"), at: T, latencyMs: 1 }), false);
  });

  test("ROLE replies that are not a replica's carry no link state", () => {
    for (const role of [null, ["master", 0, []], ["slave", "h", 1], "slave", ["slave", "h", 1, 5]]) {
      assert.equal(pollResultOf({ info: raw("replica.txt"), at: T, latencyMs: 1, role }).linkState, undefined, JSON.stringify(role));
    }
  });

  test("a master's CLIENT LIST link is dropped (only a replica has one)", () => {
    const link = parseMasterLink(clientFixture("replica-master-link.txt"));
    assert.equal("masterLink" in pollResultOf({ info: raw("master.txt"), at: T, latencyMs: 1, masterLink: link }), false);
  });

  test("CONFIG is passed through when read on this round", () => {
    const config = { logfile: "/x.log", dir: "/d", disklessSync: true, disklessSyncDelay: 0, replBacklogTtl: 3600, replTimeout: 60, minReplicasToWrite: 0 };
    assert.deepEqual(pollResultOf({ info: raw("promoted.txt"), at: T, latencyMs: 1, config }).config, config);
  });

  test("INFO without a replication section (a Sentinel) is refused as an unexpected reply", () => {
    assert.throws(() => pollResultOf({ info: sectionsOf(raw("master.txt"), ["Server", "Stats"]), at: T, latencyMs: 1 }), UnexpectedReplyError);
    assert.throws(() => pollResultOf({ info: "", at: T, latencyMs: 1 }), /no replication section/);
  });
});
