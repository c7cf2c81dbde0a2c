// The shape of replscope's configuration. Pure: parsing and validation only, no I/O.
import { z } from "zod";
import { AlertRulesSchema } from "../alerts/rules";
import { NODE_ID } from "../redis/address";
import { parseAllowEntry, type AllowEntry } from "../redis/allow-list";

export interface RedisEndpoint {
  host: string;
  port: number;
  username?: string;
  password?: string;
  tls: boolean;
}


/** Parses redis://[user:pass@]host:port or rediss://… . Returns an error message instead of throwing. */
export function parseRedisUrl(input: string): RedisEndpoint | string {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return "expected a URL like redis://host:6379 or rediss://user:pass@host:6380";
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") {
    return `expected scheme redis:// or rediss://, got ${url.protocol}//`;
  }
  if (!url.hostname) return "the URL has no host";
  const port = url.port ? Number(url.port) : 6379;
  if (!Number.isInteger(port) || port < 1 || port > 65535) return "port must be 1-65535";
  if (url.pathname && url.pathname !== "/" && !/^\/\d{1,2}$/.test(url.pathname)) {
    return "only an optional /db number may follow host:port";
  }
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  return {
    host,
    port,
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    tls: url.protocol === "rediss:",
  };
}

const RedisUrl = z.string().transform((s, ctx) => {
  const parsed = parseRedisUrl(s.trim());
  if (typeof parsed === "string") {
    ctx.addIssue({ code: "custom", message: parsed });
    return z.NEVER;
  }
  return parsed;
});

/** Directories whose files may be followed as logs when a node names them (absolute paths). */
const LogDirs = z
  .array(
    z
      .string()
      .max(4096)
      .refine((d) => d.startsWith("/") && !d.split("/").includes(".."), "use an absolute path without '..'"),
  )
  .max(64);

const AllowEntrySchema = z
  .string()
  .max(300)
  .transform((s, ctx): AllowEntry => {
    const parsed = parseAllowEntry(s);
    if (typeof parsed === "string") {
      ctx.addIssue({ code: "custom", message: parsed });
      return z.NEVER;
    }
    return parsed;
  });

const Discovery = z
  .object({
    /** Announced nodes (replica lists, master_host, Sentinel) are dialled only when they match. */
    allow: z.array(AllowEntrySchema).min(1, "list at least one host or CIDR range, or leave out discovery.allow").max(1024).optional(),
  })
  .strict();

const NodeOverride = z
  .object({
    username: z.string().min(1).max(256).optional(),
    password: z.string().max(4096).optional(),
    logFile: z.string().min(1).max(4096).optional(),
  })
  .strict();

const Tls = z
  .object({
    ca: z.string().min(1).optional(),
    cert: z.string().min(1).optional(),
    key: z.string().min(1).optional(),
    servername: z.string().min(1).optional(),
    rejectUnauthorized: z.boolean().optional(),
  })
  .strict();

export const TopologySchema = z
  .object({
    name: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/, "use 1-64 letters, digits, '.', '_' or '-'"),
    seeds: z.array(RedisUrl).min(1, "at least one seed URL is needed"),
    username: z.string().min(1).max(256).optional(),
    password: z.string().max(4096).optional(),
    tls: Tls.optional(),
    nodes: z
      .record(z.string().regex(NODE_ID, "node keys are host:port"), NodeOverride)
      .optional(),
    pollMs: z.number().int().min(50).max(60_000).optional(),
    infoMs: z.number().int().min(250).max(600_000).optional(),
    timeoutMs: z.number().int().min(50).max(60_000).optional(),
    expectedReplicas: z.number().int().min(0).max(1000).optional(),
    drills: z.boolean().optional(),
    logDirs: LogDirs.optional(),
    /** Directories whose RDB files may be copied as backups when a node on this host names them. */
    backupSourceDirs: LogDirs.optional(),
    discovery: Discovery.optional(),
    /** A down node that no live node lists any more is dropped after this long (default 10 min). */
    forgetAfterMs: z.number().int().min(1000).max(7 * 24 * 3600_000).optional(),
    /** Sentinels watching this topology's master, as redis:// URLs. */
    sentinels: z.array(RedisUrl).max(32).optional(),
    /** The master name Sentinel knows it by; otherwise every name in SENTINEL MASTERS. */
    sentinelMaster: z.string().min(1).max(128).optional(),
    /** Redis Cluster: true skips the INFO cluster probe, false never watches the cluster. Unset: probed. */
    cluster: z.boolean().optional(),
    alerts: AlertRulesSchema.partial()
      .extend({ webhook: z.url({ protocol: /^https?$/, error: "webhook must be an http(s) URL" }).optional() })
      .strict()
      .optional(),
  })
  .strict();

export const UserSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, "use 1-64 letters, digits, '.', '_' or '-'"),
    role: z.enum(["viewer", "operator"]),
    /** From `npm run hash-password`: scrypt$N$r$p$salt$hash. Plain passwords are never accepted here. */
    passwordHash: z.string().regex(/^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/, "expected a hash from `npm run hash-password`"),
  })
  .strict();

export const ConfigFileSchema = z
  .object({
    topologies: z.array(TopologySchema).min(1, "at least one topology is needed"),
    /** Log directories for every topology (each topology may add its own). */
    logDirs: LogDirs.optional(),
    /** Backup source directories for every topology (each topology may add its own). */
    backupSourceDirs: LogDirs.optional(),
    users: z.array(UserSchema).max(1000).optional(),
    /** Viewers see key values unless this is false. */
    viewerValues: z.boolean().optional(),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const names = new Set<string>(["admin"]);
    cfg.users?.forEach((u, i) => {
      if (names.has(u.name)) ctx.addIssue({ code: "custom", path: ["users", i, "name"], message: `duplicate or reserved user name "${u.name}"` });
      names.add(u.name);
    });
    const seen = new Set<string>();
    cfg.topologies.forEach((t, i) => {
      if (seen.has(t.name)) {
        ctx.addIssue({ code: "custom", path: ["topologies", i, "name"], message: `duplicate topology name "${t.name}"` });
      }
      seen.add(t.name);
    });
  });

export type TopologyInput = z.infer<typeof TopologySchema>;
export type ConfigFileInput = z.infer<typeof ConfigFileSchema>;

/** Turns zod issues into one line per issue, naming the field. Never echoes values (they may hold passwords). */
export function describeIssues(prefix: string, error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const where = issue.path.length ? issue.path.join(".") : "(root)";
      // zod wraps a bad record key in a generic "Invalid key in record"; the useful text is nested.
      const nested = issue.code === "invalid_key" ? issue.issues[0]?.message : undefined;
      return `${prefix}: ${where}: ${nested ?? issue.message}`;
    })
    .join("\n");
}
