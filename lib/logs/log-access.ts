// I/O side of the log access rule: opens a file a node named only when its real path (symlinks
// resolved) is a regular file inside an allowed directory. Used by the tailer for every open, so a
// rotation or a symlink swapped later is checked again.
import { constants } from "node:fs";
import { open, readlink, realpath, stat, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { DEFAULT_LOG_DIRS, LOG_PURPOSE, logPathRefusal, NEVER_READ_DIRS, type LogAccessPolicy, type PathPurpose } from "./log-path";

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
  return resolveDirsPolicy([...DEFAULT_LOG_DIRS, ...(c.logDirs ?? [])], c.privatePaths ?? []);
}

/** The policy for any file a node names: allowed dirs as configured, never the private paths. */
export async function resolveDirsPolicy(allow: readonly string[], privatePaths: readonly string[]): Promise<LogAccessPolicy> {
  return { allow: await spellings(allow), deny: [...NEVER_READ_DIRS, ...(await spellings(privatePaths))] };
}

/**
 * Opens `filePath` read-only when its real path is a regular file the policy allows (else
 * LogRefusedError, code EREFUSED): O_NOFOLLOW and an inode check, so what is opened is exactly
 * the file that was checked. For logs and for any other file a node names (backup sources).
 */
export async function openGuarded(filePath: string, policy: LogAccessPolicy, purpose: PathPurpose = LOG_PURPOSE): Promise<FileHandle> {
  const real = await realpath(filePath);
  const refusal = logPathRefusal(real, policy, purpose);
  if (refusal) throw new LogRefusedError(refusal);
  const st = await stat(real);
  if (!st.isFile()) throw Object.assign(new Error("not a regular file"), { code: st.isDirectory() ? "EISDIR" : "ENOTFILE" });
  const fh = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  const opened = await fh.stat().catch(() => null);
  if (!opened || opened.ino !== st.ino || opened.dev !== st.dev || !opened.isFile()) {
    await fh.close().catch(() => undefined);
    throw new LogRefusedError(`${real} changed while it was being opened`);
  }
  // O_NOFOLLOW covers only the last component: a directory swapped for a symlink between
  // realpath and open lands elsewhere with the same file. The kernel knows where the fd really is.
  const after = await openedPathRefusal(fh.fd, real, policy, purpose);
  if (after) {
    await fh.close().catch(() => undefined);
    throw new LogRefusedError(after);
  }
  return fh;
}

/** Where an open fd really is (Linux: /proc/self/fd); null where the platform cannot say. */
export async function fdRealPath(fd: number): Promise<string | null> {
  if (process.platform !== "linux") return null;
  return readlink(`/proc/self/fd/${fd}`);
}

/**
 * The policy checked again on the opened file's real path: a refusal when it is outside the
 * policy or not the path that was checked before the open, else null. Where the platform cannot
 * tell an fd's path (not Linux), the inode check before stands alone.
 */
export async function openedPathRefusal(
  fd: number,
  checked: string,
  policy: LogAccessPolicy,
  purpose: PathPurpose = LOG_PURPOSE,
  whereIs: (fd: number) => Promise<string | null> = fdRealPath,
): Promise<string | null> {
  let actual: string | null;
  try {
    actual = await whereIs(fd);
  } catch (err) {
    return `cannot tell where ${checked} was opened (${(err as NodeJS.ErrnoException).code ?? String(err)})`;
  }
  if (actual === null) return null;
  const refusal = logPathRefusal(actual, policy, purpose);
  if (refusal) return `${checked} was swapped while it was being opened: ${refusal}`;
  if (actual !== checked) return `${checked} was swapped while it was being opened (it resolved to ${actual})`;
  return null;
}

/**
 * An opener for tailFile: refuses (LogRefusedError, code EREFUSED) anything outside the policy,
 * and anything but a regular file before opening it, so a FIFO or device never blocks the tailer.
 */
export function guardedOpener(c: LogDirsConfig): (filePath: string) => Promise<FileHandle> {
  return async (filePath) => openGuarded(filePath, await resolvePolicy(c));
}
