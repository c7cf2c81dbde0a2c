// The demo and the benchmarks run the production build: build it when there is none, when a source
// file changed since (a stale build would show yesterday's pages or run yesterday's server), or when
// asked to. Two outputs: Next's .next/ (pages, route handlers) and dist/ (server.ts, compiled).
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { buildServer, SERVER_ENTRY_POINTS, SERVER_OUT_DIR } from "./build-server";

const SOURCE_DIRS = ["app", "components", "lib", "public"];
const SOURCE_FILES = ["next.config.js", "package.json", "postcss.config.mjs", "tsconfig.json"];
/** What dist/ is compiled from: server.ts and the lib/ code it imports. */
const SERVER_SOURCE_DIRS = ["lib"];
const SERVER_SOURCE_FILES = ["server.ts", "package.json", "tsconfig.json", "scripts/build-server.ts"];

function sourceFiles(root: string, dirs: string[], files: string[]): string[] {
  return [
    ...files.map((f) => path.join(root, f)),
    ...dirs.flatMap((d) => {
      const dir = path.join(root, d);
      return existsSync(dir) ? readdirSync(dir, { recursive: true, encoding: "utf8" }).map((f) => path.join(dir, f)) : [];
    }),
  ];
}

/** Why `output` must be remade from `sources`, or null when it is newer than all of them. */
function staleness(root: string, output: string, sources: string[], missing: string): string | null {
  if (!existsSync(output)) return missing;
  const builtAt = statSync(output).mtimeMs;
  const newer = sources.find((f) => existsSync(f) && statSync(f).mtimeMs > builtAt);
  return newer ? `${path.relative(root, newer)} changed since the last build` : null;
}

/** Why the build in root/.next must be (re)made, or null when it is current. */
export function buildNeeded(root: string): string | null {
  return staleness(root, path.join(root, ".next", "BUILD_ID"), sourceFiles(root, SOURCE_DIRS, SOURCE_FILES), "no production build yet");
}

/** Why the compiled server in root/dist must be (re)made, or null when every entry point is current. */
export function serverBuildNeeded(root: string): string | null {
  const sources = sourceFiles(root, SERVER_SOURCE_DIRS, SERVER_SOURCE_FILES);
  for (const [name] of Object.entries(SERVER_ENTRY_POINTS)) {
    const why = staleness(root, path.join(root, SERVER_OUT_DIR, `${name}.js`), sources, "no compiled server yet");
    if (why) return why;
  }
  return null;
}

/**
 * Runs `next build` (its output on this terminal) and compiles the server, each when needed or
 * forced; returns whether it built anything.
 */
export function ensureBuild(root: string, force = false): boolean {
  const why = force ? "rebuild asked for" : buildNeeded(root);
  if (why) {
    console.log(`${why}: running \`next build\`…`);
    execFileSync("npx", ["next", "build"], { cwd: root, stdio: "inherit" });
  }
  const serverWhy = force ? "rebuild asked for" : serverBuildNeeded(root);
  if (serverWhy) {
    console.log(`${serverWhy}: compiling server.ts into ${SERVER_OUT_DIR}/…`);
    buildServer(root);
  }
  return Boolean(why || serverWhy);
}
