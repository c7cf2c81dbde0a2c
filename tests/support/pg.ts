// PostgreSQL for tests and benchmarks: the local server (127.0.0.1:5432, trust auth, user
// postgres), on which each test creates its own database and drops it after. Nothing else may
// depend on it.
import pg from "pg";

export const PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres";

/** Runs one statement on `url` (the admin database by default) and returns its rows. */
export async function pgQuery<T = Record<string, unknown>>(text: string, params: unknown[] = [], url = PG_ADMIN): Promise<T[]> {
  const c = new pg.Client(url);
  await c.connect();
  try {
    return (await c.query(text, params)).rows as T[];
  } finally {
    await c.end();
  }
}

/** A fresh database named `<prefix>_<pid>_<time>`: its URL, and drop() (safe to call twice). */
export async function createTestDatabase(prefix: string): Promise<{ name: string; url: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${process.pid}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;
  await pgQuery(`create database ${name}`);
  return { name, url: `postgres://postgres@127.0.0.1:5432/${name}`, drop: async () => void (await pgQuery(`drop database if exists ${name} with (force)`)) };
}
