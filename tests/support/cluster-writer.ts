// The tests' own cluster writer, independent of replscope's canary: every 10 ms an HSET of the next
// sequence number to the node that serves the key's slot, on its own connection per node. Who
// serves the slot comes from CLUSTER NODES read from an observer node every 100 ms, and again at
// once when a write is answered MOVED. A write counts as acknowledged when its reply comes, however
// late (a frozen master acks the writes it queued when it wakes).
import Redis from "ioredis";
import { keySlot } from "../../lib/cluster/slot";
import type { LocalRedis } from "../../lib/redis/local-server";
import { waitFor } from "./wait";

export interface ClusterTestWrite {
  seq: number;
  node: string | null;
  sentAt: number;
  ok: boolean | null;
}

export interface ClusterTestWriter {
  key: string;
  writes: ClusterTestWrite[];
  stop(): Promise<void>;
  /** Acknowledged sequence numbers missing from `present`. */
  lost(present: Set<number>): number[];
}

function ownerFromNodes(text: string, slot: number): string | null {
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f.length < 9 || !f[2]!.split(",").includes("master")) continue;
    for (const s of f.slice(8)) {
      const m = /^(\d+)(?:-(\d+))?$/.exec(s);
      if (m && Number(m[1]) <= slot && slot <= Number(m[2] ?? m[1])) return f[1]!.split("@")[0]!;
    }
  }
  return null;
}

export function startClusterWriter(nodes: LocalRedis[], observer: LocalRedis, key: string): ClusterTestWriter {
  const slot = keySlot(key);
  const conns = new Map(nodes.map((n) => [n.id, new Redis({ host: n.host, port: n.port, maxRetriesPerRequest: 0, enableOfflineQueue: false, commandTimeout: 30_000 })]));
  for (const c of conns.values()) c.on("error", () => undefined);
  const obs = new Redis({ host: observer.host, port: observer.port, maxRetriesPerRequest: 0, commandTimeout: 1000 });
  obs.on("error", () => undefined);
  const writes: ClusterTestWrite[] = [];
  let owner: string | null = null;
  let stopped = false;
  const reread = async () => {
    try {
      owner = ownerFromNodes((await obs.call("CLUSTER", "NODES")) as string, slot);
    } catch {
      /* keep the last owner */
    }
  };
  const reader = (async () => {
    while (!stopped) {
      await reread();
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const writer = (async () => {
    while (!stopped && owner === null) await new Promise((r) => setTimeout(r, 5));
    let seq = 0;
    while (!stopped) {
      const w: ClusterTestWrite = { seq: ++seq, node: owner, sentAt: Date.now(), ok: null };
      writes.push(w);
      const c = owner ? conns.get(owner) : undefined;
      if (!c) w.ok = false;
      else
        c.hset(key, String(w.seq), "1").then(
          () => (w.ok = true),
          (e: unknown) => {
            w.ok = false;
            if (/MOVED/.test(String((e as Error)?.message))) void reread();
          },
        );
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  return {
    key,
    writes,
    async stop() {
      stopped = true;
      await Promise.all([reader, writer]);
      await waitFor("the test writer's writes answered", () => writes.filter((w) => w.ok === null).length, (n) => n === 0, 40_000, 50);
      for (const c of conns.values()) c.disconnect();
      obs.disconnect();
    },
    lost(present) {
      return writes.filter((w) => w.ok === true && !present.has(w.seq)).map((w) => w.seq);
    },
  };
}
