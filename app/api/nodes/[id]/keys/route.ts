import { z } from "zod";
import { listKeys } from "@/lib/keys/browse";
import { Db, issueMessage, keyErrorResponse, Pattern, queryOf, resolveNode, Topology, TypeName } from "@/lib/http/keys-request";
import { errorJson, json, withRuntime } from "@/lib/http/respond";

export const dynamic = "force-dynamic";

const Query = z.object({
  topology: Topology,
  match: Pattern,
  type: TypeName,
  db: Db,
  cursor: z.string().regex(/^\d{1,20}$/, "cursor must be a decimal SCAN cursor (start with 0)").default("0"),
  count: z.coerce.number({ message: "count must be a number" }).int("count must be an integer").min(1, "count must be 1..1000").max(1000, "count must be 1..1000").default(200),
});

export function GET(req: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  return withRuntime(async ({ hub, keyPool }) => {
    const q = Query.safeParse(queryOf(req));
    if (!q.success) return errorJson(400, issueMessage(q.error));
    const node = await resolveNode(hub, ctx.params, q.data.topology);
    if ("response" in node) return node.response;
    try {
      return json(await listKeys(keyPool, node.target, q.data));
    } catch (err) {
      return keyErrorResponse(err);
    }
  });
}
