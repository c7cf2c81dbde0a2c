// Demo fluentd output in Redis, in the layouts of the two common plugins, written continuously:
//  - fluent-plugin-redis: hashes "<tag>.<unix time>.<index>", one field per record field;
//  - fluent-plugin-redis-store: a zset of JSON records scored by event time, a list of JSON
//    records, and a string with the latest record.
// Everything is bounded (TTL on hashes, trimmed zset/list) so a long demo does not fill memory.
import { fixedTarget, writeTo, type WriteTarget } from "./master-follower";

const PATHS = ["/", "/login", "/api/orders", "/api/users/42", "/static/app.js", "/health"];
const METHODS = ["GET", "GET", "GET", "POST", "PUT"];
const HOSTS = ["web-1", "web-2", "web-3"];

/** A port writes to that node only; a WriteTarget (the demo's master follower) follows the master. */
export function startFluentdWriter(target: number | WriteTarget): () => Promise<void> {
  const to = typeof target === "number" ? fixedTarget(target) : target;
  let stopped = false;
  let n = 0;
  const indexInSecond = new Map<string, number>();
  const loop = async () => {
    while (!stopped) {
      const started = Date.now();
      const now = Date.now() / 1000;
      const sec = Math.floor(now);
      await writeTo(to, (p) => {
        // Like a buffer chunk flush: a few events per tag share one second and get 0, 1, 2… as index.
        for (let i = 0; i < 3; i++) {
          const tag = n % 10 === 0 && i === 0 ? "app.error" : "app.access";
          const slot = `${tag}.${sec}`;
          const index = indexInSecond.get(slot) ?? 0;
          indexInSecond.set(slot, index + 1);
          const status = tag === "app.error" ? "500" : n % 7 === 0 ? "404" : "200";
          const key = `${tag}.${sec}.${index}`;
          p.hset(key, { host: HOSTS[n % HOSTS.length] ?? "web-1", method: METHODS[n % METHODS.length] ?? "GET", path: PATHS[(n + i) % PATHS.length] ?? "/", status, duration_ms: String(3 + ((n * 7 + i * 13) % 250)) });
          p.expire(key, 3600);
        }
        const event = { level: n % 10 === 0 ? "warn" : "info", message: `job ${n} processed`, worker: `w${n % 4}`, seq: n };
        p.zadd("fluentd.app.events", now.toFixed(3), JSON.stringify(event));
        p.zremrangebyrank("fluentd.app.events", 0, -5001);
        if (n % 4 === 0) {
          p.rpush("fluentd.app.audit", JSON.stringify({ time: sec, user: `user${n % 9}`, action: n % 8 === 0 ? "delete" : "update", seq: n }));
          p.ltrim("fluentd.app.audit", -1000, -1);
        }
        p.set("fluentd.app.heartbeat", JSON.stringify({ time: sec, host: "collector-1", buffered: n % 50 }));
      });
      n++;
      if (indexInSecond.size > 64) indexInSecond.clear(); // only the current second matters
      await new Promise((res) => setTimeout(res, Math.max(0, 250 - (Date.now() - started))));
    }
  };
  const done = loop();
  return async () => {
    stopped = true;
    await done;
    if (typeof target === "number") to.close();
  };
}
