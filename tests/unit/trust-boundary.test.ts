// Pure parts of the trust boundary for what nodes report (issue 9, finding 2): discovery.allow
// entries and matching, the log path rule, the config fields, and how views show announced
// addresses that are refused or never answer.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { ConfigError, FORGET_AFTER_MS, loadConfig } from "../../lib/config/load";
import { logPathRefusal, resolveLogPath } from "../../lib/logs/log-path";
import { applyPoll, initialState, type PollResult } from "../../lib/monitor/reduce";
import type { NodeState } from "../../lib/monitor/types";
import { buildViews, type PeerPolicy } from "../../lib/monitor/view";
import { createAllowList, parseAllowEntry, type AllowEntry } from "../../lib/redis/allow-list";
import { parseInfo, parseReplication } from "../../lib/redis/info";
import { raw, setFields } from "../support/info-fixtures";

const dir = mkdtempSync(path.join(os.tmpdir(), "trust-unit-"));
after(() => rmSync(dir, { recursive: true, force: true }));

describe("discovery.allow entries", () => {
  test("hosts, IPv4, IPv6 (bracketed or not) and CIDR ranges parse; junk says why", () => {
    assert.deepEqual(parseAllowEntry("10.0.0.5"), { kind: "ip", address: "10.0.0.5", family: "ipv4" });
    assert.deepEqual(parseAllowEntry("[::1]"), { kind: "ip", address: "::1", family: "ipv6" });
    assert.deepEqual(parseAllowEntry("10.0.0.0/8"), { kind: "cidr", network: "10.0.0.0", prefix: 8, family: "ipv4" });
    assert.deepEqual(parseAllowEntry("fd00::/8"), { kind: "cidr", network: "fd00::", prefix: 8, family: "ipv6" });
    assert.deepEqual(parseAllowEntry("Redis-A.Internal."), { kind: "host", name: "redis-a.internal" });
    assert.match(parseAllowEntry("10.0.0.0/33") as string, /prefix length must be 0-32/);
    assert.match(parseAllowEntry("fd00::/129") as string, /prefix length must be 0-128/);
    assert.match(parseAllowEntry("host/8") as string, /needs an IPv4 or IPv6 address/);
    assert.match(parseAllowEntry("a b") as string, /not a host name/);
    assert.match(parseAllowEntry("10.0.0.0/x") as string, /prefix length/);
  });

  test("matching: CIDR v4 and v6, IPv4-mapped IPv6, exact addresses, host names literally", () => {
    const entries = ["10.0.0.0/8", "192.168.1.7", "fd00::/8", "redis-a.internal"].map((e) => parseAllowEntry(e) as AllowEntry);
    const ok = createAllowList(entries);
    for (const host of ["10.1.2.3", "::ffff:10.9.9.9", "192.168.1.7", "fd12::1", "[fd00::5]", "REDIS-A.internal"]) assert.equal(ok(host), true, host);
    for (const host of ["11.0.0.1", "192.168.1.8", "fe80::1", "::1", "127.0.0.1", "redis-b.internal", "redis-a.internal.evil", "fe80::1%eth0"]) {
      assert.equal(ok(host), false, host);
    }
  });
});

