import { z } from "zod";
import { listKeys } from "@/lib/keys/browse";
import { fromRedis } from "@/lib/http/errors";
import { Db, Pattern, resolveNode, ScanCursor, Topology, TypeName } from "@/lib/http/keys-request";
import { NodeParams } from "@/lib/http/params";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

const Query = z.object({
  topology: Topology,
  match: Pattern,
  type: TypeName,
  db: Db,
  cursor: ScanCursor,
  count: z.coerce.number({ message: "count must be a number" }).int("count must be an integer").min(1, "count must be 1..1000").max(1000, "count must be 1..1000").default(200),
});

export const GET = route({ params: NodeParams, query: Query }, async ({ rt, params, query }) => fromRedis(listKeys(rt.keyPool, resolveNode(rt.hub, params.id, query.topology), query)));
