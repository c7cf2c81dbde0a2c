import { compareRunner } from "@/lib/compare/runner";
import { JOB_ID } from "@/lib/compare/store";
import { errorJson, withRuntime } from "@/lib/http/respond";

export const dynamic = "force-dynamic";

export function GET(_req: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  return withRuntime(async ({ hub, config }) => {
    const { id } = await ctx.params;
    if (!JOB_ID.test(id)) return errorJson(400, "compare id must be 16 hex characters");
    const report = compareRunner(hub, config.dataDir).get(id);
    if (!report) return errorJson(404, `no compare job ${id}`);
    return new Response(JSON.stringify(report, null, 2), {
      headers: {
        "Content-Type": "application/json; charset=utf-8",
        "Content-Disposition": `attachment; filename="replscope-compare-${id}.json"`,
        "Cache-Control": "no-store",
      },
    });
  });
}
