// Binary-safe key names. Redis keys (and field names, members, values) are byte strings; the
// browser needs (a) something readable and (b) a token it can send back to open the same bytes.
// Pure: safe to import from client components.
import { KeyQueryError } from "../redis/errors";

const B64_PREFIX = "b64:";
const B64_BODY = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Characters that must never reach a screen raw: controls (Cc: they corrupt terminals and logs),
 * format characters (Cf: bidi overrides and isolates U+202A-E, U+2066-9, marks U+200E/F, zero
 * widths U+200B-D, U+FEFF, tags), line/paragraph separators, and the other default-ignorable
 * (invisible) code points. "\u202Egnp.exe" would otherwise render as "exe.png".
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/u;
const INVISIBLE_ALL = new RegExp(INVISIBLE.source, "gu");

/** The bytes as a JS string when they are valid UTF-8 that re-encodes to exactly the same bytes. */
export function utf8IfExact(buf: Buffer): string | null {
  const text = buf.toString("utf8");
  // Node replaces invalid sequences with U+FFFD, so a lossless decode re-encodes to the same bytes.
  return Buffer.from(text, "utf8").equals(buf) ? text : null;
}

/**
 * Token the browser carries to reopen a key: the plain UTF-8 text when that is lossless and free
 * of control and invisible characters, otherwise "b64:" + base64. Plain names that themselves start with "b64:"
 * are base64-encoded too, so decoding is never ambiguous.
 */
export function encodeKey(buf: Buffer): string {
  const text = utf8IfExact(buf);
  if (text !== null && !INVISIBLE.test(text) && !text.startsWith(B64_PREFIX)) return text;
  return B64_PREFIX + buf.toString("base64");
}

export class KeyTokenError extends KeyQueryError {
  override name = "KeyTokenError";
}

/** Inverse of encodeKey. Throws KeyTokenError on malformed base64 or lone UTF-16 surrogates. */
export function decodeKey(token: string): Buffer {
  if (token.startsWith(B64_PREFIX)) {
    const body = token.slice(B64_PREFIX.length);
    const buf = Buffer.from(body, "base64");
    // Buffer.from silently skips junk; insist the body is canonical base64 of what we decoded.
    if (!B64_BODY.test(body) || buf.toString("base64") !== body) {
      throw new KeyTokenError(`malformed key token: ${JSON.stringify(token.slice(0, 80))}`);
    }
    return buf;
  }
  if (!token.isWellFormed()) throw new KeyTokenError("key token contains a lone surrogate");
  return Buffer.from(token, "utf8");
}

/** True when every byte is printable ASCII (0x20-0x7e): its token and display are the bytes as-is. */
function isPrintableAscii(buf: Buffer): boolean {
  for (const byte of buf) if (byte < 0x20 || byte > 0x7e) return false;
  return true;
}

/**
 * encodeKey and displayKey of one name at once. Most key names are printable ASCII, for which both
 * are the text itself: a byte loop instead of two UTF-8 round trips and two Unicode regexes, which
 * matters when a listing page names thousands of keys. `latin1` is buf.toString("latin1") when the
 * caller has it already (a listing dedupes by it).
 */
export function keyNames(buf: Buffer, latin1 = buf.toString("latin1")): { key: string; display: string } {
  if (isPrintableAscii(buf) && !latin1.startsWith(B64_PREFIX)) return { key: latin1, display: latin1 };
  return { key: encodeKey(buf), display: displayKey(buf) };
}

/** Display text for a token (for field names and values sent as tokens). */
export function displayToken(token: string): string {
  return displayKey(decodeKey(token));
}

const NAMED_ESCAPES: Record<number, string> = { 0x0a: "\\n", 0x0d: "\\r", 0x09: "\\t", 0x07: "\\a", 0x08: "\\b" };

function hex2(n: number): string {
  return n.toString(16).padStart(2, "0");
}

/**
 * Text with every control and invisible character written as an escape ("\n", "\x00",
 * "\u202e", "\u{e0041}"), everything else as-is. The one place that decides how key names (and
 * other text from Redis) are shown; safe in client components (no Buffer).
 */
export function escapeInvisible(text: string): string {
  return text.replace(INVISIBLE_ALL, (c) => {
    const code = c.codePointAt(0) ?? 0;
    if (NAMED_ESCAPES[code]) return NAMED_ESCAPES[code];
    if (code < 0x80) return `\\x${hex2(code)}`;
    return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

/**
 * Human-readable form. Valid UTF-8 is shown as-is with controls and invisible characters escaped;
 * anything else is escaped byte by byte the way redis-cli prints it ("\xff", "\n", "\\"), so
 * operators can recognise it.
 */
export function displayKey(buf: Buffer): string {
  const text = utf8IfExact(buf);
  if (text !== null) return escapeInvisible(text);
  let out = "";
  for (const byte of buf) {
    if (byte === 0x5c) out += "\\\\";
    else if (NAMED_ESCAPES[byte]) out += NAMED_ESCAPES[byte];
    else if (byte >= 0x20 && byte < 0x7f) out += String.fromCharCode(byte);
    else out += `\\x${hex2(byte)}`;
  }
  return out;
}
