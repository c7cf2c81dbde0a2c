// The login secret on disk: only a password hash and the session-signing key, in <dataDir>/auth.json (0600).
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { generatePassword, hashPassword, safeEqualStrings, verifyPassword } from "./password";
import { issueToken, readToken, SESSION_TTL_MS, type SessionPayload } from "./session";

interface AuthFile {
  version: 1;
  passwordHash: string;
  sessionSecret: string;
  generation: number;
}

export interface AuthService {
  /** Set only on the very first start without REPLSCOPE_PASSWORD: print it once. */
  readonly generatedPassword: string | null;
  checkPassword(password: string): boolean;
  checkApiToken(token: string): boolean;
  issue(sub: string): string;
  verify(token: string): SessionPayload | null;
  hasApiToken: boolean;
}

function writeAtomic(file: string, data: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, data, { mode: 0o600 });
  renameSync(tmp, file);
}

export function openAuth(dataDir: string, envPassword?: string, apiToken?: string): AuthService {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, "auth.json");
  let stored: AuthFile | null = null;
  try {
    stored = JSON.parse(readFileSync(file, "utf8")) as AuthFile;
    if (stored.version !== 1 || typeof stored.passwordHash !== "string" || typeof stored.sessionSecret !== "string") {
      throw new Error(`${file} is not a replscope auth file; move it away to create a new one`);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
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
  const secret = Buffer.from(stored.sessionSecret, "hex");
  const hash = stored.passwordHash;
  const generation = stored.generation ?? 0;
  return {
    generatedPassword,
    // REPLSCOPE_PASSWORD, when set, is the password; the stored hash is used only without it.
    checkPassword: (pw) => (envPassword !== undefined ? safeEqualStrings(pw, envPassword) : verifyPassword(pw, hash)),
    checkApiToken: (t) => apiToken !== undefined && safeEqualStrings(t, apiToken),
    issue: (sub) => issueToken(secret, { sub, exp: Date.now() + SESSION_TTL_MS, gen: generation }),
    verify: (t) => readToken(secret, t, Date.now(), generation),
    hasApiToken: apiToken !== undefined,
  };
}
