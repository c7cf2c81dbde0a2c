import { compareReport } from "@/lib/http/compare-request";
import { CompareParams } from "@/lib/http/params";
import { download } from "@/lib/http/respond";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

export const GET = route({ params: CompareParams }, async ({ rt, who, params: { id } }) =>
  download(JSON.stringify(await compareReport(rt, who, id), null, 2), "application/json; charset=utf-8", `replscope-compare-${id}.json`),
);
