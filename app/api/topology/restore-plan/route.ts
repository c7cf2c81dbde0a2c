import { z } from "zod";
import { missingError } from "@/lib/http/missing";
import { NODE_ID } from "@/lib/http/params";
import { route } from "@/lib/http/route";
import { restorePlan } from "@/lib/persistence/restore-plan";
import { restoreTopologyOf } from "@/lib/persistence/restore-input";

export const dynamic = "force-dynamic";

const Query = z.object({ topology: z.string().max(64).optional(), master: z.string().regex(NODE_ID, "must be a node id (host:port)").optional() });

export const GET = route({ query: Query }, ({ rt, query }) => {
  const monitor = query.topology ? rt.hub.get(query.topology) : rt.hub.monitors.values().next().value;
  if (!monitor) throw missingError(rt, { topology: query.topology });
  return { at: Date.now(), plan: restorePlan(restoreTopologyOf(monitor), query.master) };
});
