import { z } from "zod";
import { Pattern, Topology, TypeName } from "@/lib/http/keys-request";
import { json } from "@/lib/http/respond";
import { route } from "@/lib/http/route";
import { NodeId, refusalsAsHttp, transferTarget, transfers } from "@/lib/http/transfer-request";

export const dynamic = "force-dynamic";

/** No db: every db the node has keys in (keys-request's Db defaults to 0, so not that one). */
const Body = z.object({
  node: NodeId,
  topology: Topology,
  match: Pattern,
  db: z.number({ message: "must be a number" }).int("must be an integer").min(0, "must be 0 or more").max(1023, "must be at most 1023").optional(),
  type: TypeName,
});

/** Recent export and import jobs, newest first. */
export const GET = route({}, ({ rt }) => ({ jobs: transfers(rt).list() }));

export const POST = route(
  {
    body: Body,
    action: ({ body }) => ({ action: "export:start", topology: body.topology ?? null, nodes: [body.node], params: { match: body.match ?? null, db: body.db ?? null, type: body.type ?? null } }),
  },
  async ({ rt, who, body }) => {
    const target = transferTarget(rt, who, body.node, body.topology);
    const job = await refusalsAsHttp(transfers(rt).startExport(target, { match: body.match ?? null, db: body.db ?? null, type: body.type ?? null }));
    return json(job, 202);
  },
);
