import { z } from "zod";
import { missingError } from "@/lib/http/missing";
import { NodeParams } from "@/lib/http/params";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

const Query = z.object({
  topology: z.string().max(64).optional(),
  after: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(500),
});

export const GET = route({ params: NodeParams, query: Query }, ({ rt, params: { id }, query }) => {
  const found = rt.hub.findNode(id, query.topology);
  if (!found) throw missingError(rt, { topology: query.topology, node: id });
  const logs = found.monitor.logs;
  return { node: found.view.id, source: logs.state(found.view.id), lines: logs.lines(found.view.id, query.after, query.limit) };
});
