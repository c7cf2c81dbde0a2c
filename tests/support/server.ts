// Runs the real replscope server (server.ts, production build) as a child process for API and e2e tests.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort, localRedisRoot } from "../../lib/redis/local-server";
import { waitFor } from "./wait";

export const ROOT = path.resolve(__dirname, "..", "..");
export const TEST_PASSWORD = "test-password-123";
export const TEST_TOKEN = "test-api-token-0123456789";

export interface ServerProcess {
  url: string;
  port: number;
  dataDir: string;
  output(): string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export async function startServer(env: Record<string, string>, opts: { expectExit?: boolean } = {}): Promise<ServerProcess> {
  const port = await freePort();
  const dataDir = env.REPLSCOPE_DATA_DIR ?? mkdtempSync(path.join(tmpdir(), "replscope-data-"));
  const child = spawn(process.execPath, ["--import", "tsx", "server.ts"], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: "production",
      PORT: String(port),
      HOST: "127.0.0.1",
      REPLSCOPE_DATA_DIR: dataDir,
      REPLSCOPE_PASSWORD: TEST_PASSWORD,
      REPLSCOPE_API_TOKEN: TEST_TOKEN,
      REPLSCOPE_SEEDS: "",
      REPLSCOPE_CONFIG: "",
      // The test servers' log files (their dirs share one folder); a config file may add more.
      REPLSCOPE_LOG_DIRS: localRedisRoot(),
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  child.stderr?.on("data", (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      const t = setTimeout(() => child.kill("SIGKILL"), 5000);
      await gone;
      clearTimeout(t);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  if (!opts.expectExit) {
    try {
      await waitFor(
        "server /api/health",
        async () => {
          if (child.exitCode !== null) throw new Error(`server exited: ${out}`);
          return (await fetch(`${url}/api/health`)).status;
        },
        (s) => s === 200,
        60_000,
        200,
      );
    } catch (err) {
      await stop();
      throw new Error(`${String(err)}\n--- server output ---\n${out}`);
    }
  }
  return { url, port, dataDir, output: () => out, child, stop };
}

export async function login(url: string, password = TEST_PASSWORD): Promise<string> {
  const res = await fetch(`${url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ password }),
  });
  if (res.status !== 200) throw new Error(`login failed: ${res.status}`);
  const cookie = res.headers.get("set-cookie") ?? "";
  return cookie.split(";")[0] ?? "";
}
