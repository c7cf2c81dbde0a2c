// The compare-report routes all start the same way: a well-formed job id, then the job's report.
import { compareRunner } from "../compare/runner";
import { JOB_ID } from "../compare/store";
import type { Runtime } from "../runtime";
import { errorJson } from "./respond";

type Report = NonNullable<ReturnType<ReturnType<typeof compareRunner>["get"]>>;

export async function compareReportFor(rt: Runtime, params: Promise<{ id: string }>): Promise<{ id: string; report: Report } | { response: Response }> {
  const { id } = await params;
  if (!JOB_ID.test(id)) return { response: errorJson(400, "compare id must be 16 hex characters") };
  const report = compareRunner(rt.hub, rt.config.dataDir).get(id);
  return report ? { id, report } : { response: errorJson(404, `no compare job ${id}`) };
}
