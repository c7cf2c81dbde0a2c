// Compare reports: summary as its own column (listing never reads the differences), full report
// on load. save() commits before it resolves (a running job is checkpointed through it).
import type { Kysely } from "kysely";
import type { CompareReport, CompareSummary } from "../compare/report";
import type { RunningRow } from "../fleet/jobs";
import type { Database } from "./schema";
import type { RawQuery } from "./util";

export class CompareRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly commit: (qs: RawQuery[]) => Promise<void>,
  ) {}

  async save(report: CompareReport, now = Date.now()): Promise<void> {
    await this.commit([this.saveQuery(report, now)]);
  }

  /** The statement of save(), for a caller that commits it with others (the legacy import). */
  saveQuery(report: CompareReport, now = Date.now()): RawQuery {
    const { differences, ...summary } = report;
    const row = {
      id: report.id,
      topology: report.topology,
      status: report.status,
      started_at: report.startedAt,
      finished_at: report.finishedAt,
      updated_at: now,
      summary: JSON.stringify(summary),
      differences: JSON.stringify(differences),
      instance_id: report.instance ?? null,
    };
    const q = this.db
      .insertInto("compare_reports")
      .values(row)
      .onConflict((oc) => oc.column("id").doUpdateSet({ status: row.status, finished_at: row.finished_at, updated_at: row.updated_at, summary: row.summary, differences: row.differences }))
      .compile();
    return { sql: q.sql, params: q.parameters };
  }

  async load(id: string): Promise<CompareReport | null> {
    const r = await this.db.selectFrom("compare_reports").select(["summary", "differences"]).where("id", "=", id).executeTakeFirst();
    if (!r) return null;
    return { ...(JSON.parse(r.summary) as CompareSummary), differences: JSON.parse(r.differences) as CompareReport["differences"] };
  }

  /** Reports whose last record says "running" (cut off by a crash if this process runs none), with when it was written. */
  async running(): Promise<{ report: CompareReport; updatedAt: number }[]> {
    const rows = await this.db.selectFrom("compare_reports").select(["summary", "differences", "updated_at"]).where("status", "=", "running").execute();
    return rows.map((r) => ({
      report: { ...(JSON.parse(r.summary) as CompareSummary), differences: JSON.parse(r.differences) as CompareReport["differences"] },
      updatedAt: Number(r.updated_at),
    }));
  }

  /** Ids, instances and last writes of the reports still "running" (summaries and differences are not read). */
  async runningRows(limit = 1000): Promise<RunningRow[]> {
    const rows = await this.db.selectFrom("compare_reports").select(["id", "instance_id", "updated_at"]).where("status", "=", "running").limit(limit).execute();
    return rows.map((r) => ({ id: r.id, instance: r.instance_id, updatedAt: Number(r.updated_at) }));
  }

  /**
   * Writes the report's summary (its differences stay as checkpointed) only if the row is still
   * "running" as last written at `expectedUpdatedAt`, keeping that time as its last write (the
   * moment it was cut off). True when it wrote: of two instances marking it, one does.
   */
  async saveIfUnchanged(report: CompareReport, expectedUpdatedAt: number): Promise<boolean> {
    const { differences: _d, ...summary } = report;
    const r = await this.db
      .updateTable("compare_reports")
      .set({ status: report.status, finished_at: report.finishedAt, summary: JSON.stringify(summary) })
      .where("id", "=", report.id)
      .where("status", "=", "running")
      .where("updated_at", "=", expectedUpdatedAt)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** Newest written first, summaries only (the differences column is never read). */
  async list(limit = 50): Promise<(CompareSummary & { updatedAt: number })[]> {
    const rows = await this.db.selectFrom("compare_reports").select(["summary", "updated_at"]).orderBy("updated_at", "desc").limit(limit).execute();
    return rows.map((r) => ({ ...(JSON.parse(r.summary) as CompareSummary), updatedAt: Number(r.updated_at) }));
  }

  /** true when there was a report to remove. */
  async remove(id: string): Promise<boolean> {
    const r = await this.db.deleteFrom("compare_reports").where("id", "=", id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** Keeps the newest `keep` reports by last write (ties at the edge go too). */
  async prune(keep = 50): Promise<number> {
    const edge = await this.db.selectFrom("compare_reports").select("updated_at").orderBy("updated_at", "desc").offset(keep).limit(1).executeTakeFirst();
    if (!edge) return 0;
    const r = await this.db.deleteFrom("compare_reports").where("updated_at", "<=", edge.updated_at).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
