import { compareRunner } from "@/lib/compare/runner";
import { JOB_ID } from "@/lib/compare/store";
import { errorJson, json, withRuntime } from "@/lib/http/respond";
import { operatorAction } from "@/lib/http/operator";
import { compareReportFor } from "@/lib/http/compare-request";

export const dynamic = "force-dynamic";

export function GET(_req: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  return withRuntime(async (rt) => {
    const found = await compareReportFor(rt, ctx.params);
    return "response" in found ? found.response : json(found.report);
  });
}

/** Cancels a running job; its partial report is kept (status "cancelled"). */
export function DELETE(req: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  return withRuntime(async (rt) => {
    const { id } = await ctx.params;
    if (!JOB_ID.test(id)) return errorJson(400, "compare id must be 16 hex characters");
    return operatorAction(req, rt, { action: "compare:cancel", topology: null, nodes: [], params: { id } }, async () => {
      const runner = compareRunner(rt.hub, rt.config.dataDir);
      if (await runner.cancel(id)) return json(runner.get(id));
      const report = runner.get(id);
      return report ? errorJson(409, `compare job ${id} already ${report.status}`) : errorJson(404, `no compare job ${id}`);
    });
  });
}
