// The audit log of operator actions: rows in, filtered in SQL, newest `limit` returned oldest first.
import type { Kysely } from "kysely";
import { z } from "zod";
import type { Database } from "./schema";
import { chunks, type RawQuery } from "./util";
import { RowBuffer, type WriteBehind } from "./write-behind";

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

export const AUDIT_QUERY_MAX = 5000;

export class AuditRepo {
  private readonly buffer: RowBuffer<AuditEntry>;

  constructor(
    private readonly db: Kysely<Database>,
    writer: WriteBehind,
  ) {
    this.buffer = new RowBuffer(writer, (rows) => this.insertQueries(rows));
  }

  /** Write-behind: stored by the next flush (≤ 100 ms), in one multi-row insert. */
  queue(e: AuditEntry): void {
    this.buffer.push(e);
  }

  insertQueries(entries: readonly AuditEntry[]): RawQuery[] {
    return chunks(entries, 500).map((part) => {
      const q = this.db
        .insertInto("audit")
        .values(
          part.map((e) => ({
            at: e.at,
            user: e.user,
            role: e.role,
            action: e.action,
            topology: e.topology,
            nodes: JSON.stringify(e.nodes),
            params: e.params ? JSON.stringify(e.params) : null,
            result: e.result,
            error: e.error ?? null,
          })),
        )
        .compile();
      return { sql: q.sql, params: q.parameters };
    });
  }

  async query({ user, action, since, until, limit = 200 }: AuditQuery): Promise<AuditEntry[]> {
    let s = this.db.selectFrom("audit").selectAll();
    if (user) s = s.where("user", "=", user);
    if (action) s = s.where("action", "=", action);
    if (since !== undefined) s = s.where("at", ">=", since);
    if (until !== undefined) s = s.where("at", "<=", until);
    const rows = await s
      .orderBy("id", "desc")
      .limit(Math.max(0, Math.min(limit, AUDIT_QUERY_MAX)))
      .execute();
    return rows.reverse().map((r) => ({
      at: Number(r.at),
      user: r.user,
      role: r.role,
      action: r.action,
      topology: r.topology,
      nodes: JSON.parse(r.nodes) as string[],
      ...(r.params !== null ? { params: JSON.parse(r.params) as Record<string, unknown> } : {}),
      result: r.result as AuditEntry["result"],
      ...(r.error !== null ? { error: r.error } : {}),
    }));
  }

  /** Retention: keeps the newest `keep` entries. */
  async retain(keep: number): Promise<number> {
    const edge = await this.db.selectFrom("audit").select("id").orderBy("id", "desc").offset(keep).limit(1).executeTakeFirst();
    if (!edge) return 0;
    const r = await this.db.deleteFrom("audit").where("id", "<=", edge.id).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
