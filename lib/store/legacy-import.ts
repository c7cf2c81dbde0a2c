// One-time import of a data dir in the pre-store format: timeline JSON Lines segments under
// <dataDir>/events, the audit log under <dataDir>/audit, drill records (<dataDir>/drills/<id>.json),
// compare reports (<dataDir>/compare/<id>.json + .meta.json) and the login state (auth.json).
// Each is imported, a marker recorded, then the directory or file is renamed aside (never
// deleted). A crash between the commit and the rename is harmless: the marker says the rows are
// in, so only the rename is redone. Drills and reports are committed one file at a time (bounded
// memory) with upserts, the marker last: an import cut off half-way simply runs again.
import { createReadStream, existsSync, readdirSync, readFileSync, renameSync, statSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { parseEventLine } from "../timeline/schema";
import type { TimelineEvent } from "../timeline/types";
import type { CompareReport, CompareSummary } from "../compare/report";
import type { Drill } from "../drills/types";
import { AuditEntrySchema, type AuditEntry } from "./audit";
import type { Store } from "./index";
import type { RawQuery } from "./util";

export interface ImportResult {
  events: number;
  audit: number;
  drills: number;
  compare: number;
  /** The login state (password hash, session secret, generation, open sessions) came from auth.json. */
  auth: boolean;
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

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as unknown;
  } catch {
    return null;
  }
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Enough of a drill record to store and show it (the files were written by replscope itself). */
function asDrill(v: unknown, id: string): Drill | null {
  if (!isObj(v) || v.id !== id || typeof v.topology !== "string" || typeof v.scenario !== "string" || typeof v.user !== "string" || typeof v.status !== "string") return null;
  if (typeof v.startedAt !== "number" || !Array.isArray(v.steps)) return null;
  return { ...(v as unknown as Drill), events: Array.isArray(v.events) ? (v.events as Drill["events"]) : [] };
}

function asReport(v: unknown, id: string): CompareSummary | null {
  if (!isObj(v) || v.id !== id || typeof v.topology !== "string" || typeof v.status !== "string" || typeof v.startedAt !== "number" || !isObj(v.counts)) return null;
  return v as unknown as CompareSummary;
}

const DRILL_FILE = /^([a-z0-9-]{8,64})\.json$/;
const REPORT_META = /^([a-f0-9]{16})\.meta\.json$/;
const SID = /^[A-Za-z0-9_-]{16,64}$/;

async function importDrills(store: Store, dir: string, out: ImportResult): Promise<void> {
  for (const f of readdirSync(dir).sort()) {
    const m = DRILL_FILE.exec(f);
    if (!m?.[1]) continue;
    const file = path.join(dir, f);
    const d = asDrill(readJson(file), m[1]);
    if (!d) {
      out.skipped++;
      continue;
    }
    // updated_at is when the file was last written: a drill still "running" is marked interrupted as of then.
    await store.commit(store.drills.saveQueries(d, 0, Math.round(statSync(file).mtimeMs)));
    out.drills++;
  }
}

async function importReports(store: Store, dir: string, out: ImportResult): Promise<void> {
  for (const f of readdirSync(dir).sort()) {
    const m = REPORT_META.exec(f);
    if (!m?.[1]) continue;
    const metaFile = path.join(dir, f);
    // The full report holds the differences; a crash may have left only the summary.
    const full = asReport(readJson(path.join(dir, `${m[1]}.json`)), m[1]);
    const summary = full ?? asReport(readJson(metaFile), m[1]);
    if (!summary) {
      out.skipped++;
      continue;
    }
    const diffs = full && Array.isArray((full as Partial<CompareReport>).differences) ? (full as CompareReport).differences : [];
    await store.commit([store.compare.saveQuery({ ...summary, differences: diffs }, Math.round(statSync(metaFile).mtimeMs))]);
    out.compare++;
  }
}

/** auth.json of today's format into the store's auth tables (only into an empty auth state). */
function authQueries(store: Store, file: string, now: number): RawQuery[] {
  const v = readJson(file);
  if (!isObj(v) || v.version !== 1 || typeof v.passwordHash !== "string" || typeof v.sessionSecret !== "string") {
    // As before: a file that is not replscope's is refused, never overwritten or moved.
    throw new Error(`${file} is not a replscope auth file; move it away to create a new one`);
  }
  const qs = store.auth.stateQueries({ passwordHash: v.passwordHash, sessionSecret: v.sessionSecret, generation: String(typeof v.generation === "number" ? v.generation : 0) });
  if (isObj(v.sessions)) {
    for (const [sid, s] of Object.entries(v.sessions)) {
      if (SID.test(sid) && isObj(s) && typeof s.user === "string" && typeof s.exp === "number" && s.exp > now) qs.push(store.auth.putSessionQuery({ sid, user: s.user, expiresAt: s.exp }));
    }
  }
  return qs;
}

export async function importLegacy(store: Store, dataDir: string, now = Date.now()): Promise<ImportResult> {
  const out: ImportResult = { events: 0, audit: 0, drills: 0, compare: 0, auth: false, skipped: 0, movedTo: [] };
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
  for (const [name, run] of [
    ["drills", importDrills],
    ["compare", importReports],
  ] as const) {
    const dir = path.join(dataDir, name);
    if (!isDir(dir)) continue;
    const key = `imported:${dir}`;
    if (!(await imported(store, key))) {
      await run(store, dir, out);
      await store.commit([marker(store, key, String(now))]);
    }
    out.movedTo.push(moveAside(dir, now));
  }
  const authFile = path.join(dataDir, "auth.json");
  if (existsSync(authFile)) {
    const key = `imported:${authFile}`;
    if (!(await imported(store, key))) {
      const qs = authQueries(store, authFile, now);
      // A store that already has a login state keeps it (the file is still moved aside, not lost).
      const empty = Object.entries(await store.auth.getState()).length === 0;
      await store.commit([...(empty ? qs : []), marker(store, key, String(now))]);
      out.auth = empty;
    }
    out.movedTo.push(moveAside(authFile, now));
  }
  return out;
}
