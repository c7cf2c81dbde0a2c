// Compiles the custom server (server.ts and the lib/ code it imports) into dist/ for `npm start`,
// which then runs plain node: no TypeScript loader at run time. Run by `npm run build` after
// `next build`, and by ensure-build.ts. Packages stay external (node_modules is read at run time,
// as Next's own build expects), so the bundle holds only this repository's code.
import { buildSync, type BuildOptions } from "esbuild";
import path from "node:path";

/**
 * Everything compiled, each to dist/<name>.js. A file that must run as its own module (e.g. a
 * worker_threads script, loaded by path at run time) is added here, next to the server.
 */
export const SERVER_ENTRY_POINTS: Record<string, string> = {
  server: "server.ts",
};

export const SERVER_OUT_DIR = "dist";

export function serverBuildOptions(root: string): BuildOptions {
  return {
    absWorkingDir: root,
    entryPoints: Object.fromEntries(Object.entries(SERVER_ENTRY_POINTS).map(([name, file]) => [name, path.join(root, file)])),
    outdir: path.join(root, SERVER_OUT_DIR),
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    packages: "external",
    // tsconfig.json's paths (`@/…`) are applied by esbuild itself.
    tsconfig: path.join(root, "tsconfig.json"),
    sourcemap: true,
    // server.ts finds the project root (for Next's .next/) from __dirname: one level up from dist/.
    define: { __REPLSCOPE_BUNDLED__: "true" },
    logLevel: "warning",
  };
}

/** Writes dist/*.js (well under a second); throws, esbuild having printed why, when it does not compile. */
export function buildServer(root: string): void {
  buildSync(serverBuildOptions(root));
}

if (require.main === module) {
  const root = path.resolve(__dirname, "..");
  try {
    buildServer(root);
    console.log(`server compiled to ${SERVER_OUT_DIR}/ (${Object.entries(SERVER_ENTRY_POINTS).map(([name]) => name).join(", ")})`);
  } catch {
    process.exit(1);
  }
}
