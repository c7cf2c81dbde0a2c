import { reportCsv } from "@/lib/compare/report";
import { compareReportFor } from "@/lib/http/compare-request";
import { withRuntime } from "@/lib/http/respond";

export const dynamic = "force-dynamic";

export function GET(req: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  return withRuntime(async (rt) => {
    const found = await compareReportFor(req, rt, ctx.params);
    if ("response" in found) return found.response;
    const { id, report } = found;
    return new Response(reportCsv(report), {
      headers: {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": `attachment; filename="replscope-compare-${id}.csv"`,
        "Cache-Control": "no-store",
      },
    });
  });
}
