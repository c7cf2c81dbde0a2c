// Append-only audit log of operator actions: one JSON line per action, fsynced before the action's
// answer goes out, rotated by size (a few files kept). Recent entries stay in memory for the page.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

export const AuditEntrySchema = z.object({
  at: z.number(),
  user: z.string(),
  role: z.string(),
  action: z.string(),
  topology: z.string().nullable(),
  nodes: z.array(z.string()),
  params: z.record(z.string(), z.unknown()).optional(),
  /** denied: refused (wrong password, missing role); throttled: a login refused by the lockout (429). */
  result: z.enum(["ok", "error", "denied", "throttled"]),
  error: z.string().optional(),
});
export type AuditEntry = z.infer<typeof AuditEntrySchema>;

export interface AuditQuery {
  user?: string;
  action?: string;
  /** Entries at or after this time (ms since the epoch). */
  since?: number;
  /** Entries at or before this time (ms since the epoch). */
  until?: number;
  limit?: number;
}

export interface AuditLog {
  append(e: AuditEntry): void;
  /** The newest `limit` matching entries, oldest first. */
  query(q: AuditQuery): AuditEntry[];
}

const MAX_FILE_BYTES = 10 * 1024 * 1024;
const KEEP_ROTATED = 5;
const MEMORY = 5000;

export function openAuditLog(dir: string): AuditLog {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, "audit.jsonl");
  const recent: AuditEntry[] = [];
  if (existsSync(file)) {
    // Only the tail matters for the page; a torn last line (crash mid-write) is skipped.
    const text = readFileSync(file, "utf8");
    for (const line of text.split("\n").slice(-MEMORY - 1)) {
      if (!line) continue;
      try {
        const parsed = AuditEntrySchema.safeParse(JSON.parse(line));
        if (parsed.success) recent.push(parsed.data);
      } catch {
        /* torn or foreign line */
      }
    }
  }
  const rotate = () => {
    renameSync(file, path.join(dir, `audit-${Date.now()}.jsonl`));
    const old = readdirSync(dir).filter((f) => /^audit-\d+\.jsonl$/.test(f)).sort();
    for (const f of old.slice(0, Math.max(0, old.length - KEEP_ROTATED))) unlinkSync(path.join(dir, f));
  };
  return {
    append(e) {
      const entry = AuditEntrySchema.parse(e);
      if (existsSync(file) && statSync(file).size > MAX_FILE_BYTES) rotate();
      const fd = openSync(file, "a", 0o600);
      try {
        writeSync(fd, `${JSON.stringify(entry)}\n`);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      recent.push(entry);
      if (recent.length > MEMORY) recent.splice(0, recent.length - MEMORY);
    },
    query({ user, action, since, until, limit = 200 }) {
      return recent
        .filter((e) => (!user || e.user === user) && (!action || e.action === action) && (since === undefined || e.at >= since) && (until === undefined || e.at <= until))
        .slice(-Math.min(limit, MEMORY));
    },
  };
}
