// Reads configuration from the environment (and the JSON file REPLSCOPE_CONFIG names).
import { formatAddress, splitAddress } from "../redis/address";
import type { TlsSettings } from "../redis/connection";
import { readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { AlertRulesSchema, type AlertRules } from "../alerts/rules";
import type { AllowEntry } from "../redis/allow-list";
import { ConfigFileSchema, describeIssues, type RedisEndpoint, type TopologyInput } from "./schema";

export class ConfigError extends Error {
  override name = "ConfigError";
}

// How to reach a node over TLS; defined with the connection that uses it (lib/redis must not import lib/config).
export type { TlsSettings };

export interface TopologyConfig {
  name: string;
  seeds: RedisEndpoint[];
  username?: string;
  password?: string;
  tls?: TlsSettings;
  nodes: Record<string, { username?: string; password?: string; logFile?: string }>;
  pollMs: number;
  infoMs: number;
  timeoutMs: number;
  expectedReplicas?: number;
  drills: boolean;
  /** Defaults apply when unset (tests build configs by hand). */
  alerts?: AlertRules;
  webhook?: string;
  sentinels?: RedisEndpoint[];
  sentinelMaster?: string;
  /** true: the seeds are cluster nodes; false: never watch a cluster; unset: asked (INFO cluster). */
  cluster?: boolean;
  /**
   * Directories (besides /var/log) whose files may be followed when a node names its log file.
   * Optional so tests can build configs by hand; unset means /var/log only.
   */
  logDirs?: string[];
  /** Never read as a log, even inside logDirs: replscope's data dir, config file and TLS key. */
  privatePaths?: string[];
  /**
   * Directories where a node's RDB file (CONFIG GET dir + dbfilename, loopback nodes only) may be
   * copied from as a backup. Unset or empty: snapshots are fetched over replication instead.
   */
  backupSourceDirs?: string[];
  /** Announced addresses replscope may dial; unset means every announced node (like Sentinel). */
  discoveryAllow?: AllowEntry[];
  /** A down node no live node lists is forgotten after this long. Default FORGET_AFTER_MS. */
  forgetAfterMs?: number;
}

export const FORGET_AFTER_MS = 10 * 60_000;

export interface UserConfig {
  name: string;
  role: "viewer" | "operator";
  passwordHash: string;
}

export interface AppConfig {
  users: UserConfig[];
  viewerValues: boolean;
  host: string;
  port: number;
  /** REPLSCOPE_PUBLIC_URL: the URL users open; its host is then the only Host header answered. */
  publicUrl?: string;
  dataDir: string;
  /** REPLSCOPE_DATABASE_URL: a shared PostgreSQL instead of SQLite in the data dir. May hold a password: never printed. */
  databaseUrl?: string;
  password?: string;
  apiToken?: string;
  topologies: TopologyConfig[];
  /** REPLSCOPE_IMPORT_MAX_BYTES: the largest dump POST /api/import accepts (default IMPORT_MAX_BYTES). */
  importMaxBytes?: number;
  /** REPLSCOPE_COORDINATION_URL: the Redis several instances share (socket.io adapter). May hold a password: never printed. */
  coordinationUrl?: string;
  /** REPLSCOPE_INSTANCE_ID: this instance's name among several (default host:port, set at start). */
  instanceId?: string;
}

export type Env = Record<string, string | undefined>;

const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0, "PORT must be 0-65535").max(65535, "PORT must be 0-65535").default(3000),
  HOST: z.string().min(1).default("127.0.0.1"),
  REPLSCOPE_POLL_MS: z.coerce.number().int().min(50, "at least 50 ms").max(60_000, "at most 60000 ms").default(250),
  REPLSCOPE_PUBLIC_URL: z
    .url({ protocol: /^https?$/, error: "REPLSCOPE_PUBLIC_URL must be an http(s) URL like https://replscope.example.com" })
    .refine((u) => URL.canParse(u) && ["", "/"].includes(new URL(u).pathname), "REPLSCOPE_PUBLIC_URL is scheme://host[:port] only (no path)")
    .optional(),
  REPLSCOPE_DATA_DIR: z.string().min(1).default("./.replscope"),
  REPLSCOPE_IMPORT_MAX_BYTES: z.coerce.number().int().min(1024 * 1024, "REPLSCOPE_IMPORT_MAX_BYTES must be at least 1048576").max(2 ** 50, "REPLSCOPE_IMPORT_MAX_BYTES is too large").optional(),
  REPLSCOPE_DATABASE_URL: z
    .string()
    .refine((u) => /^postgres(ql)?:\/\/./.test(u) && URL.canParse(u), "REPLSCOPE_DATABASE_URL must be a PostgreSQL URL like postgres://user@db.example.com:5432/replscope (unset it to use SQLite in the data dir)")
    .optional(),
  REPLSCOPE_COORDINATION_URL: z
    .string()
    .refine((u) => /^rediss?:\/\/./.test(u) && URL.canParse(u), "REPLSCOPE_COORDINATION_URL must be a Redis URL like redis://coord.example.com:6379 or rediss://… (unset it to run one instance)")
    .optional(),
  REPLSCOPE_INSTANCE_ID: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,64}$/, "REPLSCOPE_INSTANCE_ID is 1-64 letters, digits, '.', '_', ':' or '-'")
    .optional(),
  REPLSCOPE_PASSWORD: z.string().min(8, "use at least 8 characters").optional(),
  REPLSCOPE_API_TOKEN: z.string().min(16, "use at least 16 characters").optional(),
  REPLSCOPE_SEEDS: z.string().optional(),
  REPLSCOPE_CONFIG: z.string().optional(),
  /** Extra log directories, ':'-separated (for REPLSCOPE_SEEDS setups without a config file). */
  REPLSCOPE_LOG_DIRS: z
    .string()
    .max(16_384)
    .transform((s) => s.split(":").filter(Boolean))
    .refine((dirs) => dirs.every((d) => d.startsWith("/") && !d.split("/").includes("..")), "use absolute paths without '..', separated by ':'")
    .optional(),
  /** Backup source directories, ':'-separated (like REPLSCOPE_LOG_DIRS). */
  REPLSCOPE_BACKUP_SOURCE_DIRS: z
    .string()
    .max(16_384)
    .transform((s) => s.split(":").filter(Boolean))
    .refine((dirs) => dirs.every((d) => d.startsWith("/") && !d.split("/").includes("..")), "use absolute paths without '..', separated by ':'")
    .optional(),
});

