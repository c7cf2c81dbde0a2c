// Pure: where a node's log file is, or exactly why we can't read it from this host, and whether a
// file a node named may be read at all. What a node reports (CONFIG GET logfile/dir) is data: a
// forged or hostile node could name any file, so such paths are only followed inside allowed
// directories. A `logFile` from the config is the operator's word and is trusted as given.
import path from "node:path";

export type LogPath = { path: string; trusted: boolean } | { unreadable: string };

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/i;
/** Longer paths are not log files anyone configured; refusing them keeps reasons short. */
const MAX_PATH_CHARS = 4096;

/** Always allowed for paths learned from a node, besides the config's `logDirs`. */
export const DEFAULT_LOG_DIRS: readonly string[] = ["/var/log"];
/** Never read when a node names them, even if listed in `logDirs`: kernel and device files. */
export const NEVER_READ_DIRS: readonly string[] = ["/proc", "/sys", "/dev"];

export function isLoopback(host: string): boolean {
  return LOOPBACK.test(host.replace(/^\[|\]$/g, ""));
}

export function resolveLogPath(o: {
  host: string;
  configured?: string;
  logfile: string | null | undefined;
  dir: string | null | undefined;
  configKnown: boolean;
}): LogPath {
  if (o.configured) return { path: o.configured, trusted: true };
  if (!isLoopback(o.host)) {
    return { unreadable: `the node runs on another host (${o.host}); set "logFile" for it in the config file to a readable copy` };
  }
  if (!o.configKnown) return { unreadable: "CONFIG GET is not permitted for replscope's user, so the log file is unknown; set \"logFile\" in the config file" };
  if (!o.logfile) return { unreadable: 'Redis logs to stdout (logfile ""), so there is no file to follow' };
  if (o.logfile.length > MAX_PATH_CHARS || (o.dir?.length ?? 0) > MAX_PATH_CHARS || /\0/.test(o.logfile + (o.dir ?? ""))) {
    return { unreadable: "the log path the node reports is not a usable path; set \"logFile\" in the config file" };
  }
  if (o.logfile.startsWith("/")) return { path: o.logfile, trusted: false };
  if (!o.dir) return { unreadable: `logfile "${o.logfile}" is relative and the working dir is unknown` };
  return { path: `${o.dir.replace(/\/$/, "")}/${o.logfile}`, trusted: false };
}

/** Directories and files as the I/O side resolved them (symlinks followed). */
export interface LogAccessPolicy {
  /** Log files a node names must be inside one of these. */
  allow: readonly string[];
  /** Never read, even inside `allow`: the data dir, the config file, /proc, /sys, /dev. */
  deny: readonly string[];
}

/** `p` is `dir` or below it (both absolute and normalised). */
export function isInside(dir: string, p: string): boolean {
  const rel = path.relative(dir, p);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

/**
 * How refusals name what a node's path was going to be used as. The same rule guards other files
 * a node names (an RDB file to back up: "backup source", config key "backupSourceDirs").
 */
export interface PathPurpose {
  /** "a log", "a backup source" */
  asWhat: string;
  /** "log directories", "backup source directories" */
  dirsName: string;
  /** The config key listing them. */
  configKey: string;
  /** What else the operator can do, e.g. `, or set "logFile" for this node`. */
  otherwise: string;
}

export const LOG_PURPOSE: PathPurpose = { asWhat: "a log", dirsName: "log directories", configKey: "logDirs", otherwise: ', or set "logFile" for this node' };

/**
 * Why the file at `realPath` (symlinks already resolved) must not be read as a node's log (or
 * whatever `purpose` says), or null when it may be. The caller also checks it is a regular file.
 */
export function logPathRefusal(realPath: string, policy: LogAccessPolicy, purpose: PathPurpose = LOG_PURPOSE): string | null {
  if (!path.isAbsolute(realPath)) return `${realPath} is not an absolute path`;
  const denied = policy.deny.find((d) => isInside(d, realPath));
  if (denied) {
    return NEVER_READ_DIRS.includes(denied)
      ? `${realPath} is under ${denied}, which replscope never reads as ${purpose.asWhat}`
      : `${realPath} is replscope's own data (${denied}), which is never served as ${purpose.asWhat}`;
  }
  if (policy.allow.some((d) => isInside(d, realPath))) return null;
  const shown = policy.allow.length === 0 ? "none configured" : policy.allow.slice(0, 5).join(", ") + (policy.allow.length > 5 ? ", …" : "");
  return `${realPath} is outside the allowed ${purpose.dirsName} (${shown}); add its directory to "${purpose.configKey}" in the config file${purpose.otherwise}`;
}
