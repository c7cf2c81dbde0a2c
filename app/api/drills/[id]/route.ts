import { DRILL_ID } from "@/lib/http/drills-request";
import { errorJson, json, withRuntime } from "@/lib/http/respond";

export const dynamic = "force-dynamic";

export function GET(_req: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  return withRuntime(async ({ drills }) => {
    const { id } = await ctx.params;
    if (!DRILL_ID.test(id)) return errorJson(400, "drill id must be a UUID");
    const d = drills.get(id);
    return d ? json(d) : errorJson(404, `no drill ${id}`);
  });
}
