// Streams a .rsd file record by record, checking as it goes: the magic and version, every
// record's length and CRC32, the record order (header first, parts only inside a chunked key,
// trailer last and nothing after it), and at the end the trailer's key count and sha256.
// Any problem throws DumpFormatError with the byte offset of the record at fault, so a caller
// that acts on records as they come (the importer) has acted on exactly the records before it.
// Memory: one record at a time (at most MAX_RECORD_BYTES) plus one input chunk.
//
// STABLE API: readDump(source) — source is any async iterable of bytes (fs.createReadStream,
// a Request body's ReadableStream via Readable.fromWeb, an http.IncomingMessage).
import { createHash } from "node:crypto";
import { crc32 } from "node:zlib";
import {
  DumpFormatError,
  FORMAT_VERSION,
  MAGIC,
  MAX_RECORD_BYTES,
  PREAMBLE_BYTES,
  RECORD,
  RECORD_HEAD_BYTES,
  RECORD_TAIL_BYTES,
  parseChunkItems,
  parseKeyMeta,
  type DumpHeader,
  type DumpRecord,
  type DumpTrailer,
} from "./format";

/** Pulls exact byte counts out of an async byte source; tracks how much the source has given. */
class ByteSource {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  private done = false;
  /** Bytes handed out so far (the offset of the next byte). */
  offset = 0;
  constructor(private readonly it: AsyncIterator<Uint8Array | Buffer | string> | Iterator<Uint8Array | Buffer | string>) {}

  /** Exactly n bytes, or the shorter remainder when the source ends first. */
  async take(n: number): Promise<Buffer> {
    while (this.buf.length - this.pos < n && !this.done) {
      const next = await this.it.next();
      if (next.done) {
        this.done = true;
        break;
      }
      const chunk = typeof next.value === "string" ? Buffer.from(next.value) : Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
      const rest = this.buf.subarray(this.pos);
      this.buf = rest.length === 0 ? chunk : Buffer.concat([rest, chunk]);
      this.pos = 0;
    }
    const end = Math.min(this.pos + n, this.buf.length);
    const out = this.buf.subarray(this.pos, end);
    this.pos = end;
    this.offset += out.length;
    return out;
  }

  /**
   * Lets go of the source: a generator's finally runs (boundedBody releases the request body), a
   * file stream is destroyed. Without it a reader that stops early (a format error, a stop
   * conflict) leaves the source suspended mid-way.
   */
  async close(): Promise<void> {
    try {
      await this.it.return?.();
    } catch {
      /* the source's own clean-up failed: nothing more to do here */
    }
  }

  async atEnd(): Promise<boolean> {
    if (this.buf.length - this.pos > 0) return false;
    const probe = await this.take(1);
    if (probe.length === 0) return true;
    // Put it back: only used to detect trailing bytes, which is an error anyway.
    this.pos -= 1;
    this.offset -= 1;
    return false;
  }
}

/** What readDump and importDump read: a file or request stream, or (tests) an array of buffers. */
export type DumpSource = AsyncIterable<Uint8Array | Buffer | string> | Iterable<Uint8Array | Buffer | string>;

function kindName(kind: number): string {
  for (const [name, code] of Object.entries(RECORD)) if (code === kind) return name;
  return `0x${kind.toString(16)}`;
}

function parseJson<T>(payload: Buffer, offset: number, what: string): T {
  try {
    return JSON.parse(payload.toString("utf8")) as T;
  } catch {
    throw new DumpFormatError(offset, `${what} record is not valid JSON`);
  }
}

/**
 * Every record of the file in order; throws DumpFormatError (offset + reason) at the first
 * problem. The last record yielded is the trailer, after its checks passed.
 */
