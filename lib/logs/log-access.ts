// I/O side of the log access rule: opens a file a node named only when its real path (symlinks
// resolved) is a regular file inside an allowed directory. Used by the tailer for every open, so a
// rotation or a symlink swapped later is checked again.
import { constants } from "node:fs";
import { open, realpath, stat, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { DEFAULT_LOG_DIRS, logPathRefusal, NEVER_READ_DIRS, type LogAccessPolicy } from "./log-path";

/** What the config says, before symlinks are resolved. */
export interface LogDirsConfig {
  logDirs?: readonly string[];
  privatePaths?: readonly string[];
}

export class LogRefusedError extends Error {
  readonly code = "EREFUSED";
}

/** Both the path as written and its real path, so a symlinked /tmp or data dir is still matched. */
async function spellings(dirs: readonly string[]): Promise<string[]> {
  const out = new Set<string>();
  for (const d of dirs) {
    const abs = path.resolve(d);
    out.add(abs);
    out.add(await realpath(abs).catch(() => abs));
  }
  return [...out];
}

export async function resolvePolicy(c: LogDirsConfig): Promise<LogAccessPolicy> {
  return {
    allow: await spellings([...DEFAULT_LOG_DIRS, ...(c.logDirs ?? [])]),
    deny: [...NEVER_READ_DIRS, ...(await spellings(c.privatePaths ?? []))],
  };
}

/**
 * An opener for tailFile: refuses (LogRefusedError, code EREFUSED) anything outside the policy,
 * and anything but a regular file before opening it, so a FIFO or device never blocks the tailer.
 */
export function guardedOpener(c: LogDirsConfig): (filePath: string) => Promise<FileHandle> {
  return async (filePath) => {
    const real = await realpath(filePath);
    const refusal = logPathRefusal(real, await resolvePolicy(c));
    if (refusal) throw new LogRefusedError(refusal);
    const st = await stat(real);
    if (!st.isFile()) throw Object.assign(new Error("not a regular file"), { code: st.isDirectory() ? "EISDIR" : "ENOTFILE" });
    // O_NOFOLLOW and the inode check: what gets opened is exactly the file that was checked.
    const fh = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    const opened = await fh.stat().catch(() => null);
    if (!opened || opened.ino !== st.ino || opened.dev !== st.dev || !opened.isFile()) {
      await fh.close().catch(() => undefined);
      throw new LogRefusedError(`${real} changed while it was being opened`);
    }
    return fh;
  };
}
