import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  parseInfo,
  parseKeyspace,
  parseReplicaLine,
  parseReplication,
  parseServerFacts,
  type ReplicationInfo,
} from "../../lib/redis/info";
import { raw, setField } from "../support/info-fixtures";

const repl = (name: string): ReplicationInfo => parseReplication(parseInfo(raw(name)).replication ?? {});

const REPLID = "23ab9a1324da2c40134c1ea1836e6e9d22f46b93";
const NO_REPLID = "0000000000000000000000000000000000000000";
const BACKLOG = { active: true, size: 1048576, firstByteOffset: 1, histlen: 1968 };

/** Replaces the value of one `key:value` line; throws if the fixture has no such line. */

describe("parseInfo on real Redis 7.0.15 INFO", () => {
  test("the fixtures really are CRLF text (so the tests below exercise CRLF handling)", () => {
    assert.ok(raw("master.txt").includes("\r\n"));
  });

  test("splits master.txt into its lower-cased sections, in order, with no default section", () => {
    const s = parseInfo(raw("master.txt"));
    assert.deepEqual(Object.keys(s), [
      "server",
      "clients",
      "memory",
      "persistence",
      "stats",
      "replication",
      "cpu",
      "modules",
      "commandstats",
      "errorstats",
      "latencystats",
      "cluster",
      "keyspace",
    ]);
    assert.deepEqual(s.modules, {});
    assert.deepEqual(s.errorstats, {});
    assert.deepEqual(s.cluster, { cluster_enabled: "0" });
  });

  test("values carry no trailing \\r and empty values stay empty strings", () => {
    const s = parseInfo(raw("master.txt"));
    assert.equal(s.server?.redis_version, "7.0.15");
    assert.equal(s.server?.executable, "/work/main/redis-server");
    assert.equal(s.server?.config_file, "");
    assert.equal(s.keyspace?.db3, "keys=1,expires=0,avg_ttl=0");
    for (const [name, fields] of Object.entries(s)) {
      for (const [k, v] of Object.entries(fields)) {
        assert.ok(!k.includes("\r") && !v.includes("\r"), `${name}.${k} holds a \\r`);
      }
    }
  });

  test("reads every field of a section (replication of master.txt has 13)", () => {
    const s = parseInfo(raw("master.txt"));
    assert.equal(Object.keys(s.replication ?? {}).length, 13);
    assert.equal(s.replication?.slave1, "ip=127.0.0.1,port=37069,state=online,offset=1968,lag=0");
    assert.equal(Object.keys(s.commandstats ?? {}).length, 6);
  });

  test("keeps colons that are part of a value (IPv6 addresses)", () => {
    const text = raw("master.txt").replace(
      "master_failover_state:no-failover\r\n",
      "slave2:ip=::1,port=6390,state=wait_bgsave,offset=0,lag=7\r\nmaster_failover_state:no-failover\r\n",
    );
    const s = parseInfo(text);
    assert.equal(s.replication?.slave2, "ip=::1,port=6390,state=wait_bgsave,offset=0,lag=7");
    const r = parseReplication(s.replication ?? {});
    assert.deepEqual(r.replicas[2], { id: "::1:6390", ip: "::1", port: 6390, state: "wait_bgsave", offset: 0, lagSeconds: 7 });
    const replica = parseInfo(setField(raw("replica.txt"), "master_host", "fe80::1"));
    assert.equal(replica.replication?.master_host, "fe80::1");
  });

  test("puts fields before any header into a default section and skips lines without a key", () => {
    const s = parseInfo("role:master\r\nnot a field\r\n:novalue\r\n# Stats\r\nsync_full:3\r\n");
    assert.deepEqual(s, { default: { role: "master" }, stats: { sync_full: "3" } });
  });

  test("empty input gives no sections", () => {
    assert.deepEqual(parseInfo(""), {});
    assert.deepEqual(parseInfo("\r\n\r\n"), {});
  });

  test("with a selection: only the named sections, only fields with the prefix, the same values", () => {
    const text = raw("chained-replica.txt");
    const all = parseInfo(text);
    const some = parseInfo(text, { replication: "", stats: "sync_" });
    assert.deepEqual(Object.keys(some), ["stats", "replication"]);
    assert.deepEqual(some.replication, all.replication);
    assert.deepEqual(some.stats, { sync_full: all.stats?.sync_full, sync_partial_ok: all.stats?.sync_partial_ok, sync_partial_err: all.stats?.sync_partial_err });
    assert.deepEqual(parseReplication(some.replication ?? {}), parseReplication(all.replication ?? {}));
  });

  test("trims each line's end like String.trimEnd (tabs, spaces, NBSP, no LF at the end), never its start", () => {
    const s = parseInfo("# Server \t\r\n a:1 \t\r\nb:2\u00a0\u2028\r\nc:x:y\u0085\r\nd:\r\n\r\n#  Repl Ication\r\ne:3");
    assert.deepEqual(s, { server: { " a": "1", b: "2", c: "x:y\u0085", d: "" }, "repl ication": { e: "3" } });
  });
});

