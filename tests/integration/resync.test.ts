// "From what point does a replica sync?" against real servers: a new replica (FULL, new replica,
// progress, keys loaded), a cut link inside the backlog (PARTIAL), a replica that fell out of a small
// backlog (FULL, lack of backlog), and siblings re-pointed after a promotion (PARTIAL via the second ID).
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startRedis, stopAll, type LocalRedis } from "../../lib/redis/local-server";
import { morePolls, resyncOf, watchMonitor, type Watched } from "../support/resync";
import { cli, FAST_SYNC } from "../support/topology";
import { waitFor } from "../support/wait";

const servers: LocalRedis[] = [];
after(async () => {
  await stopAll(servers);
});

const monitorOf = (seed: LocalRedis): Watched => watchMonitor([seed]);

async function fill(port: number, keys: number): Promise<void> {
  // One Lua call writes the keys server-side: fast and exact.
  await cli(port, "EVAL", `for i=1,${keys} do redis.call('SET','key:'..i,string.rep('x',100)) end return 1`, "0");
}

describe("resync kind and reason", () => {
  test("a new replica attached to a master with data: FULL, new replica, progress and keys loaded", async () => {
    // Disk-based sync slowed per key so the sync lasts long enough to watch its progress.
    const master = await startRedis({ args: ["--repl-diskless-sync", "no", "--rdb-key-save-delay", "100"] });
    servers.push(master);
    await fill(master.port, 20_000);
    const { m, events, views } = monitorOf(master);
    try {
      await waitFor("master up", () => m.views(), (v) => v.some((n) => n.id === master.id && n.status === "up"));
      const replica = await startRedis({ args: FAST_SYNC });
      servers.push(replica);
      await cli(replica.port, "REPLICAOF", master.host, String(master.port));
      const ev = await waitFor("resync event", () => resyncOf(events, replica.id), (e) => e !== undefined, 30_000);
      assert.equal(ev!.kind, "sync:full-resync");
      assert.equal(ev!.data?.reason, "new-replica");
      assert.equal(ev!.data?.keysLoaded, 20_000, `keys loaded from the replica's log: ${ev!.text}`);
      assert.equal(ev!.data?.source, "log");
      const syncing = views.flat().filter((v) => v.id === replica.id && v.syncInProgress);
      assert.ok(syncing.length > 0, "the sync was seen in progress");
      const finalView = m.views().find((v) => v.id === replica.id)!;
      assert.equal(finalView.lastResyncKind, "full");
      assert.equal(finalView.canPartialResync, true, "once online, a dropped link would resync partially");
    } finally {
      m.stop();
    }
  });

  test("link cut inside the backlog: PARTIAL; fell out of a small backlog: FULL, lack of backlog", async () => {
    const master = await startRedis({ args: [...FAST_SYNC, "--repl-backlog-size", "16384"] });
    const replica = await startRedis({ args: FAST_SYNC, replicaOf: { host: master.host, port: master.port } });
    servers.push(master, replica);
    await fill(master.port, 100);
    const w = monitorOf(master);
    const { m, events } = w;
    try {
      await waitFor("replica online", () => m.views().find((v) => v.id === replica.id), (v) => v?.linkStatus === "up" && !v.resyncing, 10_000);
      // Settled before the cut: both nodes polled a few more times with the link up.
      await morePolls(w, [master.id, replica.id], 5);
      const before = events.length;
      await cli(master.port, "CLIENT", "KILL", "TYPE", "replica");
      const partial = await waitFor("partial resync", () => resyncOf(events.slice(before), replica.id), (e) => e !== undefined, 15_000);
      assert.equal(partial!.kind, "sync:partial-resync", partial!.text);
      assert.equal(m.views().find((v) => v.id === replica.id)?.lastResyncKind, "partial");

      // Freeze the replica, write more than the backlog holds, cut the link, thaw.
      const mark = events.length;
      replica.signal("SIGSTOP");
      await waitFor("replica seen down", () => m.views().find((v) => v.id === replica.id), (v) => v?.status === "down", 5000);
      // Far more than the 16 KB backlog, and more than the kernel's socket buffers hold: otherwise
      // the thawed replica would still read most of the stream from its socket and catch up.
      await cli(master.port, "EVAL", "for i=1,2000 do redis.call('SET','big:'..i,string.rep('y',10000)) end return 1", "0");
      await cli(master.port, "CLIENT", "KILL", "TYPE", "replica");
      replica.signal("SIGCONT");
      const full = await waitFor("full resync", () => resyncOf(events.slice(mark), replica.id), (e) => e !== undefined, 20_000);
      assert.equal(full!.kind, "sync:full-resync", full!.text);
      assert.equal(full!.data?.reason, "lack-of-backlog", full!.text);
      assert.match(full!.text, /fell out of the backlog/);
    } finally {
      replica.signal("SIGCONT");
      m.stop();
    }
  });

  test("after a promotion, a sibling re-pointed to the new master resyncs PARTIAL via the second ID", async () => {
    const master = await startRedis({ args: FAST_SYNC });
    servers.push(master);
    await fill(master.port, 1000);
    const a = await startRedis({ args: FAST_SYNC, replicaOf: { host: master.host, port: master.port } });
    const b = await startRedis({ args: FAST_SYNC, replicaOf: { host: master.host, port: master.port } });
    servers.push(a, b);
    const { m, events } = monitorOf(master);
    try {
      await waitFor("both online", () => m.views(), (vs) => [a, b].every((r) => vs.find((v) => v.id === r.id)?.linkStatus === "up" && !vs.find((v) => v.id === r.id)?.resyncing), 10_000);
      await waitFor("offsets equal", async () => [await cli(a.port, "INFO", "replication"), await cli(b.port, "INFO", "replication")], ([x, y]) => /slave_repl_offset:(\d+)/.exec(x!)?.[1] === /slave_repl_offset:(\d+)/.exec(y!)?.[1]);
      const mark = events.length;
      await cli(a.port, "REPLICAOF", "NO", "ONE");
      await cli(b.port, "REPLICAOF", a.host, String(a.port));
      const ev = await waitFor("b resync", () => resyncOf(events.slice(mark), b.id), (e) => e !== undefined, 15_000);
      assert.equal(ev!.kind, "sync:partial-resync", ev!.text);
      assert.equal(ev!.data?.master, a.id);
    } finally {
      m.stop();
    }
  });
});
