import { reportMarkdown } from "@/lib/drills/report";
import { DRILL_ID } from "@/lib/http/drills-request";
import { errorJson, withRuntime } from "@/lib/http/respond";

export const dynamic = "force-dynamic";

export function GET(_req: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  return withRuntime(async ({ drills }) => {
    const { id } = await ctx.params;
    if (!DRILL_ID.test(id)) return errorJson(400, "drill id must be a UUID");
    const d = drills.get(id);
    if (!d) return errorJson(404, `no drill ${id}`);
    return new Response(reportMarkdown(d, d.report), {
      headers: { "Content-Type": "text/markdown; charset=utf-8", "Content-Disposition": `attachment; filename="drill-${id}.md"`, "Cache-Control": "no-store" },
    });
  });
}
