// A master that Sentinel knows by an IPv6 address is reached. Sentinel replies "::1"; the address
// used to be formatted "[::1]:port" and split back into host "[::1]", which no resolver knows
// (ENOTFOUND): the node stayed down forever. Loopback only: the master binds 127.0.0.1 and ::1.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { buildTopologyMonitor } from "../../lib/monitor/build";
import type { TopologyMonitor } from "../../lib/monitor/topology-monitor";
import { startRedis, type LocalRedis } from "../../lib/redis/local-server";
import { startSentinels, type Sentinels } from "../support/sentinel";
import { cli, testConfig } from "../support/topology";
import { waitFor } from "../support/wait";

let master: LocalRedis | undefined;
let sent: Sentinels | undefined;
let m: TopologyMonitor | undefined;

before(async () => {
  master = await startRedis({ args: ["--bind", "127.0.0.1", "::1"] });
  sent = await startSentinels({ host: "::1", port: master.port }, { count: 1, quorum: 1 });
});
after(async () => {
  m?.stop();
  await sent?.stop();
  await master?.stop();
});

test("a master Sentinel reports at ::1 is polled and up under the id ::1:port", async () => {
  const sentinel = sent!.sentinels[0]!;
  const reply = await cli(sentinel.port, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", sent!.name);
  assert.equal(reply.split("\n")[0], "::1", "Sentinel itself names the master by its IPv6 address");
  // No seeds: the only way to the master is the address Sentinel gives.
  m = buildTopologyMonitor(testConfig([], { sentinels: [{ host: sentinel.host, port: sentinel.port, tls: false }], sentinelMaster: sent!.name }));
  m.start();
  const id = `::1:${master!.port}`;
  const view = await waitFor(`${id} up`, () => m!.views().find((v) => v.id === id), (v) => v?.status === "up", 15_000);
  assert.equal(view?.host, "::1");
  assert.equal(view?.role, "master");
  assert.ok(!m.views().some((v) => v.host.includes("[")), "no node is dialled by a bracketed host");
});
