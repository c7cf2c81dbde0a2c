import { z } from "zod";
import { readFluentd } from "@/lib/fluentd/read";
import { fromRedis, HttpError } from "@/lib/http/errors";
import { Db, Pattern, resolveNode, ScanCursor, Topology } from "@/lib/http/keys-request";
import { valuesHidden } from "@/lib/http/operator";
import { NODE_ID } from "@/lib/http/params";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

const Time = z.coerce.number({ message: "must be unix seconds" }).min(0, "must be unix seconds").max(1e11, "must be unix seconds").optional();

const Query = z
  .object({
    node: z.string({ message: "node is required (host:port)" }).regex(NODE_ID, "node must be a node id (host:port)"),
    topology: Topology,
    db: Db,
    match: Pattern,
    cursor: ScanCursor,
    from: Time,
    to: Time,
  })
  .refine((q) => q.from === undefined || q.to === undefined || q.from <= q.to, { message: "from must not be after to", path: ["from"] });

export const GET = route({ query: Query }, async ({ rt, who, query }) => {
  // fluentd records are values: viewers configured not to see values don't see them either.
  if (valuesHidden(who, rt)) throw new HttpError(403, "key values are hidden from viewers on this dashboard (viewerValues: false)");
  const node = resolveNode(rt.hub, query.node, query.topology);
  const redis = await fromRedis(rt.keyPool.connection(node.monitor.name, node.conn, query.db));
  return { node: node.view.id, db: query.db, ...(await fromRedis(readFluentd(redis, query))) };
});
