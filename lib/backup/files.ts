// The backup store on disk: <dataDir>/backups/<file>. Files arrive under a temp name and are
// renamed into place once complete, so a listed file is never half written. Everything streams.
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, open, opendir, rename, rm, stat, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { BACKUP_FILE } from "./types";

export function backupDir(dataDir: string): string {
  return path.join(dataDir, "backups");
}

/** The path of a catalogued file; null for a name that is not a plain file name. */
export function backupFilePath(dataDir: string, file: string): string | null {
  return BACKUP_FILE.test(file) ? path.join(backupDir(dataDir), file) : null;
}

export async function ensureBackupDir(dataDir: string): Promise<string> {
  const dir = backupDir(dataDir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/** A temp name next to `final`, removed by the caller on failure. */
export function tempPath(final: string): string {
  return `${final}.${randomBytes(4).toString("hex")}.part`;
}

function hashing(hash: ReturnType<typeof createHash>, count: { bytes: number }): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      count.bytes += chunk.length;
      cb(null, chunk);
    },
  });
}

/** Streams an open file into `final` (temp + rename), hashing on the way. Closes `src`. */
export async function copyInto(src: FileHandle, final: string, signal?: AbortSignal): Promise<{ bytes: number; sha256: string }> {
  const tmp = tempPath(final);
  const hash = createHash("sha256");
  const count = { bytes: 0 };
  try {
    await pipeline(src.createReadStream({ autoClose: true }), hashing(hash, count), createWriteStream(tmp, { flags: "wx", mode: 0o600 }), { signal });
    await rename(tmp, final);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  } finally {
    await src.close().catch(() => undefined);
  }
  return { bytes: count.bytes, sha256: hash.digest("hex") };
}

/** sha256 and size of a file, streamed. */
export async function hashFile(file: string): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 256 * 1024 })) {
    const b = chunk as Buffer;
    hash.update(b);
    bytes += b.length;
  }
  return { bytes, sha256: hash.digest("hex") };
}

/** The first `n` bytes of a file (fewer when it is shorter). */
export async function readHead(file: string, n: number): Promise<Buffer> {
  const fh = await open(file, "r");
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** The last `n` bytes of an open file, as text lines (the first, maybe cut, line dropped). */
export async function tailLines(fh: FileHandle, n: number): Promise<string[]> {
  const st = await fh.stat();
  const from = Math.max(0, st.size - n);
  const buf = Buffer.alloc(Math.min(n, st.size));
  const { bytesRead } = await fh.read(buf, 0, buf.length, from);
  const lines = buf.subarray(0, bytesRead).toString("utf8").split("\n");
  return from > 0 ? lines.slice(1) : lines;
}

export async function removeFile(file: string): Promise<void> {
  await rm(file, { force: true });
}

export async function fileSize(file: string): Promise<number | null> {
  const st = await stat(file).catch(() => null);
  return st?.isFile() ? st.size : null;
}

/** Temp files of snapshot copies a crash left behind (`<id>.rdb.<hex>.part`): never valid, removed at start. */
export async function removeStaleParts(dataDir: string): Promise<number> {
  let n = 0;
  const dir = await opendir(backupDir(dataDir)).catch(() => null);
  if (!dir) return 0;
  for await (const e of dir) {
    if (e.isFile() && /^\d{8}T\d{6}Z-[0-9a-f]{8}\.rdb\.[0-9a-f]{8}\.part$/.test(e.name)) {
      await rm(path.join(backupDir(dataDir), e.name), { force: true });
      n++;
    }
  }
  return n;
}
