// The login secrets on disk: the bootstrap admin's password hash, the session-signing key, the
// session generation and the open sessions, in <dataDir>/auth.json (0600). Other users come from
// the config file (hashes). Sessions are listed here so that logout can end one for good (a signed
// token alone stays valid until it expires) and so that they survive a restart.
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { UserConfig } from "../config/load";
import { generatePassword, hashPassword, safeEqualStrings, verifyNobody, verifyPassword } from "./password";
import { issueToken, readToken, SESSION_TTL_MS } from "./session";

export type Role = "viewer" | "operator";
export const ADMIN = "admin";

/** Open sessions kept at most; past it the ones closest to expiry end first. */
export const MAX_SESSIONS = 10_000;

interface StoredSession {
  user: string;
  exp: number;
}

interface AuthFile {
  version: 1;
  passwordHash: string;
  sessionSecret: string;
  generation: number;
  /** Session id → owner and expiry. Absent in files written before sessions were stored. */
  sessions?: Record<string, StoredSession>;
}

export interface Identity {
  user: string;
  role: Role;
}

export interface Session extends Identity {
  sid: string;
}

export interface AuthService {
  /** Set only on the very first start without REPLSCOPE_PASSWORD: print it once. */
  readonly generatedPassword: string | null;
  /** Always one scrypt, whether or not the user exists (equal timing). */
  checkLogin(username: string, password: string): Identity | null;
  checkApiToken(token: string): boolean;
  /** Opens a session (persisted) and returns its signed token. */
  issue(who: Identity): string;
  /** The session behind a token, with the role the config gives that user today. */
  verify(token: string): Session | null;
  /** Ends the session behind this token (logout); returns it, or null if it was not open. */
  revoke(token: string): Session | null;
  /** Is this session id still open? (A socket checks once it is connected.) */
  sessionOpen(sid: string): boolean;
  /** Called with each session id that ends by logout or "log out everywhere". */
  onRevoke(listener: (sid: string) => void): () => void;
  /** Invalidates every session issued so far (all users, all browsers). */
  logoutEverywhere(): void;
  hasApiToken: boolean;
}

function writeAtomic(file: string, data: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, data, { mode: 0o600 });
  renameSync(tmp, file);
}

function readAuthFile(file: string): AuthFile | null {
  try {
    const stored = JSON.parse(readFileSync(file, "utf8")) as AuthFile;
    if (stored.version !== 1 || typeof stored.passwordHash !== "string" || typeof stored.sessionSecret !== "string") {
      throw new Error(`${file} is not a replscope auth file; move it away to create a new one`);
    }
    return stored;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
}

/** The well-formed, unexpired sessions of a stored file (anything else in it is dropped). */
function loadSessions(stored: AuthFile["sessions"], now: number): Map<string, StoredSession> {
  const out = new Map<string, StoredSession>();
  if (!stored || typeof stored !== "object") return out;
  for (const [sid, s] of Object.entries(stored)) {
    if (/^[A-Za-z0-9_-]{16,64}$/.test(sid) && typeof s?.user === "string" && typeof s.exp === "number" && s.exp > now) out.set(sid, { user: s.user, exp: s.exp });
  }
  return out;
}

export function openAuth(dataDir: string, envPassword?: string, apiToken?: string, users: UserConfig[] = []): AuthService {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, "auth.json");
  let stored = readAuthFile(file);
  let generatedPassword: string | null = null;
  if (!stored) {
    const password = envPassword ?? (generatedPassword = generatePassword());
    stored = { version: 1, passwordHash: hashPassword(password), sessionSecret: randomBytes(32).toString("hex"), generation: 0, sessions: {} };
    writeAtomic(file, JSON.stringify(stored, null, 2));
  }
  try {
    chmodSync(file, 0o600);
  } catch {
    /* best effort on filesystems without modes */
  }
  const state = { passwordHash: stored.passwordHash, sessionSecret: stored.sessionSecret, generation: stored.generation ?? 0 };
  const sessions = loadSessions(stored.sessions, Date.now());
  const secret = Buffer.from(state.sessionSecret, "hex");
  // REPLSCOPE_PASSWORD, when set, is the admin password; checked through a hash so that admin
  // costs the same scrypt as every other name.
  const adminHash = envPassword !== undefined ? hashPassword(envPassword) : state.passwordHash;
  const byName = new Map(users.map((u) => [u.name, u]));
  const roleOf = (name: string): Role | null => (name === ADMIN ? "operator" : (byName.get(name)?.role ?? null));
  const listeners = new Set<(sid: string) => void>();

  const save = () => {
    const now = Date.now();
    for (const [sid, s] of sessions) if (s.exp <= now) sessions.delete(sid);
    if (sessions.size > MAX_SESSIONS) {
      const soonest = [...sessions].sort((a, b) => a[1].exp - b[1].exp).slice(0, sessions.size - MAX_SESSIONS);
      for (const [sid] of soonest) sessions.delete(sid);
    }
    writeAtomic(file, JSON.stringify({ version: 1, ...state, sessions: Object.fromEntries(sessions) } satisfies AuthFile, null, 2));
  };
  const verify = (token: string): Session | null => {
    const p = readToken(secret, token, Date.now(), state.generation);
    const open = p?.sid !== undefined ? sessions.get(p.sid) : undefined;
    if (!p?.sid || !open || open.user !== p.sub || open.exp <= Date.now()) return null;
    const role = roleOf(p.sub);
    return role ? { user: p.sub, role, sid: p.sid } : null;
  };
  const ended = (sid: string) => {
    for (const l of listeners) l(sid);
  };

  return {
    generatedPassword,
    checkLogin(username, password) {
      const name = username || ADMIN;
      const hash = name === ADMIN ? adminHash : byName.get(name)?.passwordHash;
      if (hash === undefined) return verifyNobody(password) || null;
      const role = roleOf(name);
      return role && verifyPassword(password, hash) ? { user: name, role } : null;
    },
    checkApiToken: (t) => apiToken !== undefined && safeEqualStrings(t, apiToken),
    issue(who) {
      const sid = randomBytes(18).toString("base64url");
      const exp = Date.now() + SESSION_TTL_MS;
      sessions.set(sid, { user: who.user, exp });
      save();
      return issueToken(secret, { sub: who.user, exp, gen: state.generation, sid });
    },
    verify,
    revoke(token) {
      const s = verify(token);
      if (!s) return null;
      sessions.delete(s.sid);
      save();
      ended(s.sid);
      return s;
    },
    sessionOpen: (sid) => sessions.has(sid),
    onRevoke(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    logoutEverywhere() {
      state.generation += 1;
      const all = [...sessions].map(([sid]) => sid);
      sessions.clear();
      save();
      for (const sid of all) ended(sid);
    },
    hasApiToken: apiToken !== undefined,
  };
}
