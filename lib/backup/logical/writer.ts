// Writes a .rsd file to a Writable with bounded backpressure: every write waits for 'drain' when
// the stream's buffer is full, so an export never holds more than one batch plus the stream's
// highWaterMark in memory. Keeps the running sha256 the trailer carries.
//
// STABLE API: new DumpWriter(out); header(); key(); beginChunked(); part(); endChunked(); trailer();
// bytes (written so far, including what is gathered for the next stream write).
import { createHash } from "node:crypto";
import { once } from "node:events";
import type { Writable } from "node:stream";
import { chunkEndRecord, chunkRecord, frame, keyMeta, keyRecord, preamble, RECORD, type DumpHeader, type DumpTrailer, type KeyType } from "./format";

const FLUSH_BYTES = 256 * 1024;

/** The output stream failed (a write, or its final flush/close): the file is not whole. */
export class DumpWriteError extends Error {
  override name = "DumpWriteError";
  constructor(override readonly cause: Error) {
    super(cause.message);
  }
}

export class DumpWriter {
  private readonly hash = createHash("sha256");
  bytes = 0;

  /** The first 'error' the stream emitted (a failed write of a chunk handed over earlier). */
  private failure: Error | null = null;

  constructor(private readonly out: Writable) {
    out.on("error", (err: Error) => {
      this.failure ??= err;
    });
  }

  private pending: Buffer[] = [];
  private pendingBytes = 0;

  /** Records are gathered into writes of about FLUSH_BYTES: one stream write per record costs more than the record. */
  private async write(b: Buffer, hashed = true): Promise<void> {
    if (hashed) this.hash.update(b);
    this.bytes += b.length;
    this.pending.push(b);
    this.pendingBytes += b.length;
    if (this.pendingBytes >= FLUSH_BYTES) await this.flush();
  }

  async flush(): Promise<void> {
    // A failed stream never emits 'drain' again: waiting for it would hang the export.
    if (this.failure) throw new DumpWriteError(this.failure);
    if (this.pending.length === 0) return;
    const chunk = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    if (!this.out.write(chunk)) await once(this.out, "drain");
  }

  async header(h: DumpHeader): Promise<void> {
    await this.write(preamble());
    await this.write(frame(RECORD.header, Buffer.from(JSON.stringify(h), "utf8")));
  }

  async key(db: number, name: Buffer, type: KeyType, expireAt: number, payload: Buffer): Promise<void> {
    await this.write(keyRecord({ db, name, type, expireAt }, payload));
  }

  async beginChunked(db: number, name: Buffer, type: KeyType, expireAt: number): Promise<void> {
    await this.write(frame(RECORD.chunkBegin, keyMeta({ db, name, type, expireAt })));
  }

  async part(items: readonly Buffer[]): Promise<void> {
    await this.write(chunkRecord(items));
  }

  async endChunked(elements: number): Promise<void> {
    await this.write(chunkEndRecord(elements));
  }

  /** Writes the trailer (its sha256 filled in) and ends the stream, waiting until it is flushed. */
  async trailer(t: Omit<DumpTrailer, "sha256">): Promise<DumpTrailer> {
    const full: DumpTrailer = { ...t, sha256: this.hash.digest("hex") };
    await this.write(frame(RECORD.trailer, Buffer.from(JSON.stringify(full), "utf8")), false);
    await this.flush();
    await this.end();
    return full;
  }

  /**
   * Ends the stream and resolves only once every byte is flushed. Rejects when the stream failed
   * at any point (an earlier write, or the final flush/close): end's callback gets that error, and
   * ignoring it would report a truncated file as whole.
   */
  private async end(): Promise<void> {
    if (this.failure) throw new DumpWriteError(this.failure);
    const err = await new Promise<Error | null>((resolve) => {
      this.out.end((e?: Error | null) => resolve(e ?? null));
    });
    const failed = err ?? this.failure ?? this.out.errored;
    if (failed) throw new DumpWriteError(failed);
  }
}
