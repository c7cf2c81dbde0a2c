// Display text for key/value tokens in the browser (lib/keys/codec.ts makes them on the server).
// Plain tokens are the text itself; "b64:" tokens are bytes that are not clean UTF-8, shown escaped
// the way redis-cli prints them. Written against Uint8Array so it needs no Buffer polyfill.

import { escapeInvisible } from "@/lib/keys/codec";

const B64 = "b64:";

export function tokenBytes(token: string): Uint8Array {
  if (!token.startsWith(B64)) return new TextEncoder().encode(token);
  const bin = atob(token.slice(B64.length));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

const NAMED: Record<number, string> = { 0x0a: "\\n", 0x0d: "\\r", 0x09: "\\t", 0x07: "\\a", 0x08: "\\b" };

export function tokenText(token: string): string {
  // Plain tokens never hold controls or invisible characters (the server base64s those), but a
  // token can come from a URL: escape anyway.
  if (!token.startsWith(B64)) return escapeInvisible(token);
  const bytes = tokenBytes(token);
  try {
    // Valid UTF-8 with control or invisible characters: escape just those.
    return escapeInvisible(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    let out = "";
    for (const b of bytes) {
      if (b === 0x5c) out += "\\\\";
      else if (NAMED[b]) out += NAMED[b];
      else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
      else out += `\\x${b.toString(16).padStart(2, "0")}`;
    }
    return out;
  }
}

/** True when the token had to be escaped (shown in a distinct style). */
export function isEscaped(token: string): boolean {
  return token.startsWith(B64);
}

export function formatTtl(ttl: number | null | undefined): string {
  if (ttl === null || ttl === undefined) return "—";
  if (ttl === -1) return "no expiry";
  if (ttl < 0) return "expired";
  if (ttl < 120) return `${ttl}s`;
  if (ttl < 7200) return `${Math.floor(ttl / 60)}m ${ttl % 60}s`;
  if (ttl < 172_800) return `${Math.floor(ttl / 3600)}h ${Math.floor((ttl % 3600) / 60)}m`;
  return `${Math.floor(ttl / 86_400)}d ${Math.floor((ttl % 86_400) / 3600)}h`;
}

export const TYPE_COLORS: Record<string, string> = {
  string: "text-sky-300 bg-sky-500/10 ring-sky-500/30",
  hash: "text-violet-300 bg-violet-500/10 ring-violet-500/30",
  list: "text-emerald-300 bg-emerald-500/10 ring-emerald-500/30",
  set: "text-amber-300 bg-amber-500/10 ring-amber-500/30",
  zset: "text-rose-300 bg-rose-500/10 ring-rose-500/30",
  stream: "text-teal-300 bg-teal-500/10 ring-teal-500/30",
};