describe("parseReplication on real Redis 7.0.15 INFO", () => {
  test("master.txt: a master with two online replicas", () => {
    assert.deepEqual(repl("master.txt"), {
      role: "master",
      masterHost: null,
      masterPort: null,
      linkStatus: null,
      lastIoSecondsAgo: null,
      syncInProgress: false,
      syncTotalBytes: null,
      syncReadBytes: null,
      syncLastIoSecondsAgo: null,
      linkDownSinceSeconds: null,
      replOffset: 1968,
      masterReplOffset: 1968,
      priority: null,
      readOnly: null,
      connectedReplicas: 2,
      replicas: [
        { id: "127.0.0.1:45827", ip: "127.0.0.1", port: 45827, state: "online", offset: 1968, lagSeconds: 0 },
        { id: "127.0.0.1:37069", ip: "127.0.0.1", port: 37069, state: "online", offset: 1968, lagSeconds: 0 },
      ],
      failoverState: "no-failover",
      replid: REPLID,
      replid2: NO_REPLID,
      secondReplOffset: -1,
      goodReplicas: null,
      backlog: BACKLOG,
    } satisfies ReplicationInfo);
  });

  test("replica.txt: a read-only replica, link up, with its own chained replica", () => {
    assert.deepEqual(repl("replica.txt"), {
      role: "replica",
      masterHost: "127.0.0.1",
      masterPort: 45347,
      linkStatus: "up",
      lastIoSecondsAgo: 1,
      syncInProgress: false,
      syncTotalBytes: null,
      syncReadBytes: null,
      syncLastIoSecondsAgo: null,
      linkDownSinceSeconds: null,
      replOffset: 1968,
      masterReplOffset: 1968,
      priority: 100,
      readOnly: true,
      connectedReplicas: 1,
      replicas: [{ id: "127.0.0.1:37639", ip: "127.0.0.1", port: 37639, state: "online", offset: 1968, lagSeconds: 1 }],
      failoverState: "no-failover",
      replid: REPLID,
      replid2: NO_REPLID,
      secondReplOffset: -1,
      goodReplicas: null,
      backlog: BACKLOG,
    } satisfies ReplicationInfo);
  });

  test("replica offset is slave_repl_offset, not master_repl_offset", () => {
    const text = setField(raw("replica.txt"), "slave_repl_offset", "1500");
    const r = parseReplication(parseInfo(text).replication ?? {});
    assert.equal(r.replOffset, 1500);
    assert.equal(r.masterReplOffset, 1968);
  });

  test("chained-replica-link-down.txt: link down with its duration in seconds", () => {
    const r = repl("chained-replica-link-down.txt");
    assert.equal(r.role, "replica");
    assert.equal(r.masterHost, "127.0.0.1");
    assert.equal(r.masterPort, 45827);
    assert.equal(r.linkStatus, "down");
    assert.equal(r.linkDownSinceSeconds, 2);
    assert.equal(r.lastIoSecondsAgo, -1);
    assert.equal(r.replOffset, 1968);
    assert.equal(r.readOnly, true);
    assert.equal(r.connectedReplicas, 0);
    assert.deepEqual(r.replicas, []);
  });

  test("chained-replica.txt: the same node with its link up has no link-down duration", () => {
    const r = repl("chained-replica.txt");
    assert.equal(r.linkStatus, "up");
    assert.equal(r.linkDownSinceSeconds, null);
    assert.equal(r.masterPort, 45827);
  });

  test("replica-connecting.txt: pointed at an unreachable master", () => {
    const r = repl("replica-connecting.txt");
    assert.equal(r.role, "replica");
    assert.equal(r.masterHost, "127.0.0.1");
    assert.equal(r.masterPort, 1);
    assert.equal(r.linkStatus, "down");
    assert.equal(r.linkDownSinceSeconds, 1);
    assert.equal(r.syncInProgress, false);
    assert.equal(r.lastIoSecondsAgo, -1);
  });

  test("a replica in the middle of a full sync", () => {
    let text = setField(raw("replica.txt"), "master_sync_in_progress", "1");
    text = text.replace("slave_read_repl_offset:1968\r\n", "master_sync_total_bytes:4096\r\nmaster_sync_read_bytes:1024\r\nmaster_sync_last_io_seconds_ago:0\r\nslave_read_repl_offset:1968\r\n");
    const r = parseReplication(parseInfo(text).replication ?? {});
    assert.equal(r.syncInProgress, true);
    assert.equal(r.syncTotalBytes, 4096);
    assert.equal(r.syncReadBytes, 1024);
    assert.equal(r.syncLastIoSecondsAgo, 0);
  });

  test("promoted.txt: a former replica now master, with replid2 and second_repl_offset", () => {
    const r = repl("promoted.txt");
    assert.equal(r.role, "master");
    assert.equal(r.masterHost, null);
    assert.equal(r.masterPort, null);
    assert.equal(r.linkStatus, null);
    assert.equal(r.replid, "fc81436809707bad5eae22eedb7c0dff63879f2b");
    assert.equal(r.replid2, REPLID);
    assert.equal(r.secondReplOffset, 1969);
    assert.equal(r.replOffset, 1968);
    assert.equal(r.readOnly, null);
    assert.equal(r.connectedReplicas, 0);
    assert.deepEqual(r.replicas, []);
  });

  test("master-one-replica-gone.txt: only the remaining replica is listed", () => {
    const r = repl("master-one-replica-gone.txt");
    assert.equal(r.connectedReplicas, 1);
    assert.deepEqual(r.replicas.map((l) => l.id), ["127.0.0.1:37069"]);
  });

  test("accepts Redis's newer 'replica' spellings as well as 'slave'", () => {
    const r = parseReplication({
      role: "replica",
      master_host: "10.0.0.1",
      master_port: "6379",
      master_link_status: "up",
      replica_priority: "5",
      replica0: "ip=10.0.0.9,port=6380,state=online,offset=10,lag=0",
    });
    assert.equal(r.role, "replica");
    assert.equal(r.priority, 5);
    assert.deepEqual(r.replicas.map((l) => l.id), ["10.0.0.9:6380"]);
    assert.equal(r.connectedReplicas, 1);
  });

  test("a writable replica reads as readOnly false", () => {
    assert.equal(parseReplication(parseInfo(setField(raw("replica.txt"), "slave_read_only", "0")).replication ?? {}).readOnly, false);
  });
});

