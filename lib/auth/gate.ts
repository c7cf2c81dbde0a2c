// Who may pass: decides per request from its path and headers. Pure given the AuthService.
import type { AuthService, Role } from "./store";
import { parseCookies, SESSION_COOKIE } from "./session";
import { pathProblem } from "../http/request-path";

const PUBLIC_EXACT = new Set(["/login", "/api/health", "/api/auth/login", "/favicon.ico", "/icon.svg", "/robots.txt", "/_next/webpack-hmr"]);
const PUBLIC_PREFIXES = ["/_next/static/", "/__nextjs"];

/**
 * Public means reachable without login. Only a plain, normalised path can be public: a path that
 * Next would resolve to something else (dots, encoded separators) is never public, whatever it
 * starts with (the server refuses such paths outright; this is the second lock).
 */
export function isPublicPath(pathname: string): boolean {
  if (pathProblem(pathname) !== null) return false;
  return PUBLIC_EXACT.has(pathname) || PUBLIC_PREFIXES.some((p) => pathname.startsWith(p));
}

export interface RequestHeaders {
  cookie?: string;
  authorization?: string;
  origin?: string;
  host?: string;
}

export type AuthResult =
  | { ok: true; via: "cookie"; user: string; role: Role; sid: string }
  | { ok: true; via: "token"; user: string; role: Role }
  | { ok: false };

/** Identity headers the gate sets for route handlers; any a client sends are removed first. */
export const USER_HEADER = "x-replscope-user";
export const ROLE_HEADER = "x-replscope-role";
export const CLIENT_IP_HEADER = "x-replscope-client-ip";

export function authenticate(h: RequestHeaders, auth: AuthService): AuthResult {
  const bearer = /^Bearer\s+(.+)$/i.exec(h.authorization ?? "");
  // The API token is for automation run by whoever runs replscope: it acts as an operator.
  if (bearer?.[1] && auth.checkApiToken(bearer[1].trim())) return { ok: true, via: "token", user: "api-token", role: "operator" };
  const token = parseCookies(h.cookie)[SESSION_COOKIE];
  const who = token ? auth.verify(token) : null;
  return who ? { ok: true, via: "cookie", user: who.user, role: who.role, sid: who.sid } : { ok: false };
}

/**
 * Several instances: a session opened on another instance is looked up in the shared store the
 * first time this one sees its cookie (one query; misses are remembered for a few seconds).
 */
export async function authenticateShared(h: RequestHeaders, auth: AuthService): Promise<AuthResult> {
  const first = authenticate(h, auth);
  if (first.ok) return first;
  const token = parseCookies(h.cookie)[SESSION_COOKIE];
  if (!token) return first;
  await auth.learn(token);
  return authenticate(h, auth);
}

/** Browsers send Origin on cross-site and state-changing requests; it must name this very host. */
export function originAllowed(h: RequestHeaders): boolean {
  if (!h.origin) return true;
  try {
    return new URL(h.origin).host === h.host;
  } catch {
    return false;
  }
}

export function isSafeMethod(method: string | undefined): boolean {
  return method === "GET" || method === "HEAD" || method === "OPTIONS";
}
