// The compare-report routes all start the same way: a well-formed job id, then the job's report,
// as the requester may see it (no value-derived details for viewers when viewerValues is false).
import { redactReport, type CompareReport } from "../compare/report";
import { JOB_ID } from "../compare/store";
import type { Runtime } from "../runtime";
import { valuesHidden } from "./operator";
import { errorJson } from "./respond";

export async function compareReportFor(req: Request, rt: Runtime, params: Promise<{ id: string }>): Promise<{ id: string; report: CompareReport } | { response: Response }> {
  const { id } = await params;
  if (!JOB_ID.test(id)) return { response: errorJson(400, "compare id must be 16 hex characters") };
  const report = await rt.compare.get(id);
  if (!report) return { response: errorJson(404, `no compare job ${id}`) };
  return { id, report: valuesHidden(req, rt) ? redactReport(report) : report };
}
