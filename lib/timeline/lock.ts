// One writer per store directory: two processes appending to the same segment would interleave
// lines. The lock file holds the owner's pid so a lock left behind by a crash can be taken over.
import { readFile, unlink, writeFile } from "node:fs/promises";
import path from "node:path";

// Directories this process has open. Lives on globalThis so a second open after a dev-server
// module reload is still caught, and so a stale lock carrying our own pid (a restarted
// container often gets the same pid) is not mistaken for a live one.
const OPEN_KEY = Symbol.for("replscope.timeline.openDirs");
function openDirs(): Set<string> {
  const g = globalThis as { [OPEN_KEY]?: Set<string> };
  return (g[OPEN_KEY] ??= new Set<string>());
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Takes the directory's lock or throws if a live process holds it. Returns the lock's path. */
export async function acquireLock(dir: string): Promise<string> {
  const file = path.join(path.resolve(dir), "events.lock");
  if (openDirs().has(file)) throw new Error(`event store ${dir} is already open in this process`);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await writeFile(file, String(process.pid), { flag: "wx" });
      openDirs().add(file);
      return file;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    const holder = Number((await readFile(file, "utf8").catch(() => "")).trim());
    if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
      throw new Error(`event store ${dir} is already open by pid ${holder}`);
    }
    await unlink(file).catch(() => undefined);
  }
  throw new Error(`could not lock event store ${dir}`);
}

export async function releaseLock(file: string): Promise<void> {
  openDirs().delete(file);
  await unlink(file).catch(() => undefined);
}
