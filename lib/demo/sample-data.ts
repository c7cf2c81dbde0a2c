// Sample data of every Redis type, and a light, steady write load so replication lag is visible.
import Redis from "ioredis";
import { fixedTarget, writeTo, type WriteTarget } from "./master-follower";

export async function writeSampleData(port: number): Promise<void> {
  const r = new Redis({ port, host: "127.0.0.1", lazyConnect: true });
  await r.connect();
  const p = r.pipeline();
  for (let i = 0; i < 500; i++) p.set(`user:${i}:name`, `user-${i}`);
  for (let i = 0; i < 50; i++) p.set(`session:${i}`, JSON.stringify({ user: i, at: Date.now() }), "EX", 3600 + i);
  p.hset("config:app", { theme: "dark", retries: "3", timeout_ms: "1500" });
  for (let i = 0; i < 20; i++) p.hset(`order:${i}`, { id: String(i), total: (i * 9.5).toFixed(2), status: i % 3 ? "paid" : "open" });
  p.rpush("queue:jobs", ...Array.from({ length: 40 }, (_, i) => `job-${i}`));
  p.sadd("tags", "redis", "replication", "failover", "sentinel", "backup");
  p.zadd("leaderboard", ...Array.from({ length: 30 }, (_, i) => [String(i * 10), `player-${i}`]).flat());
  for (let i = 0; i < 20; i++) p.xadd("events:stream", "*", "type", i % 2 ? "click" : "view", "n", String(i));
  p.set(Buffer.from([0x62, 0x69, 0x6e, 0x3a, 0xff, 0xfe]), Buffer.from([0, 1, 2, 0xff]));
  p.select(1);
  p.set("db1:greeting", "hello from db 1");
  p.select(0);
  await p.exec();
  r.disconnect();
}

/**
 * Writes a few keys every 100 ms until stopped. Returns the stop function. A port writes to that node
 * only; a WriteTarget (the demo's master follower) follows the master when it moves.
 */
export function startWriteLoad(target: number | WriteTarget, everyMs = 100): () => Promise<void> {
  const to = typeof target === "number" ? fixedTarget(target) : target;
  let stopped = false;
  let n = 0;
  const loop = async () => {
    while (!stopped) {
      const started = Date.now();
      const ok = await writeTo(to, (p) =>
        p
          .incr("counter:writes")
          .set(`load:${n % 1000}`, "x".repeat(64 + (n % 200)))
          .xadd("events:stream", "MAXLEN", "~", "1000", "*", "type", "tick", "n", String(n)),
      );
      if (ok) n++;
      await new Promise((res) => setTimeout(res, Math.max(0, everyMs - (Date.now() - started))));
    }
  };
  const done = loop();
  return async () => {
    stopped = true;
    await done;
    if (typeof target === "number") to.close();
  };
}
