// One-time import of a data dir in the pre-store format: timeline JSON Lines segments under
// <dataDir>/events and the audit log under <dataDir>/audit. Each directory is imported in one
// transaction that also records a marker, then renamed aside (never deleted). A crash between the
// commit and the rename is harmless: the marker says the rows are in, so only the rename is redone.
import { createReadStream, existsSync, readdirSync, renameSync, statSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { parseEventLine } from "../timeline/schema";
import type { TimelineEvent } from "../monitor/types";
import { AuditEntrySchema, type AuditEntry } from "./audit";
import type { Store } from "./index";
import type { RawQuery } from "./util";

export interface ImportResult {
  events: number;
  audit: number;
  skipped: number;
  /** Where each imported directory went. */
  movedTo: string[];
}

async function* lines(file: string): AsyncGenerator<string> {
  const rl = createInterface({ input: createReadStream(file, "utf8"), crlfDelay: Infinity });
  for await (const line of rl) if (line) yield line;
}

function marker(store: Store, key: string, value: string): RawQuery {
  const q = store.db.insertInto("meta").values({ key, value }).onConflict((oc) => oc.column("key").doUpdateSet({ value })).compile();
  return { sql: q.sql, params: q.parameters };
}

async function imported(store: Store, key: string): Promise<boolean> {
  return (await store.db.selectFrom("meta").select("key").where("key", "=", key).executeTakeFirst()) !== undefined;
}

function moveAside(dir: string, now: number): string {
  const to = `${dir}.imported-${now}`;
  renameSync(dir, to);
  return to;
}

const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();

export async function importLegacy(store: Store, dataDir: string, now = Date.now()): Promise<ImportResult> {
  const out: ImportResult = { events: 0, audit: 0, skipped: 0, movedTo: [] };
  const eventsDir = path.join(dataDir, "events");
  if (isDir(eventsDir)) {
    const key = `imported:${eventsDir}`;
    if (!(await imported(store, key))) {
      const segs = readdirSync(eventsDir).filter((f) => /^events-\d+\.jsonl$/.test(f)).sort();
      const events: TimelineEvent[] = [];
      for (const f of segs) {
        for await (const l of lines(path.join(eventsDir, f))) {
          const e = parseEventLine(l);
          if (e) events.push(e);
          else out.skipped++;
        }
      }
      await store.commit([...store.events.insertQueries(events), marker(store, key, String(now))]);
      out.events = events.length;
    }
    out.movedTo.push(moveAside(eventsDir, now));
  }
  const auditDir = path.join(dataDir, "audit");
  if (isDir(auditDir)) {
    const key = `imported:${auditDir}`;
    if (!(await imported(store, key))) {
      // Rotated files (audit-<ms>.jsonl) are older than the live audit.jsonl.
      const files = [...readdirSync(auditDir).filter((f) => /^audit-\d+\.jsonl$/.test(f)).sort(), ...(existsSync(path.join(auditDir, "audit.jsonl")) ? ["audit.jsonl"] : [])];
      const entries: AuditEntry[] = [];
      for (const f of files) {
        for await (const l of lines(path.join(auditDir, f))) {
          let entry: AuditEntry | null = null;
          try {
            const r = AuditEntrySchema.safeParse(JSON.parse(l));
            if (r.success) entry = r.data;
          } catch {
            /* torn or foreign line */
          }
          if (entry) entries.push(entry);
          else out.skipped++;
        }
      }
      await store.commit([...store.audit.insertQueries(entries), marker(store, key, String(now))]);
      out.audit = entries.length;
    }
    out.movedTo.push(moveAside(auditDir, now));
  }
  return out;
}
