import Redis from "ioredis";
import { readFingerprints } from "./lib/compare/read-fingerprint";
(async () => {
  const r = new Redis({ port: 17411 });
  await r.ping();
  const mu = () => process.memoryUsage();
  for (const k of ["bigstr", "h2m", "x1m"]) {
    const base = mu();
    let max = { rss: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
    const tick = () => { const m = mu(); max = { rss: Math.max(max.rss, m.rss), heapUsed: Math.max(max.heapUsed, m.heapUsed), external: Math.max(max.external, m.external), arrayBuffers: Math.max(max.arrayBuffers, m.arrayBuffers) }; };
    const t = setInterval(tick, 20);
    const t0 = Date.now();
    await readFingerprints(r, [Buffer.from(k)], { db: 0, maxElements: 3_000_000, maxStringBytes: 200 * 1024 * 1024 });
    clearInterval(t); tick();
    const f = (n: number) => (n / 1048576).toFixed(0);
    console.log(k, Date.now() - t0, "ms", "rss", f(base.rss), "->", f(max.rss), "heap", f(base.heapUsed), "->", f(max.heapUsed), "ext", f(base.external), "->", f(max.external), "ab", f(base.arrayBuffers), "->", f(max.arrayBuffers));
  }
  r.disconnect();
})();
