import { JOB_ID } from "@/lib/compare/store";
import { errorJson, json, withRuntime } from "@/lib/http/respond";
import { operatorAction } from "@/lib/http/operator";
import { compareReportFor } from "@/lib/http/compare-request";

export const dynamic = "force-dynamic";

export function GET(req: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  return withRuntime(async (rt) => {
    const found = await compareReportFor(req, rt, ctx.params);
    return "response" in found ? found.response : json(found.report);
  });
}

/**
 * A running job is cancelled (its partial report is kept, status "cancelled"); a stopped one
 * (done, cancelled, failed, or interrupted by a restart) has its report removed.
 */
export function DELETE(req: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  return withRuntime(async (rt) => {
    const { id } = await ctx.params;
    if (!JOB_ID.test(id)) return errorJson(400, "compare id must be 16 hex characters");
    const runner = rt.compare;
    const action = runner.isRunning(id) ? "compare:cancel" : "compare:delete";
    return operatorAction(req, rt, { action, topology: null, nodes: [], params: { id } }, async () => {
      if (await runner.cancel(id)) return json(await runner.get(id));
      if (await runner.remove(id)) return json({ id, deleted: true });
      return errorJson(404, `no compare job ${id}`);
    });
  });
}
