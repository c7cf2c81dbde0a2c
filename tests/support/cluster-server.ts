// A built replscope server watching a test cluster as topology "shop" (one seed), for the e2e tests
// on cluster pages; stop() ends the server and removes its config.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser } from "playwright-core";
import type { Cluster } from "./cluster";
import { startServer, type ServerProcess } from "./server";

export interface ClusterServer {
  server: ServerProcess;
  stop(): Promise<void>;
}

/** `topology`: more fields of the topology's config (e.g. `{ drills: true }`); `seed`: which node seeds it. */
export async function serveCluster(cluster: Cluster, name: string, topology: Record<string, unknown> = {}, seed = 0): Promise<ClusterServer> {
  const dir = mkdtempSync(path.join(tmpdir(), `replscope-${name}-`));
  const file = path.join(dir, "config.json");
  writeFileSync(file, JSON.stringify({ topologies: [{ name: "shop", seeds: [`redis://${cluster.nodes[seed]!.id}`], ...topology }] }));
  let server: ServerProcess;
  try {
    server = await startServer({ REPLSCOPE_CONFIG: file });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    server,
    stop: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The e2e files' teardown: browser, then server, then cluster (each may be missing if setup failed). */
export async function closeClusterSuite(browser: Browser | undefined, served: ClusterServer | undefined, cluster: Cluster | undefined): Promise<void> {
  await browser?.close();
  await served?.stop();
  await cluster?.stop();
}
