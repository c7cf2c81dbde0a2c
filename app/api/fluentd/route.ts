import { z } from "zod";
import { readFluentd } from "@/lib/fluentd/read";
import { Db, issueMessage, keyErrorResponse, Pattern, queryOf, resolveNode, Topology } from "@/lib/http/keys-request";
import { errorJson, json, withRuntime } from "@/lib/http/respond";
import { valuesHidden } from "@/lib/http/operator";

export const dynamic = "force-dynamic";

const Time = z.coerce.number({ message: "from/to must be unix seconds" }).min(0, "from/to must be unix seconds").max(1e11, "from/to must be unix seconds").optional();

const Query = z
  .object({
    node: z.string().min(1, "node is required (host:port)").max(310),
    topology: Topology,
    db: Db,
    match: Pattern,
    cursor: z.string().regex(/^\d{1,20}$/, "cursor must be a decimal SCAN cursor").default("0"),
    from: Time,
    to: Time,
  })
  .refine((q) => q.from === undefined || q.to === undefined || q.from <= q.to, "from must not be after to");

export function GET(req: Request): Promise<Response> {
  return withRuntime(async (rt) => {
    const { hub } = rt;
    // fluentd records are values: viewers configured not to see values don't see them either.
    if (valuesHidden(req, rt)) return errorJson(403, "key values are hidden from viewers on this dashboard (viewerValues: false)");
    const q = Query.safeParse(queryOf(req));
    if (!q.success) return errorJson(400, issueMessage(q.error));
    const node = await resolveNode(hub, Promise.resolve({ id: encodeURIComponent(q.data.node) }), q.data.topology);
    if ("response" in node) return node.response;
    try {
      const redis = await rt.keyPool.connection(node.target.monitor.name, node.target.conn, q.data.db);
      return json({ node: node.target.view.id, db: q.data.db, ...(await readFluentd(redis, q.data)) });
    } catch (err) {
      return keyErrorResponse(err);
    }
  });
}
