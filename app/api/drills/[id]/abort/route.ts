import { DRILL_ID, drillErrorResponse } from "@/lib/http/drills-request";
import { operatorAction } from "@/lib/http/operator";
import { errorJson, json, withRuntime } from "@/lib/http/respond";

export const dynamic = "force-dynamic";

export function POST(req: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  return withRuntime(async (rt) => {
    const { id } = await ctx.params;
    if (!DRILL_ID.test(id)) return errorJson(400, "drill id must be a UUID");
    return operatorAction(req, rt, { action: "drill:abort", topology: (await rt.drills.get(id))?.topology ?? null, nodes: [], params: { id } }, async () => {
      try {
        const d = await rt.drills.abort(id);
        return json({ id: d.id, status: "aborting" }, 202);
      } catch (err) {
        return drillErrorResponse(err);
      }
    });
  });
}
