import { z } from "zod";
import { errorJson, json, withRuntime } from "@/lib/http/respond";
import { NODE_ID } from "@/lib/http/params";

export const dynamic = "force-dynamic";

const Query = z.object({
  topology: z.string().max(64).optional(),
  after: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(500),
}).strict();

export function GET(req: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  return withRuntime(async ({ hub }) => {
    const id = decodeURIComponent((await ctx.params).id);
    if (!NODE_ID.test(id)) return errorJson(400, "node id must be host:port");
    const q = Query.safeParse(Object.fromEntries(new URL(req.url).searchParams));
    if (!q.success) return errorJson(400, `${q.error.issues[0]?.path.join(".")}: ${q.error.issues[0]?.message}`);
    const found = hub.findNode(id, q.data.topology);
    if (!found) return errorJson(404, `no node ${id} is monitored`);
    const logs = found.monitor.logs;
    return json({ node: found.view.id, source: logs.state(found.view.id), lines: logs.lines(found.view.id, q.data.after, q.data.limit) });
  });
}
