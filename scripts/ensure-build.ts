// The demo and the benchmarks run the production build: build it when there is none, when a source
// file changed since (a stale build would show yesterday's pages), or when asked to.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

const SOURCE_DIRS = ["app", "components", "lib", "public"];
const SOURCE_FILES = ["next.config.js", "package.json", "postcss.config.mjs", "tsconfig.json"];

/** Why the build in root/.next must be (re)made, or null when it is current. */
export function buildNeeded(root: string): string | null {
  const id = path.join(root, ".next", "BUILD_ID");
  if (!existsSync(id)) return "no production build yet";
  const builtAt = statSync(id).mtimeMs;
  const files = [
    ...SOURCE_FILES.map((f) => path.join(root, f)),
    ...SOURCE_DIRS.flatMap((d) => {
      const dir = path.join(root, d);
      return existsSync(dir) ? readdirSync(dir, { recursive: true, encoding: "utf8" }).map((f) => path.join(dir, f)) : [];
    }),
  ];
  const newer = files.find((f) => existsSync(f) && statSync(f).mtimeMs > builtAt);
  return newer ? `${path.relative(root, newer)} changed since the last build` : null;
}

/** Runs `next build` (its output on this terminal) when needed or forced; returns whether it did. */
export function ensureBuild(root: string, force = false): boolean {
  const why = force ? "rebuild asked for" : buildNeeded(root);
  if (!why) return false;
  console.log(`${why}: running \`next build\`…`);
  execFileSync("npx", ["next", "build"], { cwd: root, stdio: "inherit" });
  return true;
}
