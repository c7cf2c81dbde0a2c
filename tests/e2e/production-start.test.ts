// `npm start` as an operator runs it after `npm run build`: plain node on the compiled dist/server.js
// (no TypeScript loader in the process), log in with a real browser, the overview shows the nodes.
// The other tests start server.ts through tsx; this one covers the shipped artefact.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser } from "playwright-core";
import { freePort } from "../../lib/redis/local-server";
import { launchChromium, loginInBrowser } from "../support/browser";
import { ROOT, TEST_PASSWORD } from "../support/server";
import { startTopology, type Topology } from "../support/topology";
import { waitFor } from "../support/wait";

let topo: Topology;
let browser: Browser;
let npm: ChildProcess;
let url = "";
let out = "";
const dataDir = mkdtempSync(path.join(tmpdir(), "replscope-start-"));

/** Every process in npm's session (npm, its shell, node): `ps` prints "pid args" per line. */
function sessionProcesses(sid: number): { pid: number; args: string }[] {
  let text = "";
  try {
    text = execFileSync("ps", ["-o", "pid=,args=", "--sid", String(sid)], { encoding: "utf8" });
  } catch {
    return []; // ps exits 1 when nothing matches
  }
  return text
    .split("\n")
    .map((l) => /^\s*(\d+)\s+(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), args: m[2] ?? "" }));
}

before(async () => {
  topo = await startTopology({ replicas: 1 });
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  // Its own session, so that npm, the shell it runs and node can all be found and, if need be, ended together.
  npm = spawn("npm", ["start"], {
    cwd: ROOT,
    detached: true,
    env: {
      ...process.env,
      NODE_OPTIONS: "",
      PORT: String(port),
      HOST: "127.0.0.1",
      REPLSCOPE_DATA_DIR: dataDir,
      REPLSCOPE_PASSWORD: TEST_PASSWORD,
      REPLSCOPE_API_TOKEN: "",
      REPLSCOPE_SEEDS: `redis://127.0.0.1:${topo.master.port}`,
      REPLSCOPE_CONFIG: "",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  npm.stdout?.on("data", (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  npm.stderr?.on("data", (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  await waitFor(
    "npm start answering /api/health",
    async () => {
      if (npm.exitCode !== null) throw new Error(`npm start exited ${npm.exitCode}:\n${out}`);
      return (await fetch(`${url}/api/health`)).status;
    },
    (s) => s === 200,
    60_000,
    200,
  );
  browser = await launchChromium();
});

/** Signals npm's whole session; false when none of it is left. */
function signalSession(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

after(async () => {
  try {
    await browser?.close();
    const pid = npm?.pid;
    if (pid !== undefined && sessionProcesses(pid).length > 0) {
      signalSession(pid, "SIGTERM");
      await waitFor("npm start's processes gone", () => sessionProcesses(pid), (ps) => ps.length === 0, 5000, 100).catch(() => signalSession(pid, "SIGKILL"));
    }
  } finally {
    await topo?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test("npm start runs the compiled server with plain node", () => {
  const procs = sessionProcesses(npm.pid!);
  // The start script's node flags (e.g. --heap-growing-percent) may sit before the entry point.
  const server = procs.find((p) => /^node (--\S+ )*dist\/server\.js$/.test(p.args));
  assert.ok(server, `a "node [flags] dist/server.js" process under npm start:\n${procs.map((p) => `${p.pid} ${p.args}`).join("\n")}`);
  // No TypeScript loader anywhere: not on npm's, the shell's or node's command line.
  assert.ok(!procs.some((p) => /tsx/.test(p.args)), "no tsx on any command line");
  const cmdline = readFileSync(`/proc/${server.pid}/cmdline`, "utf8").split("\0").filter(Boolean);
  assert.equal(cmdline.at(-1), "dist/server.js");
  assert.ok(cmdline.slice(1, -1).every((a) => a.startsWith("--")), `only node flags before the entry point: ${cmdline.join(" ")}`);
  assert.match(out, /replscope listening on http:\/\/127\.0\.0\.1:\d+ \(production\)/);
});

test("log in and the overview shows both nodes up", async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await loginInBrowser(page, url);
  for (const node of topo.all) {
    await page.waitForFunction((id) => document.querySelector(`[data-testid="node-${id}"]`)?.getAttribute("data-status") === "up", node.id, { timeout: 15_000 });
  }
  assert.equal(await page.getByTestId(`node-${topo.master.id}`).getAttribute("data-role"), "master");
  assert.equal(await page.getByTestId(`node-${topo.replicas[0]!.id}`).getAttribute("data-role"), "replica");
  await page.close();
});

test("SIGTERM to npm start stops the server and leaves no process behind", async () => {
  const pid = npm.pid!;
  const exited = new Promise<number | null>((r) => npm.once("exit", (code) => r(code)));
  assert.ok(signalSession(pid, "SIGTERM"));
  await exited;
  await waitFor("every process of npm start gone", () => sessionProcesses(pid), (ps) => ps.length === 0, 10_000, 100);
  await waitFor("the port closed", () => fetch(`${url}/api/health`).then(() => "open", () => "closed"), (s) => s === "closed", 5_000, 100);
  assert.match(out, /replscope: SIGTERM, shutting down/);
});