describe("parseReplicaLine", () => {
  test("rejects a line without ip or a numeric port", () => {
    assert.equal(parseReplicaLine("port=6380,state=online"), null);
    assert.equal(parseReplicaLine("ip=127.0.0.1,port=x,state=online"), null);
  });

  test("missing lag and offset become null and 0", () => {
    assert.deepEqual(parseReplicaLine("ip=127.0.0.1,port=6380,state=wait_bgsave"), {
      id: "127.0.0.1:6380",
      ip: "127.0.0.1",
      port: 6380,
      state: "wait_bgsave",
      offset: 0,
      lagSeconds: null,
    });
  });
});

describe("parseKeyspace and parseServerFacts on real INFO", () => {
  test("master.txt keyspace: db0 and db3", () => {
    assert.deepEqual(parseKeyspace(parseInfo(raw("master.txt")).keyspace), [
      { db: 0, keys: 250, expires: 0 },
      { db: 3, keys: 1, expires: 0 },
    ]);
  });

  test("keyspace is sorted by db number, numerically", () => {
    assert.deepEqual(
      parseKeyspace({ db10: "keys=5,expires=1,avg_ttl=0", db2: "keys=7,expires=0,avg_ttl=0", other: "x" }).map((d) => d.db),
      [2, 10],
    );
    assert.deepEqual(parseKeyspace(undefined), []);
  });

  test("master.txt server facts", () => {
    assert.deepEqual(parseServerFacts(parseInfo(raw("master.txt"))), {
      runId: "cccaa33ba8738393ad1605a085943024af694383",
      version: "7.0.15",
      uptimeSeconds: 4,
      mode: "standalone",
      opsPerSec: 34,
      usedMemory: 1160536,
      maxMemory: 0,
      connectedClients: 1,
      keyspace: [
        { db: 0, keys: 250, expires: 0 },
        { db: 3, keys: 1, expires: 0 },
      ],
      syncFull: 2,
      syncPartialOk: 0,
      syncPartialErr: 0,
      rdbBgsaveInProgress: false,
      loading: false,
    });
  });

  test("replica.txt server facts: its own run_id and one full sync served", () => {
    const f = parseServerFacts(parseInfo(raw("replica.txt")));
    assert.equal(f.runId, "c1d4c76859cb7a77f948655a616715f6381974af");
    assert.equal(f.opsPerSec, 33);
    assert.equal(f.usedMemory, 1140224);
    assert.equal(f.connectedClients, 2);
    assert.equal(f.syncFull, 1);
  });

  test("replication-only INFO (promoted.txt) yields unknown facts, not zeros", () => {
    const f = parseServerFacts(parseInfo(raw("promoted.txt")));
    assert.equal(f.runId, null);
    assert.equal(f.version, null);
    assert.equal(f.opsPerSec, null);
    assert.equal(f.usedMemory, null);
    assert.equal(f.syncFull, null);
    assert.deepEqual(f.keyspace, []);
  });

  test("a bgsave in progress and loading are read as booleans", () => {
    let text = setField(raw("master.txt"), "rdb_bgsave_in_progress", "1");
    text = setField(text, "loading", "1");
    const f = parseServerFacts(parseInfo(text));
    assert.equal(f.rdbBgsaveInProgress, true);
    assert.equal(f.loading, true);
  });
});
