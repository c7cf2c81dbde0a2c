// The login secrets on disk: the bootstrap admin's password hash, the session-signing key and the
// session generation, in <dataDir>/auth.json (0600). Other users come from the config file (hashes).
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { UserConfig } from "../config/load";
import { generatePassword, hashPassword, safeEqualStrings, verifyPassword } from "./password";
import { issueToken, readToken, SESSION_TTL_MS, type SessionPayload } from "./session";

export type Role = "viewer" | "operator";
export const ADMIN = "admin";

interface AuthFile {
  version: 1;
  passwordHash: string;
  sessionSecret: string;
  generation: number;
}

export interface Identity {
  user: string;
  role: Role;
}

export interface AuthService {
  /** Set only on the very first start without REPLSCOPE_PASSWORD: print it once. */
  readonly generatedPassword: string | null;
  checkLogin(username: string, password: string): Identity | null;
  checkApiToken(token: string): boolean;
  issue(who: Identity): string;
  /** The identity behind a session token, with the role the config gives that user today. */
  verify(token: string): Identity | null;
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

export function openAuth(dataDir: string, envPassword?: string, apiToken?: string, users: UserConfig[] = []): AuthService {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, "auth.json");
  let stored = readAuthFile(file);
  let generatedPassword: string | null = null;
  if (!stored) {
    const password = envPassword ?? (generatedPassword = generatePassword());
    stored = { version: 1, passwordHash: hashPassword(password), sessionSecret: randomBytes(32).toString("hex"), generation: 0 };
    writeAtomic(file, JSON.stringify(stored, null, 2));
  }
  try {
    chmodSync(file, 0o600);
  } catch {
    /* best effort on filesystems without modes */
  }
  const state: AuthFile = { ...stored, generation: stored.generation ?? 0 };
  const secret = Buffer.from(state.sessionSecret, "hex");
  const byName = new Map(users.map((u) => [u.name, u]));
  const roleOf = (name: string): Role | null => (name === ADMIN ? "operator" : (byName.get(name)?.role ?? null));
  return {
    generatedPassword,
    checkLogin(username, password) {
      const name = username || ADMIN;
      if (name === ADMIN) {
        // REPLSCOPE_PASSWORD, when set, is the admin password; the stored hash is used only without it.
        const ok = envPassword !== undefined ? safeEqualStrings(password, envPassword) : verifyPassword(password, state.passwordHash);
        return ok ? { user: ADMIN, role: "operator" } : null;
      }
      const u = byName.get(name);
      return u && verifyPassword(password, u.passwordHash) ? { user: u.name, role: u.role } : null;
    },
    checkApiToken: (t) => apiToken !== undefined && safeEqualStrings(t, apiToken),
    issue: (who) => issueToken(secret, { sub: who.user, exp: Date.now() + SESSION_TTL_MS, gen: state.generation }),
    verify(token) {
      const p: SessionPayload | null = readToken(secret, token, Date.now(), state.generation);
      const role = p ? roleOf(p.sub) : null;
      return p && role ? { user: p.sub, role } : null;
    },
    logoutEverywhere() {
      state.generation += 1;
      writeAtomic(file, JSON.stringify(state, null, 2));
    },
    hasApiToken: apiToken !== undefined,
  };
}
