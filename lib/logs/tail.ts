// Follows a log file like `tail -F`: starts from the last N lines, follows appends, survives truncation
// and rotation, and says why when the file can't be read. Memory stays bounded: one read buffer, one
// unfinished line (see LineSplitter), and the backwards scan reads fixed-size chunks.
import { watch, type FSWatcher } from "node:fs";
import { open, stat, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { DEFAULT_MAX_LINE_BYTES, LineSplitter } from "./line-splitter";

export type TailState =
  | { status: "readable"; path: string }
  | { status: "unreadable"; path: string; code: string; reason: string };

export interface TailOptions {
  /** Lines of existing content to deliver first; 0 = only what gets appended. Default 100. */
  fromLastLines?: number;
  onLines: (lines: string[]) => void;
  /** Unexpected failures (read errors, a throwing onLines); the tail keeps going. */
  onError?: (err: Error) => void;
  /** Called on every change between readable and unreadable (and of the reason). */
  onState?: (state: TailState) => void;
  /**
   * Stat poll while readable, as a fallback for fs.watch. Default 250 ms; while a directory watch
   * is in place (it wakes the tail on every write), max(pollMs, 1 s): the poll then only covers
   * a file system whose watch stays silent (network mounts), at a quarter of the stat calls.
   */
  pollMs?: number;
  /** Retry delay while the file is missing or unreadable. Default 1000 ms. */
  retryMs?: number;
  maxLineBytes?: number;
  /**
   * Opens the file, on start and on every reopen (rotation, recovery). Default: plain open(2).
   * Log paths learned from a node pass a guarded opener that refuses files outside allowed dirs.
   */
  openFile?: (filePath: string) => Promise<FileHandle>;
}

/** Resolves once the tail has stopped and closed the file; no callback fires after that. */
export type StopTail = () => Promise<void>;

const CHUNK_BYTES = 64 * 1024;
/** Per step, so rotation checks still happen while a writer outruns us. */
const MAX_BYTES_PER_STEP = 4 * 1024 * 1024;
/** The fallback stat poll while fs.watch is in place. */
const WATCHED_POLL_MS = 1000;
/** Coalesces bursts of fs.watch events (one per write) into one read. */
const MIN_GAP_MS = 5;
/** A rename-then-create rotation leaves the path missing for a moment; don't report that. */
const MISSING_GRACE_MS = 1000;

interface OpenLog {
  fh: FileHandle;
  ino: number;
  dev: number;
  pos: number;
}

type Next = "now" | "poll" | "retry";

export function tailFile(filePath: string, opts: TailOptions): StopTail {
  const pollMs = opts.pollMs ?? 250;
  const retryMs = opts.retryMs ?? 1000;
  const maxLineBytes = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const splitter = new LineSplitter(maxLineBytes);
  /** The read buffer, only while a step reads (a tail that waits holds none: 64 KB × every node). */
  let readBuf: Buffer | null = null;
  const waker = new Waker();

  let file: OpenLog | null = null;
  /** Where to pick up if the same file is reopened after a read error. */
  let resumeAt: { ino: number; dev: number; pos: number } | null = null;
  /** Only content that existed before we started is skipped; a file that appears later is all new. */
  let startFromLastLines = true;
  let missingSince: number | null = null;
  let stateKey = "";
  let stopped = false;
  let watcher: FSWatcher | null = null;
  let lastWatchAttempt = 0;
  /** A refused path is not watched either: its directory is none of our business. */
  let refused = false;
  const openFile = opts.openFile ?? ((p: string) => open(p, "r"));

  const reportError = (err: unknown) => {
    if (!stopped) opts.onError?.(err instanceof Error ? err : new Error(String(err)));
  };
  const emit = (lines: string[]) => {
    if (lines.length === 0 || stopped) return;
    try {
      opts.onLines(lines);
    } catch (err) {
      reportError(err);
    }
  };
  const setState = (state: TailState) => {
    const key = state.status === "readable" ? "readable" : `${state.code}:${state.reason}`;
    if (key === stateKey || stopped) return;
    stateKey = key;
    if (state.status === "unreadable") {
      // The directory may be deleted and recreated while we wait; a watch on the old one hears nothing.
      watcher?.close();
      watcher = null;
    }
    opts.onState?.(state);
  };
  const setUnreadable = (err: unknown) => {
    const code = errorCode(err);
    if (code === "ENOENT") startFromLastLines = false;
    refused = code === "EREFUSED";
    setState({ status: "unreadable", path: filePath, code, reason: describeCode(code, filePath, err) });
  };

  async function openLog(): Promise<boolean> {
    let fh: FileHandle;
    try {
      fh = await openFile(filePath);
    } catch (err) {
      setUnreadable(err);
      return false;
    }
    try {
      const st = await fh.stat();
      // open(2) succeeds on a directory; only reading fails, so check here for a clear reason.
      if (!st.isFile()) throw Object.assign(new Error("not a regular file"), { code: st.isDirectory() ? "EISDIR" : "ENOTFILE" });
      let pos = 0;
      if (resumeAt && resumeAt.ino === st.ino && resumeAt.dev === st.dev && resumeAt.pos <= st.size) {
        pos = resumeAt.pos;
      } else if (startFromLastLines) {
        const start = await lastLinesOffset(fh, st.size, opts.fromLastLines ?? 100, maxLineBytes);
        pos = start.offset;
        if (start.midLine) splitter.skipToNextLine();
      }
      startFromLastLines = false;
      resumeAt = null;
      missingSince = null;
      refused = false;
      file = { fh, ino: st.ino, dev: st.dev, pos };
      setState({ status: "readable", path: filePath });
      return true;
    } catch (err) {
      await fh.close().catch(() => undefined);
      setUnreadable(err);
      return false;
    }
  }

  /** Reads from the current position to EOF (or the per-step cap); true if the cap was hit. */
  async function drain(f: OpenLog, capBytes: number): Promise<boolean> {
    let readThisStep = 0;
    const buf = (readBuf ??= Buffer.allocUnsafe(CHUNK_BYTES));
    while (!stopped) {
      const { bytesRead } = await f.fh.read(buf, 0, CHUNK_BYTES, f.pos);
      if (bytesRead === 0) return false;
      f.pos += bytesRead;
      emit(splitter.push(buf.subarray(0, bytesRead)));
      readThisStep += bytesRead;
      if (readThisStep >= capBytes) return true;
    }
    return false;
  }

  async function drainAll(f: OpenLog): Promise<void> {
    while (await drain(f, MAX_BYTES_PER_STEP)) {
      // Keep going until EOF; a rotated file normally stops growing, and stop() ends this too.
    }
  }

  async function closeLog(flushPartial: boolean): Promise<void> {
    const f = file;
    file = null;
    if (!f) return;
    if (flushPartial) {
      const rest = splitter.flush();
      if (rest !== null) emit([rest]);
    }
    await f.fh.close().catch(() => undefined);
  }

  async function step(): Promise<Next> {
    if (!file && !(await openLog())) return "retry";
    const f = file;
    if (!f) return "retry";
    // The usual step finds nothing new: one stat of the path says so (same file, same size as
    // read so far) instead of a read, an fstat and a stat. Anything else takes the full step.
    const quick = await stat(filePath).catch(() => null);
    if (quick && quick.ino === f.ino && quick.dev === f.dev && quick.size === f.pos) {
      missingSince = null;
      return "poll";
    }
    const capped = await drain(f, MAX_BYTES_PER_STEP);

    const st = await f.fh.stat();
    if (st.size < f.pos) {
      // Truncated in place (copytruncate, `> file`): whatever is there now is new.
      const rest = splitter.flush();
      if (rest !== null) emit([rest]);
      f.pos = 0;
      return "now";
    }

    let current: { ino: number; dev: number } | null = null;
    let missingErr: unknown = null;
    try {
      current = await stat(filePath);
    } catch (err) {
      missingErr = err;
    }
    if (current && (current.ino !== f.ino || current.dev !== f.dev)) {
      // Rotated: finish the old file (writers may still hold it), then read the new one from the top.
      await drainAll(f);
      await closeLog(true);
      startFromLastLines = false;
      return "now";
    }
    if (!current) {
      missingSince ??= Date.now();
      if (Date.now() - missingSince >= MISSING_GRACE_MS) {
        await drainAll(f);
        await closeLog(true);
        setUnreadable(missingErr);
        return "retry";
      }
    } else {
      missingSince = null;
    }
    return capped ? "now" : "poll";
  }

  function ensureWatcher(): void {
    if (watcher || stopped || refused || Date.now() - lastWatchAttempt < retryMs) return;
    lastWatchAttempt = Date.now();
    const base = path.basename(filePath);
    try {
      // The directory, not the file: a file watch stays on the old inode after rotation.
      const w = watch(path.dirname(filePath), { persistent: false }, (_event, name) => {
        if (!name || name === base) waker.wake();
      });
      w.on("error", () => {
        w.close();
        if (watcher === w) watcher = null;
      });
      watcher = w;
    } catch {
      // No directory yet, or no inotify: the poll still works.
    }
  }

  async function run(): Promise<void> {
    while (!stopped) {
      let next: Next;
      try {
        next = await step();
      } catch (err) {
        reportError(err);
        setUnreadable(err);
        if (file) resumeAt = { ino: file.ino, dev: file.dev, pos: file.pos };
        await closeLog(false);
        next = "retry";
      }
      readBuf = null;
      ensureWatcher();
      if (stopped) break;
      const idleMs = watcher ? Math.max(pollMs, WATCHED_POLL_MS) : pollMs;
      await waker.sleep(next === "now" ? 0 : next === "poll" ? idleMs : retryMs, MIN_GAP_MS);
    }
    await closeLog(false);
  }

  const done = run();
  return async () => {
    stopped = true;
    watcher?.close();
    watcher = null;
    waker.wake();
    await done;
  };
}

/**
 * Offset where the last `n` lines start, scanning backwards in fixed chunks. Gives up after
 * n * maxLineBytes (longer lines are cut anyway) and then reports that it starts mid-line.
 */
export async function lastLinesOffset(
  fh: FileHandle,
  size: number,
  n: number,
  maxLineBytes = DEFAULT_MAX_LINE_BYTES,
): Promise<{ offset: number; midLine: boolean }> {
  const buf = Buffer.allocUnsafe(CHUNK_BYTES);
  const floor = Math.max(0, size - Math.max(1, n) * (maxLineBytes + 1));
  let offset = n <= 0 ? size : floor;
  let seen = 0;
  let end = n <= 0 ? floor : size;
  while (end > floor) {
    const start = Math.max(floor, end - CHUNK_BYTES);
    const { bytesRead } = await fh.read(buf, 0, end - start, start);
    let found = -1;
    for (let i = bytesRead - 1; i >= 0 && found === -1; i--) {
      // The newline that ends the last line doesn't start a line after it.
      if (buf[i] === 0x0a && start + i !== size - 1 && ++seen === n) found = start + i + 1;
    }
    if (found !== -1) {
      offset = found;
      break;
    }
    end = start;
  }
  if (offset === 0) return { offset, midLine: false };
  const { bytesRead } = await fh.read(buf, 0, 1, offset - 1);
  return { offset, midLine: bytesRead === 1 && buf[0] !== 0x0a };
}

/** A sleep that fs.watch can cut short, but never shorter than `minMs` so bursts coalesce. */
class Waker {
  private pending = false;
  private resolve: (() => void) | null = null;

  wake(): void {
    this.pending = true;
    this.resolve?.();
  }

  async sleep(ms: number, minMs: number): Promise<void> {
    if (minMs > 0) await new Promise((r) => setTimeout(r, Math.min(ms, minMs)));
    if (this.pending || ms <= minMs) {
      this.pending = false;
      return;
    }
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.resolve = null;
        resolve();
      };
      const timer = setTimeout(done, ms - minMs);
      this.resolve = done;
    });
    this.pending = false;
  }
}

function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : "EUNKNOWN";
}

function describeCode(code: string, file: string, err: unknown): string {
  switch (code) {
    case "ENOENT": return `${file} does not exist (yet)`;
    case "EACCES":
    case "EPERM": return `no permission to read ${file}`;
    case "EISDIR": return `${file} is a directory, not a log file`;
    case "ENOTFILE": return `${file} is not a regular file`;
    case "ENOTDIR": return `a parent of ${file} is not a directory`;
    case "EREFUSED": return `not read: ${err instanceof Error ? err.message : String(err)}`;
    default: return err instanceof Error ? err.message : String(err);
  }
}
