// How value bytes are shown: readable text when they are UTF-8, hex otherwise; long elements cut.
// Pure.
import { encodeKey } from "./codec";

/** A collection element (field, member, item, stream value) as sent to the browser. */
export interface ValuePart {
  /** codec token of the bytes shown (the prefix when cut). */
  token: string;
  /** Full size in bytes, present only when the element was cut. */
  fullBytes?: number;
}

export type StringFormat = "text" | "binary";

export interface StringView {
  format: StringFormat;
  /** The text, or lowercase hex when binary. */
  data: string;
  /** Bytes represented by `data` (a cut can drop up to 3 bytes of a split UTF-8 character). */
  bytes: number;
  /** Complete text that parses as a JSON object or array, so the UI may pretty-print it. */
  json: boolean;
}

/** Drop an incomplete UTF-8 sequence at the end of a cut, so text is not misread as binary. */
export function trimPartialUtf8(buf: Buffer): Buffer {
  for (let back = 1; back <= Math.min(3, buf.length); back++) {
    const byte = buf[buf.length - back] ?? 0;
    if ((byte & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead byte
    const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return need > back ? buf.subarray(0, buf.length - back) : buf;
  }
  return buf;
}

// Tab, newline and carriage return are normal in text values; other controls mean binary.
const BINARY_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** `complete`: no bytes follow `raw` (otherwise a split trailing character is trimmed off). */
export function viewString(raw: Buffer, complete: boolean): StringView {
  const buf = complete ? raw : trimPartialUtf8(raw);
  const text = buf.toString("utf8");
  if (Buffer.from(text, "utf8").equals(buf) && !BINARY_CONTROL.test(text)) {
    return { format: "text", data: text, bytes: buf.length, json: complete && looksLikeJson(text) };
  }
  return { format: "binary", data: raw.toString("hex"), bytes: raw.length, json: false };
}

function looksLikeJson(text: string): boolean {
  const t = text.trimStart();
  if (!t.startsWith("{") && !t.startsWith("[")) return false;
  try {
    JSON.parse(t);
    return true;
  } catch {
    return false;
  }
}

export function toPart(buf: Buffer, maxBytes: number): ValuePart {
  if (buf.length <= maxBytes) return { token: encodeKey(buf) };
  return { token: encodeKey(trimPartialUtf8(buf.subarray(0, maxBytes))), fullBytes: buf.length };
}
