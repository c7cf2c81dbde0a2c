// Auth state: single values (password hash, session secret, generation ...), users with their
// password hashes and roles, open sessions. Every write commits before it resolves; the *Query
// builders let lib/auth/store.ts commit several changes in one transaction (`apply`).
import type { Kysely } from "kysely";
import type { Database } from "./schema";
import { chunks, type RawQuery } from "./util";

export interface StoredUser {
  name: string;
  passwordHash: string;
  role: string;
}

export interface StoredSession {
  sid: string;
  user: string;
  expiresAt: number;
}

export class AuthRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly commit: (qs: RawQuery[]) => Promise<void>,
  ) {}

  async getState(): Promise<Record<string, string>> {
    const rows = await this.db.selectFrom("auth_state").selectAll().execute();
    const out: Record<string, string> = {};
    for (const r of rows) out[r.key] = r.value;
    return out;
  }

  async setState(values: Record<string, string>): Promise<void> {
    await this.commit(this.stateQueries(values));
  }

  /**
   * Writes only the values not stored yet (first start): when several instances start at once on
   * one database, the first one's session secret wins and every instance reads that one back.
   */
  async initState(values: Record<string, string>): Promise<void> {
    await this.commit(
      Object.entries(values).map(([key, value]) => {
        const q = this.db.insertInto("auth_state").values({ key, value }).onConflict((oc) => oc.column("key").doNothing()).compile();
        return { sql: q.sql, params: q.parameters };
      }),
    );
  }

  /** One open session (another instance may have opened it), or null when it is gone or expired. */
  async session(sid: string, now = Date.now()): Promise<StoredSession | null> {
    const r = await this.db.selectFrom("auth_sessions").selectAll().where("sid", "=", sid).where("expires_at", ">", now).executeTakeFirst();
    return r ? { sid: r.sid, user: r.user, expiresAt: Number(r.expires_at) } : null;
  }

  stateQueries(values: Record<string, string>): RawQuery[] {
    return Object.entries(values).map(([key, value]) => {
      const q = this.db.insertInto("auth_state").values({ key, value }).onConflict((oc) => oc.column("key").doUpdateSet({ value })).compile();
      return { sql: q.sql, params: q.parameters };
    });
  }

  putSessionQuery(s: StoredSession): RawQuery {
    const q = this.db
      .insertInto("auth_sessions")
      .values({ sid: s.sid, user: s.user, expires_at: s.expiresAt })
      .onConflict((oc) => oc.column("sid").doUpdateSet({ user: s.user, expires_at: s.expiresAt }))
      .compile();
    return { sql: q.sql, params: q.parameters };
  }

  deleteSessionsQuery(sids: readonly string[]): RawQuery[] {
    if (sids.length === 0) return [];
    return chunks(sids, 500).map((part) => {
      const q = this.db.deleteFrom("auth_sessions").where("sid", "in", part).compile();
      return { sql: q.sql, params: q.parameters };
    });
  }

  deleteAllSessionsQuery(): RawQuery {
    const q = this.db.deleteFrom("auth_sessions").compile();
    return { sql: q.sql, params: q.parameters };
  }

  pruneSessionsQuery(now: number): RawQuery {
    const q = this.db.deleteFrom("auth_sessions").where("expires_at", "<=", now).compile();
    return { sql: q.sql, params: q.parameters };
  }

  /** Commits the given changes in one transaction. */
  async apply(qs: RawQuery[]): Promise<void> {
    await this.commit(qs);
  }

  async users(): Promise<StoredUser[]> {
    const rows = await this.db.selectFrom("auth_users").selectAll().orderBy("name").execute();
    return rows.map((r) => ({ name: r.name, passwordHash: r.password_hash, role: r.role }));
  }

  async putUser(u: StoredUser, now = Date.now()): Promise<void> {
    const q = this.db
      .insertInto("auth_users")
      .values({ name: u.name, password_hash: u.passwordHash, role: u.role, updated_at: now })
      .onConflict((oc) => oc.column("name").doUpdateSet({ password_hash: u.passwordHash, role: u.role, updated_at: now }))
      .compile();
    await this.commit([{ sql: q.sql, params: q.parameters }]);
  }

  async deleteUser(name: string): Promise<void> {
    const q = this.db.deleteFrom("auth_users").where("name", "=", name).compile();
    await this.commit([{ sql: q.sql, params: q.parameters }]);
  }

  /** Open sessions that have not expired at `now`. */
  async sessions(now = Date.now()): Promise<StoredSession[]> {
    const rows = await this.db.selectFrom("auth_sessions").selectAll().where("expires_at", ">", now).execute();
    return rows.map((r) => ({ sid: r.sid, user: r.user, expiresAt: Number(r.expires_at) }));
  }

  async putSession(s: StoredSession): Promise<void> {
    await this.commit([this.putSessionQuery(s)]);
  }

  async deleteSessions(sids: readonly string[]): Promise<void> {
    await this.commit(this.deleteSessionsQuery(sids));
  }

  async deleteAllSessions(): Promise<void> {
    await this.commit([this.deleteAllSessionsQuery()]);
  }

  /** Drops expired sessions. */
  async pruneSessions(now = Date.now()): Promise<number> {
    const r = await this.db.deleteFrom("auth_sessions").where("expires_at", "<=", now).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
