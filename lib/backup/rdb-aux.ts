// Pure: the aux fields at the head of an RDB file (redis-ver, ctime, repl-id, repl-offset, ...).
// repl-id and repl-offset are the replication position at the moment the save forked, which is
// what a backup's position means. Only the header is parsed: the caller passes the first few KB
// and parsing stops at the first opcode that is not AUX (or at the end of what was given).
const OP_AUX = 0xfa;
/** Enough for every aux field Redis writes (they are short), never the data set. */
export const RDB_HEADER_BYTES = 16 * 1024;

export interface RdbHeader {
  version: number;
  aux: Record<string, string>;
  replid: string | null;
  offset: number | null;
}

export class RdbParseError extends Error {
  override name = "RdbParseError";
}

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  byte(): number {
    if (this.pos >= this.buf.length) throw new RdbParseError(`header cut at byte ${this.pos}`);
    return this.buf[this.pos++]!;
  }
  take(n: number): Buffer {
    if (this.pos + n > this.buf.length) throw new RdbParseError(`header cut at byte ${this.pos} (need ${n} more)`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

/** RDB length encoding: { len } or { enc } for the special string encodings (ints, LZF). */
function readLength(r: Reader): { len: number } | { enc: number } {
  const first = r.byte();
  const type = first >> 6;
  if (type === 0) return { len: first & 0x3f };
  if (type === 1) return { len: ((first & 0x3f) << 8) | r.byte() };
  if (type === 3) return { enc: first & 0x3f };
  if (first === 0x80) return { len: r.take(4).readUInt32BE(0) };
  if (first === 0x81) {
    const big = r.take(8).readBigUInt64BE(0);
    if (big > BigInt(RDB_HEADER_BYTES)) throw new RdbParseError(`a header string of ${big} bytes`);
    return { len: Number(big) };
  }
  throw new RdbParseError(`unknown length encoding 0x${first.toString(16)}`);
}

/** LZF decompression (liblzf's format, as rdbLoadLzfStringObject reads it). */
export function lzfDecompress(input: Buffer, outLen: number): Buffer {
  const out = Buffer.alloc(outLen);
  let ip = 0;
  let op = 0;
  while (ip < input.length) {
    let ctrl = input[ip++]!;
    if (ctrl < 32) {
      ctrl++;
      if (op + ctrl > outLen || ip + ctrl > input.length) throw new RdbParseError("corrupt LZF literal");
      input.copy(out, op, ip, ip + ctrl);
      op += ctrl;
      ip += ctrl;
    } else {
      let len = ctrl >> 5;
      let ref = op - ((ctrl & 0x1f) << 8) - 1;
      if (len === 7) {
        if (ip >= input.length) throw new RdbParseError("corrupt LZF back reference");
        len += input[ip++]!;
      }
      if (ip >= input.length) throw new RdbParseError("corrupt LZF back reference");
      ref -= input[ip++]!;
      len += 2;
      if (op + len > outLen || ref < 0) throw new RdbParseError("corrupt LZF back reference");
      for (let i = 0; i < len; i++) out[op++] = out[ref++]!;
    }
  }
  if (op !== outLen) throw new RdbParseError("LZF length mismatch");
  return out;
}

function readString(r: Reader): string {
  const l = readLength(r);
  if ("len" in l) {
    if (l.len > RDB_HEADER_BYTES) throw new RdbParseError(`a header string of ${l.len} bytes`);
    return r.take(l.len).toString("latin1");
  }
  switch (l.enc) {
    case 0:
      return String(r.take(1).readInt8(0));
    case 1:
      return String(r.take(2).readInt16LE(0));
    case 2:
      return String(r.take(4).readInt32LE(0));
    case 3: {
      const clen = readLength(r);
      const ulen = readLength(r);
      if (!("len" in clen) || !("len" in ulen) || ulen.len > RDB_HEADER_BYTES) throw new RdbParseError("bad LZF string header");
      return lzfDecompress(r.take(clen.len), ulen.len).toString("latin1");
    }
    default:
      throw new RdbParseError(`unknown string encoding ${l.enc}`);
  }
}

/** Parses "REDIS0010" and the AUX fields that follow. Throws RdbParseError when it is not an RDB. */
export function parseRdbHeader(head: Buffer): RdbHeader {
  if (head.length < 9 || head.subarray(0, 5).toString("latin1") !== "REDIS") throw new RdbParseError("not an RDB file (no REDIS magic)");
  const version = Number(head.subarray(5, 9).toString("latin1"));
  if (!Number.isInteger(version)) throw new RdbParseError("not an RDB file (bad version)");
  const r = new Reader(head);
  r.pos = 9;
  const aux: Record<string, string> = {};
  while (r.pos < head.length && head[r.pos] === OP_AUX) {
    const start = r.pos;
    r.pos++;
    try {
      const key = readString(r);
      aux[key] = readString(r);
    } catch (err) {
      // A field cut by the end of the given bytes: keep what was complete.
      if (err instanceof RdbParseError && /header cut/.test(err.message) && start > 9) break;
      throw err;
    }
  }
  const replid = aux["repl-id"];
  const offset = aux["repl-offset"];
  const validId = replid !== undefined && /^[0-9a-f]{40}$/.test(replid) ? replid : null;
  const validOffset = offset !== undefined && /^-?\d{1,19}$/.test(offset) ? Number(offset) : null;
  return { version, aux, replid: validId, offset: validOffset };
}