export async function* readDump(source: DumpSource): AsyncGenerator<DumpRecord> {
  const src = new ByteSource(Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]());
  try {
    const hash = createHash("sha256");
    const pre = await src.take(PREAMBLE_BYTES);
    if (pre.length < MAGIC.length || !pre.subarray(0, MAGIC.length).equals(MAGIC)) {
      throw new DumpFormatError(0, pre.length < MAGIC.length ? `file ends at byte ${pre.length}, before the format marker` : "not a replscope dump (the file does not start with RSDUMP)");
    }
    if (pre.length < PREAMBLE_BYTES) throw new DumpFormatError(MAGIC.length, "file ends before the version byte");
    const version = pre.readUInt8(MAGIC.length);
    if (version !== FORMAT_VERSION) throw new DumpFormatError(MAGIC.length, `format version ${version} is not supported (this replscope reads version ${FORMAT_VERSION})`);
    hash.update(pre);

    let seenHeader = false;
    let inChunk: { offset: number } | null = null;
    let keys = 0;
    for (;;) {
      const offset = src.offset;
      const head = await src.take(RECORD_HEAD_BYTES);
      if (head.length === 0) throw new DumpFormatError(offset, `truncated: the file ends at byte ${offset} without its trailer`);
      if (head.length < RECORD_HEAD_BYTES) throw new DumpFormatError(offset, `truncated: the file ends at byte ${src.offset}, inside a record header`);
      const kind = head.readUInt8(0);
      const len = head.readUInt32BE(1);
      if (len > MAX_RECORD_BYTES) throw new DumpFormatError(offset, `corrupt: record length ${len} is over the ${MAX_RECORD_BYTES}-byte limit`);
      const body = await src.take(len + RECORD_TAIL_BYTES);
      if (body.length < len + RECORD_TAIL_BYTES) throw new DumpFormatError(offset, `truncated: the file ends at byte ${src.offset}, inside a ${kindName(kind)} record of ${len} bytes`);
      const payload = body.subarray(0, len);
      const crc = crc32(payload, crc32(head));
      if (crc !== body.readUInt32BE(len)) throw new DumpFormatError(offset, `corrupt: checksum (CRC32) mismatch in the ${kindName(kind)} record`);

      if (!seenHeader && kind !== RECORD.header) throw new DumpFormatError(offset, "corrupt: the first record is not the header");
      if (inChunk && kind !== RECORD.chunk && kind !== RECORD.chunkEnd) {
        throw new DumpFormatError(offset, `corrupt: a ${kindName(kind)} record inside the parts of the key begun at byte ${inChunk.offset}`);
      }
      switch (kind) {
        case RECORD.header: {
          if (seenHeader) throw new DumpFormatError(offset, "corrupt: a second header");
          seenHeader = true;
          hash.update(head).update(body);
          yield { kind: "header", offset, header: parseJson<DumpHeader>(payload, offset, "header") };
          break;
        }
        case RECORD.key:
        case RECORD.chunkBegin: {
          const parsed = parseKeyMeta(payload);
          if (typeof parsed === "string") throw new DumpFormatError(offset, `corrupt: ${parsed}`);
          hash.update(head).update(body);
          keys++;
          if (kind === RECORD.key) {
            if (parsed.end >= payload.length) throw new DumpFormatError(offset, "corrupt: key record without a DUMP payload");
            yield { kind: "key", offset, ...parsed.meta, payload: payload.subarray(parsed.end) };
          } else {
            if (parsed.meta.type === "other") throw new DumpFormatError(offset, "corrupt: a module type cannot be written in parts");
            inChunk = { offset };
            yield { kind: "chunk-begin", offset, ...parsed.meta };
          }
          break;
        }
        case RECORD.chunk: {
          if (!inChunk) throw new DumpFormatError(offset, "corrupt: a part record outside a key written in parts");
          const items = parseChunkItems(payload);
          if (typeof items === "string") throw new DumpFormatError(offset, `corrupt: ${items}`);
          hash.update(head).update(body);
          yield { kind: "chunk", offset, items };
          break;
        }
        case RECORD.chunkEnd: {
          if (!inChunk || len !== 8) throw new DumpFormatError(offset, inChunk ? "corrupt: bad part-end record" : "corrupt: a part-end record outside a key written in parts");
          inChunk = null;
          hash.update(head).update(body);
          yield { kind: "chunk-end", offset, elements: Number(payload.readBigUInt64BE(0)) };
          break;
        }
        case RECORD.trailer: {
          const trailer = parseJson<DumpTrailer>(payload, offset, "trailer");
          const sha = hash.digest("hex");
          if (trailer.sha256 !== sha) throw new DumpFormatError(offset, `corrupt: the file's sha256 ${sha} differs from the trailer's ${String(trailer.sha256)}`);
          if (trailer.keys !== keys) throw new DumpFormatError(offset, `corrupt: the trailer counts ${trailer.keys} keys, the file holds ${keys}`);
          if (!(await src.atEnd())) throw new DumpFormatError(src.offset, "corrupt: bytes after the trailer");
          yield { kind: "trailer", offset, trailer };
          return;
        }
        default:
          throw new DumpFormatError(offset, `corrupt: unknown record kind 0x${kind.toString(16)}`);
      }
    }
  } finally {
    await src.close();
  }
}
