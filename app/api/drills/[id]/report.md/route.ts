import { reportMarkdown } from "@/lib/drills/report";
import { drillFor } from "@/lib/http/drills-request";
import { withRuntime } from "@/lib/http/respond";

export const dynamic = "force-dynamic";

export function GET(_req: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  return withRuntime(async (rt) => {
    const found = await drillFor(rt, ctx.params);
    if ("response" in found) return found.response;
    const d = found.drill;
    const id = d.id;
    return new Response(reportMarkdown(d, d.report), {
      headers: { "Content-Type": "text/markdown; charset=utf-8", "Content-Disposition": `attachment; filename="drill-${id}.md"`, "Cache-Control": "no-store" },
    });
  });
}