describe("log paths a node names", () => {
  const policy = { allow: ["/var/log", "/srv/redis/logs", "/proc", "/data/replscope"], deny: ["/proc", "/sys", "/dev", "/data/replscope"] };

  test("only inside an allowed dir, never /proc, /sys, /dev or replscope's data, even when listed", () => {
    assert.equal(logPathRefusal("/var/log/redis/redis.log", policy), null);
    assert.equal(logPathRefusal("/srv/redis/logs/6379.log", policy), null);
    assert.match(logPathRefusal("/proc/1234/environ", policy)!, /under \/proc, which replscope never reads/);
    assert.match(logPathRefusal("/sys/kernel/notes", { ...policy, allow: ["/"] })!, /under \/sys/);
    assert.match(logPathRefusal("/data/replscope/auth.json", policy)!, /replscope's own data \(\/data\/replscope\)/);
    assert.match(logPathRefusal("/etc/shadow", policy)!, /outside the allowed log directories \(\/var\/log, \/srv\/redis\/logs/);
    // A sibling whose name merely starts like an allowed dir is outside it.
    assert.match(logPathRefusal("/var/logger/x.log", policy)!, /outside/);
    assert.match(logPathRefusal("relative.log", policy)!, /not an absolute path/);
  });

  test("a configured logFile is trusted; paths from CONFIG GET are not, and odd ones are refused", () => {
    const base = { host: "127.0.0.1", configKnown: true };
    assert.deepEqual(resolveLogPath({ ...base, configured: "/etc/redis/r.log", logfile: "/proc/self/environ", dir: "/" }), { path: "/etc/redis/r.log", trusted: true });
    assert.deepEqual(resolveLogPath({ ...base, logfile: "/proc/self/environ", dir: "/" }), { path: "/proc/self/environ", trusted: false });
    assert.deepEqual(resolveLogPath({ ...base, logfile: "auth.json", dir: "/data/replscope/" }), { path: "/data/replscope/auth.json", trusted: false });
    assert.ok("unreadable" in resolveLogPath({ ...base, logfile: `/var/log/${"x".repeat(5000)}`, dir: "/" }));
    assert.ok("unreadable" in resolveLogPath({ ...base, logfile: "/var/log/a\0b", dir: "/" }));
  });
});

describe("config: logDirs, discovery.allow, forgetAfterMs", () => {
  let n = 0;
  const file = (content: unknown) => {
    const f = path.join(dir, `c${n++}.json`);
    writeFileSync(f, JSON.stringify(content));
    return f;
  };

  test("logDirs from the environment, the file and the topology are merged; the data dir, config file and TLS key are private", () => {
    const cfgFile = file({
      logDirs: ["/srv/logs"],
      topologies: [
        { name: "a", seeds: ["redis://10.0.0.1:6379"], logDirs: ["/opt/redis/log/"], tls: { key: "/etc/redis/client.key" }, discovery: { allow: ["10.0.0.0/24", "redis-b"] }, forgetAfterMs: 30_000 },
        { name: "b", seeds: ["redis://10.0.0.2:6379"] },
      ],
    });
    const cfg = loadConfig({ REPLSCOPE_CONFIG: cfgFile, REPLSCOPE_DATA_DIR: "/var/lib/replscope", REPLSCOPE_LOG_DIRS: "/mnt/a:/mnt/b" }, dir);
    const [a, b] = cfg.topologies;
    assert.deepEqual(a?.logDirs, ["/mnt/a", "/mnt/b", "/srv/logs", "/opt/redis/log"]);
    assert.deepEqual(b?.logDirs, ["/mnt/a", "/mnt/b", "/srv/logs"]);
    assert.deepEqual(a?.privatePaths, ["/var/lib/replscope", cfgFile, "/etc/redis/client.key"]);
    assert.equal(a?.discoveryAllow?.length, 2);
    assert.equal(a?.forgetAfterMs, 30_000);
    assert.equal(b?.discoveryAllow, undefined, "no list: every announced node is dialled, like Sentinel");
    assert.equal(b?.forgetAfterMs, FORGET_AFTER_MS);
    assert.equal(FORGET_AFTER_MS, 10 * 60_000);
  });

  test("bad entries are refused naming the field", () => {
    const bad = (content: unknown, env: Record<string, string> = {}) => {
      try {
        loadConfig({ REPLSCOPE_CONFIG: file(content), ...env }, dir);
      } catch (err) {
        assert.ok(err instanceof ConfigError);
        return err.message;
      }
      return assert.fail("accepted");
    };
    const t = { name: "a", seeds: ["redis://10.0.0.1:6379"] };
    assert.match(bad({ topologies: [{ ...t, discovery: { allow: ["10.0.0.0/40"] } }] }), /topologies\.0\.discovery\.allow\.0: .*prefix length/);
    assert.match(bad({ topologies: [{ ...t, discovery: { allow: [] } }] }), /discovery\.allow: list at least one/);
    assert.match(bad({ topologies: [{ ...t, discovery: { deny: ["x"] } }] }), /discovery/);
    assert.match(bad({ logDirs: ["logs"], topologies: [t] }), /logDirs\.0: use an absolute path/);
    assert.match(bad({ topologies: [{ ...t, logDirs: ["/var/log/../../etc"] }] }), /topologies\.0\.logDirs\.0/);
    assert.match(bad({ topologies: [{ ...t, forgetAfterMs: 10 }] }), /forgetAfterMs/);
    assert.match(bad({ topologies: [t] }, { REPLSCOPE_LOG_DIRS: "relative/dir" }), /REPLSCOPE_LOG_DIRS/);
  });
});

describe("views: announced addresses refused or never answering", () => {
  const T0 = 1_795_564_572_000;
  const M = "127.0.0.1:6400";
  const okPoll = (text: string, at = T0): PollResult => ({ ok: true, at, latencyMs: 1, repl: parseReplication(parseInfo(text).replication ?? {}) });
  const state = (id: string, ...polls: PollResult[]): NodeState => {
    const i = id.lastIndexOf(":");
    return polls.reduce(applyPoll, initialState(id, id.slice(0, i), Number(id.slice(i + 1))));
  };
  const refused: PollResult = { ok: false, at: T0, error: "connection refused" };
  const policy = (seeds: string[], allowed: (host: string) => boolean = () => true): PeerPolicy => ({ pinned: (id) => seeds.includes(id), mayDial: (host) => allowed(host) });
  const replicaOf = (host: string, port: number) => setFields(raw("replica.txt"), { master_host: host, master_port: String(port) });

  test("a replica pointing at an address that never answered carries the note; that address is no node", () => {
    const r = state("127.0.0.1:6401", okPoll(replicaOf("127.0.0.1", 1)));
    const dead = state("127.0.0.1:1", refused, refused);
    const views = buildViews([r, dead], undefined, undefined, policy(["127.0.0.1:6401"]));
    assert.deepEqual(views.map((v) => v.id), ["127.0.0.1:6401"]);
    assert.equal(views[0]?.peerNote, "points at 127.0.0.1:1, which does not answer");
  });

  test("not yet tried: no note; answered with an error (auth): a node; seeds: always nodes", () => {
    const r = state("127.0.0.1:6401", okPoll(replicaOf("127.0.0.1", 6400)));
    const pending = state(M);
    assert.equal(buildViews([r, pending], undefined, undefined, policy([]))[0]?.peerNote, null);
    const authFailed = state(M, { ok: false, at: T0, error: "authentication failed: WRONGPASS", answered: true });
    const views = buildViews([r, authFailed], undefined, undefined, policy([]));
    assert.deepEqual(views.map((v) => [v.id, v.status]), [["127.0.0.1:6401", "up"], [M, "down"]]);
    assert.equal(views.find((v) => v.id === "127.0.0.1:6401")?.peerNote, null);
    const seed = state(M, refused);
    assert.deepEqual(buildViews([seed], undefined, undefined, policy([M])).map((v) => v.status), ["down"]);
  });

  test("a master listing replicas outside discovery.allow and silent ones: one bounded note", () => {
    const lines = Array.from({ length: 14 }, (_, i) => `slave${i}:ip=${i < 2 ? "10.9.9.9" : "127.0.0.1"},port=${7000 + i},state=wait_bgsave,offset=0,lag=0`);
    const text = setFields(raw("master.txt"), { connected_slaves: "14" }).replace(/^slave\d+:.*$/gm, "").replace("# Replication", `# Replication\r\n${lines.join("\r\n")}`);
    const m = state(M, okPoll(text));
    const silent = Array.from({ length: 12 }, (_, i) => state(`127.0.0.1:${7002 + i}`, refused));
    const views = buildViews([m, ...silent], undefined, undefined, policy([M], (h) => h.startsWith("127.")));
    assert.deepEqual(views.map((v) => v.id), [M]);
    const note = views[0]?.peerNote ?? "";
    assert.match(note, /^lists replica 10\.9\.9\.9:7000 \(not contacted: outside the allowed addresses\); lists replica 10\.9\.9\.9:7001 \(not contacted: outside the allowed addresses\); lists replica 127\.0\.0\.1:7002, which does not answer; /);
    assert.match(note, /; and 4 more$/);
  });
});
