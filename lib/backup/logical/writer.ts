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

export class DumpWriter {
  private readonly hash = createHash("sha256");
  bytes = 0;

  constructor(private readonly out: Writable) {}

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
    await new Promise<void>((resolve, reject) => {
      this.out.once("error", reject);
      this.out.end(() => resolve());
    });
    return full;
  }
}
