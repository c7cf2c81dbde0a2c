import { compareReport, comparer } from "@/lib/http/compare-request";
import { HttpError } from "@/lib/http/errors";
import { CompareParams } from "@/lib/http/params";
import { json } from "@/lib/http/respond";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

export const GET = route({ params: CompareParams }, ({ rt, who, params: { id } }) => compareReport(rt, who, id));

/**
 * A running job is cancelled (its partial report is kept, status "cancelled"); a stopped one
 * (done, cancelled, failed, or interrupted by a restart) has its report removed.
 */
export const DELETE = route(
  {
    params: CompareParams,
    action: ({ rt, params: { id } }) => ({ action: comparer(rt).isRunning(id) ? "compare:cancel" : "compare:delete", topology: null, nodes: [], params: { id } }),
  },
  async ({ rt, params: { id } }) => {
    const runner = comparer(rt);
    if (await runner.cancel(id)) return json(await runner.get(id));
    if (await runner.remove(id)) return { id, deleted: true };
    throw new HttpError(404, `no compare job ${id}`);
  },
);
