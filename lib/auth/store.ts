// The login secrets in the store (lib/store/auth.ts): the bootstrap admin's password hash, the
// session-signing key, the session generation and the open sessions. Other users come from the
// config file (hashes). Sessions are listed so that logout can end one for good (a signed token
// alone stays valid until it expires) and so that they survive a restart. Checks are synchronous
// on an in-memory copy loaded at open; every change is written through to the store, in order.
import { randomBytes } from "node:crypto";
import type { UserConfig } from "../config/load";
import type { AuthRepo } from "../store/auth";
import type { RawQuery } from "../store/util";
import { generatePassword, hashPassword, safeEqualStrings, verifyNobody, verifyPassword } from "./password";
import { issueToken, readToken, SESSION_TTL_MS } from "./session";

export type Role = "viewer" | "operator";
export const ADMIN = "admin";

/** Open sessions kept at most; past it the ones closest to expiry end first. */
export const MAX_SESSIONS = 10_000;

interface OpenSession {
  user: string;
  exp: number;
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
  /** Resolves once every change made so far is committed (or its write failed and was logged). */
  flush(): Promise<void>;
  /**
   * Several instances: a validly signed token whose session this process has not seen (opened on
   * another instance) is looked up in the shared store, so that verify() then knows it.
   */
  learn(token: string): Promise<void>;
  /** Several instances: re-reads the open sessions and the generation; sessions ended elsewhere end here. */
  sync(): Promise<void>;
  /** Several instances: another instance ended this session (logout there). */
  forget(sid: string): void;
}

/** Sessions looked up and not found, remembered this long so a dead token does not query on every request. */
const MISS_TTL_MS = 5_000;
/** A session ended elsewhere is not re-learned this long (its delete may not be committed yet when this instance hears of it). */
const FORGOTTEN_TTL_MS = 60_000;
const MAX_MISSES = 1_000;

const SID = /^[A-Za-z0-9_-]{16,64}$/;
const HASH = /^scrypt\$/;
const SECRET = /^[0-9a-f]{64}$/;

/** Stored values that are not what replscope writes: refused rather than overwritten. */
function checkState(state: Record<string, string>): void {
  const generation = state.generation ?? "0";
  if (!HASH.test(state.passwordHash ?? "") || !SECRET.test(state.sessionSecret ?? "") || !/^\d{1,15}$/.test(generation)) {
    throw new Error("the stored auth state is not replscope's (password hash, session secret, generation); remove it to create a new one");
  }
}

