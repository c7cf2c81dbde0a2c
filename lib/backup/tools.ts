// Spawning redis-cli and redis-check-rdb: argv and environment built by pure functions (so a unit
// test can see that a password never reaches argv), one runner with a timeout and bounded output.
import { spawn } from "node:child_process";
import type { TlsSettings } from "../redis/connection";

export interface ToolCommand {
  command: string;
  args: string[];
  /** Added to a scrubbed environment (secrets live here, never in args). */
  env: Record<string, string>;
}

export interface RdbFetchTarget {
  host: string;
  port: number;
  username?: string;
  password?: string;
  tls?: TlsSettings | true;
}

/**
 * `redis-cli --rdb <file>`: the node forks and streams an RDB as it would to a replica. The
 * password goes in REDISCLI_AUTH (redis-cli reads it from there), never on the command line.
 * redis-cli announces no address of its own (it sends no REPLCONF listening-port or ip-address):
 * it only dials the node the monitor already knows.
 */
export function redisCliRdbCommand(t: RdbFetchTarget, file: string, binary = "redis-cli"): ToolCommand {
  const args = ["-h", t.host, "-p", String(t.port)];
  if (t.username) args.push("--user", t.username);
  if (t.tls) {
    args.push("--tls");
    if (t.tls !== true) {
      if (t.tls.ca) args.push("--cacert", t.tls.ca);
      if (t.tls.cert) args.push("--cert", t.tls.cert);
      if (t.tls.key) args.push("--key", t.tls.key);
      if (t.tls.servername) args.push("--sni", t.tls.servername);
      if (t.tls.rejectUnauthorized === false) args.push("--insecure");
    }
  }
  args.push("--no-auth-warning", "--rdb", file);
  return { command: binary, args, env: t.password ? { REDISCLI_AUTH: t.password } : {} };
}

export function checkRdbCommand(file: string, binary = "redis-check-rdb"): ToolCommand {
  return { command: binary, args: [file], env: {} };
}

export interface ToolResult {
  code: number | null;
  signal: string | null;
  /** stdout + stderr, the last `maxOutput` characters. */
  output: string;
  timedOut: boolean;
  /** The tool could not be started (ENOENT: not installed). */
  spawnError: string | null;
}

/** The environment a tool gets: PATH, HOME, LANG; never our own secrets (REPLSCOPE_*), never a stale REDISCLI_*. */
export function toolEnv(extra: Record<string, string>): Record<string, string> {
  const base: Record<string, string> = {};
  for (const k of ["PATH", "HOME", "LANG", "LC_ALL", "TMPDIR"]) {
    const v = process.env[k];
    if (v !== undefined) base[k] = v;
  }
  return { ...base, ...extra };
}

export function runTool(cmd: ToolCommand, o: { timeoutMs: number; maxOutput?: number; signal?: AbortSignal }): Promise<ToolResult> {
  const max = o.maxOutput ?? 8192;
  return new Promise((resolve) => {
    let output = "";
    let timedOut = false;
    let settled = false;
    const child = spawn(cmd.command, cmd.args, { env: toolEnv(cmd.env) as unknown as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"] });
    const keep = (d: Buffer) => {
      output = (output + d.toString("utf8")).slice(-max);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    const kill = () => child.kill("SIGKILL");
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, o.timeoutMs);
    o.signal?.addEventListener("abort", kill, { once: true });
    const done = (r: ToolResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      o.signal?.removeEventListener("abort", kill);
      resolve(r);
    };
    child.on("error", (err: NodeJS.ErrnoException) => {
      done({ code: null, signal: null, output, timedOut, spawnError: err.code === "ENOENT" ? `${cmd.command} is not installed (not found on PATH)` : err.message });
    });
    child.on("close", (code, signal) => done({ code, signal, output, timedOut, spawnError: null }));
  });
}

/** redis-check-rdb's verdict: ok with the key count it read, or its own last words. */
export function parseCheckRdb(output: string, code: number | null): { ok: boolean; keys: number | null; detail: string } {
  const ok = code === 0 && /RDB looks OK/.test(output);
  const keys = /\[info\] (\d+) keys read/.exec(output);
  const lines = output.trim().split("\n");
  const detail = ok ? lines.filter((l) => /RDB looks OK|keys read|expires/.test(l)).join("\n") : lines.slice(-8).join("\n");
  return { ok, keys: keys ? Number(keys[1]) : null, detail: detail.slice(0, 2000) };
}

/** What redis-cli said when the fetch failed, stripped of progress lines. */
export function redisCliFailure(r: ToolResult): string {
  if (r.spawnError) return r.spawnError;
  if (r.timedOut) return "redis-cli --rdb did not finish in time (killed)";
  const said = r.output
    .split("\n")
    .filter((l) => l.trim() && !/^(sending REPLCONF|SYNC sent to master)/.test(l))
    .slice(-4)
    .join(" ")
    .trim();
  return `the server refused or broke off the replication fetch (redis-cli exit ${r.code ?? r.signal}): ${said || "no message"}`.slice(0, 1000);
}
