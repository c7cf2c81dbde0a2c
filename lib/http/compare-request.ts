// The compare-report routes all start the same way: the job's report (404 if none), as the
// requester may see it (no value-derived details for viewers when viewerValues is false).
import type { CompareRunner } from "../compare/runner";
import { redactReport, type CompareReport } from "../compare/report";
import type { Runtime } from "../runtime";
import type { Requester } from "./auth";
import { HttpError } from "./errors";
import { valuesHidden } from "./operator";

/** The one place routes get the compare runner from. */
export function comparer(rt: Runtime): CompareRunner {
  return rt.compare;
}

export async function compareReport(rt: Runtime, who: Requester, id: string): Promise<CompareReport> {
  const report = await comparer(rt).get(id);
  if (!report) throw new HttpError(404, `no compare job ${id}`);
  return valuesHidden(who, rt) ? redactReport(report) : report;
}
