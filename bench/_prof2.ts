import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Redis from "ioredis";
import { freePort, startRedis, stopAll } from "../lib/redis/local-server";
import { SERVER_OUT_DIR, percentile } from "./support";
import { load } from "./keys";
const token = "bench-token-0123456789abcdef";
async function main() {
  const s = await startRedis({ args: ["--save", "", "--appendonly", "no"] });
  const r = new Redis({ port: s.port, host: "127.0.0.1" });
  await load(r, Number(process.env.N ?? 1_000_000));
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), "prof-"));
  const child = spawn(process.execPath, [path.join(SERVER_OUT_DIR, "server.js")], { cwd: path.resolve(__dirname, ".."), env: { ...process.env, NODE_ENV: "production", PORT: String(port), REPLSCOPE_DATA_DIR: dataDir, REPLSCOPE_PASSWORD: "bench-password", REPLSCOPE_API_TOKEN: token, REPLSCOPE_SEEDS: `redis://127.0.0.1:${s.port}`, REPLSCOPE_CONFIG: "" }, stdio: ["ignore", "ignore", "inherit"] });
  const url = `http://127.0.0.1:${port}`;
  const get = async (p: string) => { const res = await fetch(url + p, { headers: { authorization: `Bearer ${token}` } }); const b = await res.text(); if (!res.ok) throw new Error(b); return b; };
  for (let i = 0; ; i++) { try { const b = JSON.parse(await get("/api/topology")); if (b.topologies[0]?.nodes.some((x: { status: string }) => x.status === "up")) break; } catch {} await new Promise((r) => setTimeout(r, 100)); }
  const node = `/api/nodes/${encodeURIComponent(s.id)}`;
  const time = async (label: string, p: string, n = 40) => { const ts: number[] = []; let bytes = 0; for (let i = 0; i < n; i++) { const t = performance.now(); bytes = (await get(p)).length; ts.push(performance.now() - t); } console.log(label.padEnd(28), "p50", percentile(ts, 50).toFixed(2), "p95", percentile(ts, 95).toFixed(2), "bytes", bytes); };
  for (let k = 0; k < 2; k++) {
    await time("health", "/api/health");
    await time("auth/me", "/api/auth/me");
    await time("keys literal", `${node}/keys?match=user:42`);
    await time("keys count=1", `${node}/keys?count=1`);
    await time("keys count=200", `${node}/keys?count=200`);
    await time("keys count=1000", `${node}/keys?count=1000`);
    await time("keys user:* 1000", `${node}/keys?count=1000&match=user:*`);
    await time("tree step", `${node}/keys/tree`, 20);
  }
  child.kill("SIGTERM"); r.disconnect(); await stopAll([s]); rmSync(dataDir, { recursive: true, force: true });
}
main();
