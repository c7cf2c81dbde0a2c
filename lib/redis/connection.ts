// ioredis connections for monitoring: no automatic retries or offline queue, so a dead or frozen
// node fails fast and the poller decides when to reconnect.
import { readFileSync } from "node:fs";
import Redis, { type RedisOptions } from "ioredis";

/** TLS files and options for a node (config paths; files are read when connecting). */
export interface TlsSettings {
  ca?: string;
  cert?: string;
  key?: string;
  servername?: string;
  rejectUnauthorized?: boolean;
}

export interface ConnectOptions {
  host: string;
  port: number;
  username?: string;
  password?: string;
  tls?: TlsSettings | true;
  timeoutMs: number;
  db?: number;
  connectionName?: string;
}

const tlsCache = new Map<string, Buffer>();
function readPem(file: string): Buffer {
  let pem = tlsCache.get(file);
  if (!pem) {
    pem = readFileSync(file);
    tlsCache.set(file, pem);
  }
  return pem;
}

export function tlsOptions(tls: TlsSettings | true | undefined): RedisOptions["tls"] {
  if (!tls) return undefined;
  if (tls === true) return {};
  return {
    ca: tls.ca ? readPem(tls.ca) : undefined,
    cert: tls.cert ? readPem(tls.cert) : undefined,
    key: tls.key ? readPem(tls.key) : undefined,
    servername: tls.servername,
    rejectUnauthorized: tls.rejectUnauthorized ?? true,
  };
}

export function createConnection(o: ConnectOptions): Redis {
  const redis = new Redis({
    host: o.host,
    port: o.port,
    username: o.username,
    password: o.password,
    db: o.db ?? 0,
    tls: tlsOptions(o.tls),
    lazyConnect: true,
    enableOfflineQueue: false,
    enableReadyCheck: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: o.timeoutMs,
    commandTimeout: o.timeoutMs,
    connectionName: o.connectionName ?? "replscope",
  });
  // An unhandled 'error' event would crash the process. Keep the last one: when AUTH fails, ioredis
  // rejects connect() with a bare "Connection is closed" and the real reason only comes as an event.
  redis.on("error", (err: unknown) => lastErrors.set(redis, err));
  return redis;
}

const lastErrors = new WeakMap<Redis, unknown>();

/** The most telling error for a failed operation on this connection. */
export function connectionError(redis: Redis | null, err: unknown): unknown {
  const generic = /Connection is closed|Stream isn't writeable/i.test(String((err as Error)?.message ?? err));
  return generic && redis && lastErrors.has(redis) ? lastErrors.get(redis) : err;
}

export class TimeoutError extends Error {
  constructor(ms: number, what = "no reply") {
    super(`${what} within ${ms} ms`);
    this.name = "TimeoutError";
  }
}

export async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(ms)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** One short operator-readable line per failure kind. Never includes credentials. */
export function describeRedisError(err: unknown): string {
  const e = err as { code?: string; message?: string; name?: string };
  const msg = String(e?.message ?? err).split("\n")[0]!.slice(0, 300);
  const code = e?.code ?? "";
  if (code === "ECONNREFUSED" || /ECONNREFUSED/.test(msg)) return "connection refused";
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return "host not found";
  if (code === "ECONNRESET" || /ECONNRESET/.test(msg)) return "connection reset by peer";
  if (code === "EPIPE" || /EPIPE/.test(msg)) return "connection closed by the server (EPIPE)";
  if (code === "EHOSTUNREACH" || code === "ENETUNREACH") return "host unreachable";
  if (e?.name === "TimeoutError" || /timed out|ETIMEDOUT/i.test(msg)) return `timeout: ${msg.replace(/^Command timed out$/, "no reply in time")}`;
  if (/^(WRONGPASS|NOAUTH)|invalid password|invalid username-password/i.test(msg)) return `authentication failed: ${msg}`;
  if (/^NOPERM/.test(msg)) return `not permitted: ${msg}`;
  if (/^LOADING/.test(msg)) return "loading the dataset in memory (LOADING)";
  if (/^MASTERDOWN/.test(msg)) return `MASTERDOWN: ${msg}`;
  if (/Connection is closed|Stream isn't writeable/i.test(msg)) return "connection closed";
  if (/certificate|SSL|TLS|wrong version number/i.test(msg)) return `TLS error: ${msg}`;
  return msg || "unknown error";
}