interface Shared {
  pollMs: number;
  logDirs: string[];
  backupSourceDirs: string[];
  privatePaths: string[];
}

function defaults(t: TopologyInput, shared: Shared): TopologyConfig {
  const { pollMs } = shared;
  return {
    name: t.name,
    seeds: t.seeds,
    username: t.username,
    password: t.password,
    tls: t.tls,
    // Keys in the node id shape ("[::1]:6380" → "::1:6380"), so lookups by a node's id find them.
    nodes: Object.fromEntries(Object.entries(t.nodes ?? {}).map(([k, v]) => [normalAddress(k), v])),
    pollMs: t.pollMs ?? pollMs,
    infoMs: t.infoMs ?? 2000,
    timeoutMs: t.timeoutMs ?? 1000,
    expectedReplicas: t.expectedReplicas,
    drills: t.drills ?? false,
    alerts: AlertRulesSchema.parse({ ...withoutWebhook(t.alerts), expectedReplicas: t.alerts?.expectedReplicas ?? t.expectedReplicas }),
    webhook: t.alerts?.webhook,
    sentinels: t.sentinels,
    sentinelMaster: t.sentinelMaster,
    cluster: t.cluster,
    logDirs: [...new Set([...shared.logDirs, ...(t.logDirs ?? [])].map((d) => path.resolve(d)))],
    backupSourceDirs: [...new Set([...shared.backupSourceDirs, ...(t.backupSourceDirs ?? [])].map((d) => path.resolve(d)))],
    privatePaths: shared.privatePaths,
    discoveryAllow: t.discovery?.allow,
    forgetAfterMs: t.forgetAfterMs ?? FORGET_AFTER_MS,
  };
}

function withoutWebhook(a: TopologyInput["alerts"]): Record<string, unknown> {
  if (!a) return {};
  const { webhook: _webhook, ...rules } = a;
  return rules;
}

function emptyToUndefined(env: Env): Env {
  const out: Env = {};
  for (const [k, v] of Object.entries(env)) out[k] = v === "" ? undefined : v;
  return out;
}

