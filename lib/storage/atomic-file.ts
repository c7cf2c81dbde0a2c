// Crash-safe small-file writes for the stores in the data dir: tmp + fsync + rename + directory
// fsync, so after a crash or power loss a reader finds the old file or the new one, never half.
import { closeSync, fsyncSync, openSync, readdirSync, renameSync, rmSync, writeSync } from "node:fs";
import { open, rename } from "node:fs/promises";
import path from "node:path";

export function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, "w", 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  // fsync the directory so the rename itself survives a power loss.
  const dir = openSync(path.dirname(file), "r");
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}

/**
 * writeAtomic without blocking the event loop (an fsync takes ~10 ms on a cloud disk): for
 * records written while something time-sensitive runs (a drill's canary, a compare). Callers
 * serialise writes to one file; `tag` keeps concurrent writers' temporary files apart.
 */
export async function writeAtomicAsync(file: string, text: string, tag = "a"): Promise<void> {
  const tmp = `${file}.${process.pid}.${tag}.tmp`;
  const fh = await open(tmp, "w", 0o600);
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, file);
  const dir = await open(path.dirname(file), "r");
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/** Temporary files a crash left between write and rename (never read; removed on the next start). */
export function removeStaleTemps(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) if (n.endsWith(".tmp")) rmSync(path.join(dir, n), { force: true });
}
