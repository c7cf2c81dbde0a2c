// Pure: may the node's RDB file be copied from this host, and which node a scheduled backup uses.
// dir and dbfilename come from the node (CONFIG GET): data, checked against the operator's
// backupSourceDirs exactly like a log path, never acted on as given.
import type { NodeView } from "../monitor/types";
import { isLoopback, type PathPurpose } from "../logs/log-path";

export const BACKUP_SOURCE_PURPOSE: PathPurpose = {
  asWhat: "a backup source",
  dirsName: "backup source directories",
  configKey: "backupSourceDirs",
  otherwise: " (the snapshot is fetched over replication instead)",
};

const MAX_PATH_CHARS = 4096;

/** The RDB path the node names, or why it is not a file we may copy from here. */
export function rdbSourcePath(o: { host: string; dir: string | null; dbfilename: string | null; configKnown: boolean; trustedDirs: number }): { path: string } | { unusable: string } {
  if (!isLoopback(o.host)) return { unusable: `the node runs on another host (${o.host}), so its RDB file is not readable here` };
  if (o.trustedDirs === 0) return { unusable: 'no "backupSourceDirs" are configured, so no RDB file is copied from disk' };
  if (!o.configKnown) return { unusable: "CONFIG GET is not permitted for replscope's user, so the RDB file's location is unknown" };
  if (!o.dir || !o.dbfilename) return { unusable: "the node reports no dir or dbfilename" };
  if (o.dir.length > MAX_PATH_CHARS || o.dbfilename.length > 255 || /\0/.test(o.dir + o.dbfilename)) return { unusable: "the RDB path the node reports is not a usable path" };
  if (!o.dir.startsWith("/")) return { unusable: `the node's dir "${o.dir.slice(0, 200)}" is not absolute` };
  if (o.dbfilename.includes("/") || o.dbfilename === "." || o.dbfilename === "..") return { unusable: "the node's dbfilename is not a plain file name" };
  return { path: `${o.dir.replace(/\/$/, "")}/${o.dbfilename}` };
}

/**
 * The node a backup runs on. "replica": an answering replica with its link up (least lag first),
 * else the master; "master": the root master; otherwise the named node.
 */
export function pickNode(views: readonly NodeView[], prefer: string): NodeView | undefined {
  const up = views.filter((v) => v.status === "up" && !v.stale);
  const masters = up.filter((v) => v.role === "master").sort((a, b) => Number(a.masterId !== null) - Number(b.masterId !== null) || b.connectedReplicas - a.connectedReplicas || a.id.localeCompare(b.id));
  if (prefer === "master") return masters[0];
  if (prefer === "replica") {
    const replicas = up
      .filter((v) => v.role === "replica" && v.linkStatus === "up" && !v.syncInProgress)
      .sort((a, b) => (a.lagBytes ?? Number.MAX_SAFE_INTEGER) - (b.lagBytes ?? Number.MAX_SAFE_INTEGER) || a.id.localeCompare(b.id));
    return replicas[0] ?? masters[0];
  }
  return up.find((v) => v.id === prefer);
}