export function loadConfig(rawEnv: Env = process.env, cwd = process.cwd()): AppConfig {
  const envParsed = EnvSchema.safeParse(emptyToUndefined(rawEnv));
  if (!envParsed.success) throw new ConfigError(describeIssues("environment", envParsed.error));
  const env = envParsed.data;
  // Several instances must share one store: their own SQLite files would each hold other logins.
  if (env.REPLSCOPE_COORDINATION_URL && !env.REPLSCOPE_DATABASE_URL) {
    throw new ConfigError("environment: REPLSCOPE_COORDINATION_URL (several instances) needs REPLSCOPE_DATABASE_URL: the instances share one PostgreSQL store");
  }

  let input: unknown;
  let source: string;
  if (env.REPLSCOPE_CONFIG) {
    source = `REPLSCOPE_CONFIG (${env.REPLSCOPE_CONFIG})`;
    let text: string;
    try {
      text = readFileSync(path.resolve(cwd, env.REPLSCOPE_CONFIG), "utf8");
    } catch (err) {
      throw new ConfigError(`${source}: cannot read the file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    try {
      input = JSON.parse(text);
    } catch (err) {
      throw new ConfigError(`${source}: not valid JSON: ${(err as Error).message}`);
    }
  } else if (env.REPLSCOPE_SEEDS) {
    source = "REPLSCOPE_SEEDS";
    const seeds = env.REPLSCOPE_SEEDS.split(",").map((s) => s.trim()).filter(Boolean);
    input = { topologies: [{ name: "default", seeds }] };
  } else {
    throw new ConfigError(
      "no Redis to watch: set REPLSCOPE_SEEDS=redis://host:port[,redis://…] or REPLSCOPE_CONFIG=/path/to/config.json (or run `npm run demo`)",
    );
  }

  const parsed = ConfigFileSchema.safeParse(input);
  if (!parsed.success) {
    const msg = describeIssues(source, parsed.error);
    // REPLSCOPE_SEEDS has one implicit topology; name the seed by its position in the list.
    throw new ConfigError(source === "REPLSCOPE_SEEDS" ? msg.replace(/topologies\.0\.seeds\.(\d+)/g, (_m, i: string) => `seed #${Number(i) + 1}`) : msg);
  }

  const dataDir = path.resolve(cwd, env.REPLSCOPE_DATA_DIR);
  const shared: Shared = {
    pollMs: env.REPLSCOPE_POLL_MS,
    logDirs: [...(env.REPLSCOPE_LOG_DIRS ?? []), ...(parsed.data.logDirs ?? [])],
    backupSourceDirs: [...(env.REPLSCOPE_BACKUP_SOURCE_DIRS ?? []), ...(parsed.data.backupSourceDirs ?? [])],
    // Every topology's TLS key is off limits to every topology's log reading.
    privatePaths: [
      dataDir,
      ...(env.REPLSCOPE_CONFIG ? [path.resolve(cwd, env.REPLSCOPE_CONFIG)] : []),
      ...parsed.data.topologies.flatMap((t) => (t.tls?.key ? [path.resolve(t.tls.key)] : [])),
    ],
  };
  return {
    host: env.HOST,
    port: env.PORT,
    publicUrl: env.REPLSCOPE_PUBLIC_URL,
    dataDir,
    databaseUrl: env.REPLSCOPE_DATABASE_URL,
    password: env.REPLSCOPE_PASSWORD,
    apiToken: env.REPLSCOPE_API_TOKEN,
    users: parsed.data.users ?? [],
    viewerValues: parsed.data.viewerValues ?? true,
    topologies: parsed.data.topologies.map((t) => defaults(t, shared)),
    ...(env.REPLSCOPE_IMPORT_MAX_BYTES !== undefined ? { importMaxBytes: env.REPLSCOPE_IMPORT_MAX_BYTES } : {}),
    ...(env.REPLSCOPE_COORDINATION_URL !== undefined ? { coordinationUrl: env.REPLSCOPE_COORDINATION_URL } : {}),
    ...(env.REPLSCOPE_INSTANCE_ID !== undefined ? { instanceId: env.REPLSCOPE_INSTANCE_ID } : {}),
  };
}

function normalAddress(key: string): string {
  const a = splitAddress(key);
  return a ? formatAddress(a.host, a.port) : key;
}

/** Credentials for one node: a per-node override wins, then the seed URL naming it, then the topology's, then the first seed's. */
export function credentialsFor(t: TopologyConfig, host: string, port: number): { username?: string; password?: string } {
  const override = t.nodes[formatAddress(host, port)];
  if (override && (override.password !== undefined || override.username !== undefined)) {
    return { username: override.username, password: override.password };
  }
  const seed = t.seeds.find((s) => s.host === host && s.port === port && (s.password || s.username));
  if (seed) return { username: seed.username, password: seed.password };
  if (t.password !== undefined || t.username !== undefined) return { username: t.username, password: t.password };
  const first = t.seeds.find((s) => s.password || s.username);
  return first ? { username: first.username, password: first.password } : {};
}
