// The backlog-coverage check of bench:poll: a master (100 MB backlog) and a replica under ~2,000
// SET/s, the production dashboard watching them. Each sample reads the dashboard's
// canPartialResync, then Redis's own answer the way Redis decides it (the replica's INFO first,
// then the master's, replayed through PSYNC's rules), and counts how often they agree.
import Redis from "ioredis";
import { parseInfo, parseReplication } from "../lib/redis/info";
import { positionOf, predictPsync } from "../lib/monitor/sync";
import { startRedis, stopAll } from "../lib/redis/local-server";
import { BENCH_TOKEN, startDashboard } from "./support";

export async function coverageAgreement(root: string, samples: number): Promise<{ samples: number; matched: number; flips: number; writesPerSec: number }> {
  const args = ["--repl-diskless-sync-delay", "0", "--repl-backlog-size", "100mb", "--save", ""];
  const master = await startRedis({ args });
  const replica = await startRedis({ args, replicaOf: { host: master.host, port: master.port } });
  const m = new Redis({ port: master.port, host: "127.0.0.1" });
  const r = new Redis({ port: replica.port, host: "127.0.0.1" });
  const w = new Redis({ port: master.port, host: "127.0.0.1" });
  let writing = true;
  let writes = 0;
  const writer = (async () => {
    while (writing) {
      const started = Date.now();
      const p = w.pipeline();
      for (let i = 0; i < 100; i++) p.set(`cov:${writes++ % 10_000}`, "v".repeat(100));
      await p.exec();
      await new Promise((res) => setTimeout(res, Math.max(0, 50 - (Date.now() - started))));
    }
  })();
  const dash = await startDashboard(root, master.port, 2);
  const t0 = Date.now();
  let matched = 0;
  let flips = 0;
  let prev: boolean | null = null;
  let writesPerSec = 0;
  try {
    for (let i = 0; i < samples; i++) {
      const res = await fetch(`${dash.url}/api/topology`, { headers: { authorization: `Bearer ${BENCH_TOKEN}` } });
      const body = (await res.json()) as { topologies: { nodes: { id: string; canPartialResync: boolean | null }[] }[] };
      const ours = body.topologies[0]?.nodes.find((n) => n.id === replica.id)?.canPartialResync ?? null;
      const rInfo = parseReplication(parseInfo(await r.info("replication")).replication ?? {});
      const mInfo = parseReplication(parseInfo(await m.info("replication")).replication ?? {});
      const redis = predictPsync(positionOf(rInfo), mInfo).kind === "partial";
      if (ours === redis) matched++;
      if (prev !== null && ours !== prev) flips++;
      prev = ours;
      await new Promise((res) => setTimeout(res, 100));
    }
  } finally {
    writing = false;
    await writer;
    writesPerSec = writes / ((Date.now() - t0) / 1000);
    dash.stop();
    for (const c of [m, r, w]) c.disconnect();
    await stopAll([master, replica]);
  }
  return { samples, matched, flips, writesPerSec };
}
