// Starts and stops real redis-server processes on loopback. Used by the demo, the tests and the
// benchmarks, so all three exercise the same code path and always clean up after themselves.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, mkdirSync, rmdirSync, rmSync } from "node:fs";
import { createServer, connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

export interface LocalRedisOptions {
  /** Folder for this node's dir and log; a fresh temp folder when omitted. */
  dir?: string;
  port?: number;
  replicaOf?: { host: string; port: number };
  /** Extra redis-server arguments, e.g. ["--repl-diskless-sync-delay", "0"]. */
  args?: string[];
  binary?: string;
  /** Sentinel mode: `args` must then carry the sentinel config path first. */
  sentinel?: boolean;
  /** How long to wait for the first PONG (a server loading a large RDB answers LOADING until done). */
  readyTimeoutMs?: number;
  /**
   * A redis.conf passed as the first argument (before every other option), e.g. one holding
   * `requirepass`, so a secret never appears on the command line.
   */
  configFile?: string;
  /** Aborts the wait for the first PONG: the half-started process is killed and the call rejects. */
  signal?: AbortSignal;
}

export interface LocalRedis {
  readonly host: "127.0.0.1";
  readonly port: number;
  readonly id: string;
  readonly dir: string;
  readonly logFile: string;
  pid(): number | undefined;
  /** SIGTERM (after SIGCONT, in case a test froze it) and wait for exit; SIGKILL after 5 s. */
  stop(): Promise<void>;
  /** Start again on the same port and dir with the same arguments. */
  restart(): Promise<void>;
  signal(sig: NodeJS.Signals): void;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;
let root: string | null = null;

/**
 * The one temp folder (per process) holding the dirs of servers started without `dir`, so a
 * dashboard watching them can allow their log files with a single `logDirs` entry.
 */
export function localRedisRoot(): string {
  root ??= mkdtempSync(path.join(tmpdir(), "replscope-redis-"));
  return root;
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last line of defence against orphaned redis-server processes if the parent dies abruptly.
  process.on("exit", () => {
    for (const child of live) {
      try {
        child.kill("SIGCONT");
        child.kill("SIGKILL");
      } catch {
        /* already gone */
      }
    }
    try {
      if (root) rmdirSync(root); // only when empty: stopAll removed the servers' dirs
    } catch {
      /* servers kept their dirs (removeDirs false): leave them */
    }
  });
}

export function redisServerBinary(explicit?: string): string | null {
  const candidate = explicit ?? (process.env.REDIS_SERVER || "redis-server");
  const probe = spawnSync(candidate, ["--version"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0) return null;
  return candidate;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves once the port answers PING with PONG (or an auth error, which also means "up"). */
export async function waitForPing(port: number, timeoutMs = 10_000, host = "127.0.0.1", signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = "no answer";
  while (Date.now() < deadline) {
    if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error("aborted");
    const reply = await new Promise<string>((resolve) => {
      const sock = connect({ host, port });
      let buf = "";
      const done = (v: string) => {
        sock.destroy();
        resolve(v);
      };
      sock.setTimeout(1000, () => done("timeout"));
      sock.on("error", (e) => done(`error ${e.message}`));
      sock.on("connect", () => sock.write("PING\r\n"));
      sock.on("data", (d) => {
        buf += d.toString("utf8");
        if (buf.includes("\r\n")) done(buf);
      });
    });
    if (reply.startsWith("+PONG") || reply.startsWith("-NOAUTH")) return;
    lastError = reply.trim();
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis on port ${port} did not answer PING within ${timeoutMs} ms (${lastError})`);
}

export async function startRedis(opts: LocalRedisOptions = {}): Promise<LocalRedis> {
  const binary = redisServerBinary(opts.binary);
  if (!binary) throw new Error("redis-server not found on PATH");
  installExitHook();
  const port = opts.port ?? (await freePort());
  const dir = opts.dir ?? mkdtempSync(path.join(localRedisRoot(), `${port}-`));
  mkdirSync(dir, { recursive: true });
  const logFile = path.join(dir, "redis.log");
  const base = opts.sentinel
    ? [...(opts.args ?? []), "--sentinel", "--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--logfile", logFile]
    : [
        "--port", String(port),
        "--bind", "127.0.0.1",
        "--dir", dir,
        "--logfile", logFile,
        "--save", "",
        "--appendonly", "no",
        "--daemonize", "no",
        ...(opts.replicaOf ? ["--replicaof", opts.replicaOf.host, String(opts.replicaOf.port)] : []),
        ...(opts.args ?? []),
      ];
  let child: ChildProcess | undefined;

  const launch = async () => {
    const c = spawn(binary, opts.configFile ? [opts.configFile, ...base] : base, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    c.stderr?.on("data", (d: Buffer) => {
      if (stderr.length < 4096) stderr += d.toString("utf8");
    });
    live.add(c);
    c.on("exit", () => live.delete(c));
    child = c;
    const exited = new Promise<never>((_, reject) =>
      c.once("exit", (code) => reject(new Error(`redis-server on port ${port} exited with ${code}: ${stderr.trim()}`))),
    );
    exited.catch(() => undefined);
    // Stops the PING loop once the race is decided (an exited server must not be polled for readyTimeoutMs more).
    const polling = new AbortController();
    const onAbort = () => polling.abort(opts.signal?.reason);
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      if (opts.signal?.aborted) throw opts.signal.reason instanceof Error ? opts.signal.reason : new Error("aborted");
      await Promise.race([waitForPing(port, opts.readyTimeoutMs, "127.0.0.1", polling.signal), exited]);
    } catch (err) {
      // Not ready in time: the caller gets no handle to stop it, so it must not outlive this call.
      if (c.exitCode === null && c.signalCode === null) {
        const gone = new Promise<void>((resolve) => c.once("exit", () => resolve()));
        c.kill("SIGCONT");
        c.kill("SIGKILL");
        await gone;
      }
      throw err;
    } finally {
      polling.abort();
      opts.signal?.removeEventListener("abort", onAbort);
    }
  };

  const stop = async () => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => c.once("exit", () => resolve()));
    c.kill("SIGCONT");
    c.kill("SIGTERM");
    const timer = setTimeout(() => c.kill("SIGKILL"), 5000);
    await gone;
    clearTimeout(timer);
  };

  await launch();
  return {
    host: "127.0.0.1",
    port,
    id: `127.0.0.1:${port}`,
    dir,
    logFile,
    pid: () => child?.pid,
    stop,
    restart: async () => {
      await stop();
      await launch();
    },
    signal: (sig) => {
      child?.kill(sig);
    },
  };
}

/** Stop every server and remove their temp dirs (only dirs under the OS temp folder). */
export async function stopAll(servers: LocalRedis[], removeDirs = true): Promise<void> {
  await Promise.all(servers.map((s) => s.stop().catch(() => undefined)));
  if (!removeDirs) return;
  for (const s of servers) {
    if (s.dir.startsWith(tmpdir())) rmSync(s.dir, { recursive: true, force: true });
  }
}
