import { z } from "zod";
import { HttpError } from "@/lib/http/errors";
import { NodeParams } from "@/lib/http/params";
import { route } from "@/lib/http/route";
import { nodePersistence, persistenceFreshness, type PersistenceReport } from "@/lib/persistence/of-state";

export const dynamic = "force-dynamic";

const Query = z.object({ topology: z.string().max(64).optional() });

// From what the monitor already polls (full INFO with persistence, CONFIG save/appendonly): no
// command is sent to the node here.
export const GET = route({ params: NodeParams, query: Query }, ({ rt, params: { id }, query }): PersistenceReport => {
  const found = rt.hub.findNode(id, query.topology);
  if (!found) throw new HttpError(404, `no node ${id} in ${query.topology ? `topology "${query.topology}"` : "any topology"}`);
  const state = found.monitor.state(found.view.id);
  const now = Date.now();
  const p = state ? nodePersistence(state, now, found.monitor.noSaveSeconds()) : null;
  return {
    topology: found.monitor.name,
    node: found.view.id,
    role: found.view.role,
    status: found.view.status,
    freshness: state ? persistenceFreshness(state, p?.sampledAt ?? null, now, found.monitor.config.infoMs) : { kind: "unknown" as const, reason: "not polled yet" },
    sampledAt: p?.sampledAt ?? null,
    now,
    noSaveSeconds: found.monitor.noSaveSeconds(),
    view: p?.view ?? null,
    hazards: p?.hazards ?? [],
  };
});
