// The tests' own canary writer, independent of replscope's: every 10 ms it writes to whichever node
// answered ROLE = master most recently (ROLE asked every 10 ms), and records failures and acks.
import Redis from "ioredis";
import type { LocalRedis } from "../../lib/redis/local-server";
import { waitFor } from "./wait";

export interface TestWrite {
  seq: number;
  sentAt: number;
  ok: boolean | null;
}

export function startTestCanary(nodes: LocalRedis[], key: string): { writes: TestWrite[]; stop(): Promise<void>; outageMs(): number | null } {
  const conns = new Map(nodes.map((n) => [n.id, new Redis({ port: n.port, host: n.host, maxRetriesPerRequest: 0, commandTimeout: 1000, enableOfflineQueue: false, lazyConnect: false })]));
  for (const c of conns.values()) c.on("error", () => undefined);
  const writes: TestWrite[] = [];
  let master: string | null = null;
  let stopped = false;
  const roles = (async () => {
    while (!stopped) {
      await Promise.all(
        [...conns].map(async ([id, c]) => {
          try {
            const role = (await c.call("ROLE")) as unknown[];
            if (role[0] === "master" && (await c.call("INFO", "replication") as string).includes("connected_slaves:") ) {
              const info = (await c.call("INFO", "replication")) as string;
              const followers = Number(/connected_slaves:(\d+)/.exec(info)?.[1] ?? 0);
              if (followers > 0 || master === null) master = id;
            }
          } catch {
            /* node busy or paused */
          }
        }),
      );
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  const writer = (async () => {
    // Only from the moment a master is known: a write with nowhere to go before that is not an outage.
    while (!stopped && master === null) await new Promise((r) => setTimeout(r, 5));
    let seq = 0;
    while (!stopped) {
      const w: TestWrite = { seq: ++seq, sentAt: Date.now(), ok: null };
      writes.push(w);
      const c = master ? conns.get(master) : undefined;
      if (!c) w.ok = false;
      else
        c.hset(key, String(w.seq), "1").then(
          () => (w.ok = w.ok ?? true),
          () => (w.ok = false),
        );
      const t = setTimeout(() => (w.ok = w.ok ?? false), 1000);
      t.unref();
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  return {
    writes,
    async stop() {
      stopped = true;
      await Promise.all([roles, writer]);
      // Every write settles by its reply or by its 1 s timer: outageMs() reads the final outcome.
      await waitFor("the test canary's writes settled", () => writes.filter((w) => w.ok === null).length, (n) => n === 0, 5000, 20);
      for (const c of conns.values()) c.disconnect();
    },
    outageMs() {
      const first = writes.find((w) => w.ok === false);
      if (!first) return null;
      const back = writes.find((w) => w.sentAt > first.sentAt && w.ok === true);
      return back ? back.sentAt - first.sentAt : null;
    },
  };
}
