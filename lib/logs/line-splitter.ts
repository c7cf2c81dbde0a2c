// Splits a byte stream into text lines. Pure. Holds at most `maxLineBytes` of an unfinished line, so a
// file without newlines can't grow memory; longer lines are cut and marked, the rest of them dropped.

export const DEFAULT_MAX_LINE_BYTES = 64 * 1024;
export const lineCutMarker = (maxLineBytes: number) => ` [… line cut at ${maxLineBytes} bytes]`;

const NL = 0x0a;

export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Dropping bytes up to the next newline (after a cut, or when starting mid-line). */
  private skipping = false;

  constructor(private readonly maxLineBytes = DEFAULT_MAX_LINE_BYTES) {}

  /** Complete lines found in `chunk`. The chunk may be reused by the caller afterwards. */
  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(NL, start);
      if (nl === -1) {
        this.hold(chunk.subarray(start), lines);
        break;
      }
      const piece = chunk.subarray(start, nl);
      start = nl + 1;
      if (this.skipping) {
        this.skipping = false;
        continue;
      }
      lines.push(this.finish(piece));
    }
    return lines;
  }

  /** The unfinished last line, if any, as a line of its own (end of a rotated or truncated file). */
  flush(): string | null {
    this.skipping = false;
    if (this.pendingBytes === 0) return null;
    return this.finish(Buffer.alloc(0));
  }

  /** Ignore everything up to and including the next newline. */
  skipToNextLine(): void {
    this.pending = [];
    this.pendingBytes = 0;
    this.skipping = true;
  }

  private hold(rest: Buffer, lines: string[]): void {
    if (this.skipping) return;
    this.pending.push(Buffer.from(rest));
    this.pendingBytes += rest.length;
    if (this.pendingBytes > this.maxLineBytes) {
      lines.push(this.finish(Buffer.alloc(0)));
      this.skipping = true;
    }
  }

  private finish(last: Buffer): string {
    const total = this.pendingBytes + last.length;
    const bytes = this.pendingBytes === 0 ? last : Buffer.concat([...this.pending, last], total);
    this.pending = [];
    this.pendingBytes = 0;
    if (total > this.maxLineBytes) {
      return decode(bytes.subarray(0, charBoundary(bytes, this.maxLineBytes))) + lineCutMarker(this.maxLineBytes);
    }
    return decode(bytes);
  }
}

function decode(bytes: Buffer): string {
  const text = bytes.toString("utf8");
  return text.endsWith("\r") ? text.slice(0, -1) : text;
}

/** Largest cut <= `at` that doesn't split a UTF-8 sequence. */
function charBoundary(bytes: Buffer, at: number): number {
  let i = at;
  while (i > 0 && ((bytes[i] ?? 0) & 0xc0) === 0x80) i--;
  return i;
}