export async function openAuth(
  repo: AuthRepo,
  envPassword?: string,
  apiToken?: string,
  users: UserConfig[] = [],
  /** Tests lower the bound on open sessions. */
  opts: { maxSessions?: number } = {},
): Promise<AuthService> {
  const maxSessions = opts.maxSessions ?? MAX_SESSIONS;
  let stored = await repo.getState();
  let generatedPassword: string | null = null;
  if (Object.entries(stored).length === 0) {
    // First start: only the scrypt hash of the password is stored; a generated one is printed once.
    const password = envPassword ?? (generatedPassword = generatePassword());
    const mine = { passwordHash: hashPassword(password), sessionSecret: randomBytes(32).toString("hex"), generation: "0" };
    await repo.initState(mine);
    // Another instance may have started first on the same database: its values are the ones kept.
    stored = await repo.getState();
    if (stored.passwordHash !== mine.passwordHash) generatedPassword = null;
  }
  checkState(stored);
  const state = { passwordHash: stored.passwordHash as string, sessionSecret: stored.sessionSecret as string, generation: Number(stored.generation ?? 0) };
  const sessions = new Map<string, OpenSession>();
  for (const s of await repo.sessions(Date.now())) if (SID.test(s.sid)) sessions.set(s.sid, { user: s.user, exp: s.expiresAt });
  const secret = Buffer.from(state.sessionSecret, "hex");
  // REPLSCOPE_PASSWORD, when set, is the admin password; checked through a hash so that admin
  // costs the same scrypt as every other name.
  const adminHash = envPassword !== undefined ? hashPassword(envPassword) : state.passwordHash;
  const byName = new Map(users.map((u) => [u.name, u]));
  const roleOf = (name: string): Role | null => (name === ADMIN ? "operator" : (byName.get(name)?.role ?? null));
  const listeners = new Set<(sid: string) => void>();

  // Write-through, one transaction at a time in the order the changes were made (a logout's
  // delete can never be overtaken by the login's insert). The memory copy is already current.
  let writes: Promise<void> = Promise.resolve();
  const write = (qs: RawQuery[]): void => {
    writes = writes.then(() =>
      repo.apply(qs).catch((err: unknown) => {
        console.error("replscope: cannot save the auth state (the change holds until a restart)", err);
      }),
    );
  };
  /** Drops expired sessions, then the ones closest to expiry past maxSessions; returns the queries that do it in the store. */
  const trim = (now: number): RawQuery[] => {
    const gone: string[] = [];
    for (const [sid, s] of sessions) if (s.exp <= now) sessions.delete(sid);
    if (sessions.size > maxSessions) {
      const soonest = [...sessions].sort((a, b) => a[1].exp - b[1].exp).slice(0, sessions.size - maxSessions);
      for (const [sid] of soonest) {
        sessions.delete(sid);
        gone.push(sid);
      }
    }
    return [repo.pruneSessionsQuery(now), ...repo.deleteSessionsQuery(gone)];
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

  const misses = new Map<string, number>();
  const remember = (sid: string, until: number): void => {
    const now = Date.now();
    if (misses.size >= MAX_MISSES) for (const [k, t] of misses) if (t <= now || misses.size >= MAX_MISSES) misses.delete(k);
    misses.set(sid, until);
  };
  const drop = (sid: string): void => {
    if (sessions.delete(sid)) ended(sid);
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
      const now = Date.now();
      const exp = now + SESSION_TTL_MS;
      sessions.set(sid, { user: who.user, exp });
      // The new session expires last, so the bound never evicts it.
      write([repo.putSessionQuery({ sid, user: who.user, expiresAt: exp }), ...trim(now)]);
      return issueToken(secret, { sub: who.user, exp, gen: state.generation, sid });
    },
    verify,
    revoke(token) {
      const s = verify(token);
      if (!s) return null;
      sessions.delete(s.sid);
      write(repo.deleteSessionsQuery([s.sid]));
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
      write([...repo.stateQueries({ generation: String(state.generation) }), repo.deleteAllSessionsQuery()]);
      for (const sid of all) ended(sid);
    },
    hasApiToken: apiToken !== undefined,
    flush: () => writes,
    async learn(token) {
      const p = readToken(secret, token, Date.now(), state.generation);
      if (!p?.sid || !SID.test(p.sid) || sessions.has(p.sid)) return;
      const now = Date.now();
      if ((misses.get(p.sid) ?? 0) > now) return;
      const s = await repo.session(p.sid, now);
      if (s && s.user === p.sub) {
        sessions.set(s.sid, { user: s.user, exp: s.expiresAt });
        return;
      }
      remember(p.sid, now + MISS_TTL_MS);
    },
    async sync() {
      const stored = await repo.getState();
      const generation = Number(stored.generation ?? 0);
      if (Number.isSafeInteger(generation) && generation > state.generation) {
        // "Log out everywhere" on another instance.
        state.generation = generation;
        const all = [...sessions].map(([sid]) => sid);
        sessions.clear();
        for (const sid of all) ended(sid);
      }
      // Only sessions known before this read can have ended elsewhere: one issued meanwhile may not be committed yet.
      const before = new Set([...sessions].map(([sid]) => sid));
      await writes;
      const open = new Set<string>();
      for (const s of await repo.sessions(Date.now())) {
        open.add(s.sid);
        // Learned at once, so that a login elsewhere works here without a lookup.
        if (SID.test(s.sid) && !sessions.has(s.sid) && (misses.get(s.sid) ?? 0) <= Date.now() && sessions.size < maxSessions) sessions.set(s.sid, { user: s.user, exp: s.expiresAt });
      }
      for (const sid of before) if (!open.has(sid)) drop(sid);
    },
    forget(sid) {
      remember(sid, Date.now() + FORGOTTEN_TTL_MS);
      drop(sid);
    },
  };
}
