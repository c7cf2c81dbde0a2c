// Splits a file read in chunks into lines while tracking byte offsets, so the store can tell
// exactly where the last good line ends and cut a torn tail off there.

export interface ScannedLine {
  /** The line without its newline; null when it exceeded maxLineBytes (treated as invalid). */
  text: string | null;
  /** Byte offset of the line's first byte. */
  start: number;
  /** Byte offset just past its newline. */
  end: number;
}

export class LineScanner {
  private parts: Buffer[] = [];
  private partLen = 0;
  private consumed = 0;
  private lineStart = 0;

  // A bound on one line keeps memory flat even if a segment is garbage without newlines.
  constructor(private readonly maxLineBytes = 1 << 20) {}

  feed(chunk: Buffer): ScannedLine[] {
    const out: ScannedLine[] = [];
    let from = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, from);
      if (nl === -1) break;
      const piece = chunk.subarray(from, nl);
      const end = this.consumed + nl + 1;
      const tooLong = this.partLen + piece.length > this.maxLineBytes;
      const text = tooLong ? null : (this.parts.length > 0 ? Buffer.concat([...this.parts, piece]) : piece).toString("utf8");
      out.push({ text, start: this.lineStart, end });
      this.parts = [];
      this.partLen = 0;
      this.lineStart = end;
      from = nl + 1;
    }
    const rest = chunk.subarray(from);
    if (rest.length > 0) {
      // Copy: the caller may reuse its read buffer for the next chunk.
      if (this.partLen + rest.length <= this.maxLineBytes) this.parts.push(Buffer.from(rest));
      else this.parts = [];
      this.partLen += rest.length;
    }
    this.consumed += chunk.length;
    return out;
  }

  /** Bytes after the last newline: a torn write when non-zero. */
  tail(): { start: number; bytes: number } {
    return { start: this.lineStart, bytes: this.consumed - this.lineStart };
  }
}
