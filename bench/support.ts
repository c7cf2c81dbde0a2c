// Shared pieces for the benchmarks: argument parsing, percentiles, process CPU/RSS from /proc.
import { existsSync, readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import os from "node:os";
import { startRedis, type LocalRedis } from "../lib/redis/local-server";
import path from "node:path";

export function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

export function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx]!;
}

const CLK_TCK = 100;

/** utime+stime of a process in seconds, from /proc (Linux). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) * 1024 : NaN;
}

export function machine(): string {
  const load = os.loadavg().map((l) => l.toFixed(2)).join(" ");
  return `${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), load avg ${load}, node ${process.version}`;
}

/** The benchmarks run the production server; build once if there is no build yet. */
export function ensureBuild(root: string): void {
  if (existsSync(path.join(root, ".next", "BUILD_ID"))) return;
  console.log("no production build yet: running `next build` once…");
  execFileSync("npx", ["next", "build"], { cwd: root, stdio: "inherit" });
}

/** A master, up to 9 direct replicas and the rest chained under those: a tree with depth. */
export async function startTree(n: number): Promise<{ servers: LocalRedis[]; parentOf: Map<string, LocalRedis> }> {
  const args = ["--repl-diskless-sync-delay", "0", "--save", ""];
  const servers: LocalRedis[] = [];
  const parentOf = new Map<string, LocalRedis>();
  const master = await startRedis({ args });
  servers.push(master);
  // Up to 9 direct replicas; the rest chained under them, so the tree has depth.
  const direct: LocalRedis[] = [];
  const pending: Promise<void>[] = [];
  for (let i = 1; i < n; i++) {
    const parent = i <= 9 ? master : direct[(i - 10) % direct.length]!;
    if (i === 10) await Promise.all(pending.splice(0));
    const p = startRedis({ args, replicaOf: { host: parent.host, port: parent.port } }).then((s) => {
      servers.push(s);
      parentOf.set(s.id, parent);
      if (parent === master) direct.push(s);
    });
    pending.push(p);
    if (pending.length >= 8) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  return { servers, parentOf };
}
