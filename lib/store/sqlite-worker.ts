// A Kysely driver for SQLite whose better-sqlite3 Database lives in a worker thread, so no query
// (and no fsync at commit) ever runs on the event loop. The main thread sends compiled
// { sql, parameters } and gets rows back; Kysely's own SQLite adapter, compiler and introspector
// do the rest. The worker's code is a string (`eval: true`) so it survives bundling server.ts:
// there is no second file to find next to the bundle. better-sqlite3 is resolved by the main
// thread (its native addon is never bundled) and handed over as an absolute path.
import { Worker } from "node:worker_threads";
import {
  CompiledQuery,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
} from "kysely";

const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driverPath);
const db = new Database(workerData.file);
// WAL: readers never block the writer, and a kill -9 can only lose commits not yet made.
// synchronous=NORMAL in WAL mode: a process crash loses nothing committed; a power cut may lose
// the last commits but never corrupts the file.
db.pragma("journal_mode = WAL");
db.pragma("synchronous = NORMAL");
db.pragma("busy_timeout = 5000");
const cache = new Map();
function prepare(sql) {
  let s = cache.get(sql);
  if (!s) {
    s = db.prepare(sql);
    // Bounded: past 256 statements the oldest is dropped (Map iterates in insertion order).
    if (cache.size >= 256) for (const [oldest] of cache) { cache.delete(oldest); break; }
    cache.set(sql, s);
  }
  return s;
}
function run(sql, params) {
  const s = prepare(sql);
  if (s.reader) return { rows: s.all(params) };
  const r = s.run(params);
  return { rows: [], changes: r.changes, lastInsertRowid: Number(r.lastInsertRowid) };
}
const batch = db.transaction((queries) => {
  let changes = 0;
  for (const q of queries) changes += run(q.sql, q.params).changes || 0;
  return { rows: [], changes };
});
parentPort.on("message", (m) => {
  try {
    if (m.op === "close") {
      db.close();
      parentPort.postMessage({ id: m.id, ok: true, result: { rows: [] } });
      parentPort.close();
      return;
    }
    const result = m.op === "batch" ? batch(m.queries) : run(m.sql, m.params);
    parentPort.postMessage({ id: m.id, ok: true, result });
  } catch (err) {
    parentPort.postMessage({ id: m.id, ok: false, error: { message: String(err && err.message || err), code: err && err.code } });
  }
});
`;

interface WorkerResult {
  rows: Record<string, unknown>[];
  changes?: number;
  lastInsertRowid?: number;
}
type Reply = { id: number; ok: true; result: WorkerResult } | { id: number; ok: false; error: { message: string; code?: string } };
export interface RawQuery {
  sql: string;
  params: readonly unknown[];
}

/** The worker and its request/answer bookkeeping. */
class SqliteWorker {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, { resolve: (r: WorkerResult) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private dead: Error | null = null;

  constructor(file: string) {
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, driverPath: require.resolve("better-sqlite3") } });
    this.worker.on("message", (m: Reply) => {
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (m.ok) w.resolve(m.result);
      else w.reject(Object.assign(new Error(m.error.message), { code: m.error.code }));
    });
    const fail = (err: Error) => {
      this.dead = err;
      for (const w of this.waiting.values()) w.reject(err);
      this.waiting.clear();
    };
    this.worker.on("error", fail);
    this.worker.on("exit", () => fail(new Error("sqlite worker exited")));
  }

  send(msg: { op: "exec"; sql: string; params: readonly unknown[] } | { op: "batch"; queries: RawQuery[] } | { op: "close" }): Promise<WorkerResult> {
    if (this.dead) return Promise.reject(this.dead);
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, ...msg });
    });
  }

  async close(): Promise<void> {
    if (this.dead) return;
    await this.send({ op: "close" }).catch(() => undefined);
    await this.worker.terminate();
  }
}

class WorkerConnection implements DatabaseConnection {
  constructor(private readonly w: SqliteWorker) {}

  async executeQuery<R>(q: CompiledQuery): Promise<QueryResult<R>> {
    const r = await this.w.send({ op: "exec", sql: q.sql, params: q.parameters });
    return {
      rows: r.rows as R[],
      ...(r.changes !== undefined ? { numAffectedRows: BigInt(r.changes) } : {}),
      ...(r.lastInsertRowid !== undefined ? { insertId: BigInt(r.lastInsertRowid) } : {}),
    };
  }

  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error("streaming is not supported by the sqlite worker driver");
  }
}

/** SQLite has one connection: callers take turns (a transaction holds it from begin to commit). */
class Mutex {
  private tail: Promise<void> = Promise.resolve();
  private release: (() => void) | null = null;
  async lock(): Promise<void> {
    const prev = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((r) => (release = r));
    await prev;
    this.release = release;
  }
  unlock(): void {
    const r = this.release;
    this.release = null;
    r?.();
  }
}

export class WorkerSqliteDriver implements Driver {
  private worker: SqliteWorker | null = null;
  private conn: WorkerConnection | null = null;
  private readonly mutex = new Mutex();

  constructor(private readonly file: string) {}

  async init(): Promise<void> {
    this.worker = new SqliteWorker(this.file);
    this.conn = new WorkerConnection(this.worker);
    // Fails here, at open, when the file cannot be opened or is not a database.
    await this.conn.executeQuery(CompiledQuery.raw("select 1"));
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.mutex.lock();
    if (!this.conn) throw new Error("sqlite driver is not initialised");
    return this.conn;
  }

  async beginTransaction(c: DatabaseConnection): Promise<void> {
    await c.executeQuery(CompiledQuery.raw("begin immediate"));
  }

  async commitTransaction(c: DatabaseConnection): Promise<void> {
    await c.executeQuery(CompiledQuery.raw("commit"));
  }

  async rollbackTransaction(c: DatabaseConnection): Promise<void> {
    await c.executeQuery(CompiledQuery.raw("rollback"));
  }

  async releaseConnection(): Promise<void> {
    this.mutex.unlock();
  }

  /** Several statements in one transaction, in one round trip to the worker. */
  async batch(queries: RawQuery[]): Promise<number> {
    await this.mutex.lock();
    try {
      if (!this.worker) throw new Error("sqlite driver is not initialised");
      return (await this.worker.send({ op: "batch", queries })).changes ?? 0;
    } finally {
      this.mutex.unlock();
    }
  }

  async destroy(): Promise<void> {
    await this.worker?.close();
    this.worker = null;
    this.conn = null;
  }
}

export function workerSqliteDialect(driver: WorkerSqliteDriver): Dialect {
  return {
    createAdapter: () => new SqliteAdapter(),
    createDriver: () => driver,
    createIntrospector: (db: Kysely<unknown>) => new SqliteIntrospector(db),
    createQueryCompiler: () => new SqliteQueryCompiler(),
  };
}
