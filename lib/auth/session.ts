// Signed session tokens: base64url(payload).base64url(HMAC-SHA256). Pure given the secret. The
// signature proves replscope issued the token; the session id in it must also still be listed in
// the auth store (lib/auth/store.ts), which is what lets logout end one session for good.
import { parseCookie } from "cookie";
import { createHmac } from "node:crypto";
import { safeEqualStrings } from "./password";

export const SESSION_COOKIE = "replscope_session";
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

export interface SessionPayload {
  sub: string;
  exp: number;
  /** Bumped by "log out everywhere": tokens from older generations stop working. */
  gen: number;
  /** The server-side session this token belongs to (tokens without one are from before sessions were stored). */
  sid?: string;
}

function sign(secret: Buffer, body: string): string {
  return createHmac("sha256", secret).update(body).digest("base64url");
}

export function issueToken(secret: Buffer, payload: SessionPayload): string {
  const body = Buffer.from(JSON.stringify(payload)).toString("base64url");
  return `${body}.${sign(secret, body)}`;
}

export function readToken(secret: Buffer, token: string, now = Date.now(), generation = 0): SessionPayload | null {
  if (token.length > 2048) return null;
  const dot = token.indexOf(".");
  if (dot <= 0) return null;
  const body = token.slice(0, dot);
  if (!safeEqualStrings(sign(secret, body), token.slice(dot + 1))) return null;
  try {
    const p = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as SessionPayload;
    if (typeof p.exp !== "number" || p.exp < now || typeof p.sub !== "string" || p.gen !== generation) return null;
    if (p.sid !== undefined && typeof p.sid !== "string") return null;
    return p;
  } catch {
    return null;
  }
}

/** Undefined for a value that is not valid percent-encoding: such a cookie is dropped, not passed on raw. */
function decodeOrDrop(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

/** A Cookie header's name → value pairs (the `cookie` package parses); nameless and malformed pairs are left out. */
export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const [name, value] of Object.entries(parseCookie(header, { decode: decodeOrDrop }))) {
    if (name && value !== undefined) out[name] = value;
  }
  return out;
}

export function sessionCookie(token: string, secure: boolean, maxAgeMs = SESSION_TTL_MS): string {
  return [
    `${SESSION_COOKIE}=${token}`,
    "Path=/",
    "HttpOnly",
    "SameSite=Strict",
    `Max-Age=${Math.floor(maxAgeMs / 1000)}`,
    ...(secure ? ["Secure"] : []),
  ].join("; ");
}

export function clearedSessionCookie(): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`;
}
