import { clusterReportMarkdown } from "@/lib/drills/cluster/report";
import { reportMarkdown } from "@/lib/drills/report";
import { drillFor } from "@/lib/http/drills-request";
import { DrillParams } from "@/lib/http/params";
import { download } from "@/lib/http/respond";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

export const GET = route({ params: DrillParams }, async ({ rt, params: { id } }) => {
  const d = await drillFor(rt, id);
  const md = d.clusterReport ? clusterReportMarkdown(d, d.clusterReport) : reportMarkdown(d, d.report);
  return download(md, "text/markdown; charset=utf-8", `drill-${d.id}.md`);
});
