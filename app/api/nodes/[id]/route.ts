import { z } from "zod";
import { missingError } from "@/lib/http/missing";
import { NodeParams } from "@/lib/http/params";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

const Query = z.object({
  topology: z.string().max(64).optional(),
  since: z.coerce.number().int().min(0).optional(),
});

export const GET = route({ params: NodeParams, query: Query }, async ({ rt, params: { id }, query }) => {
  const found = rt.hub.findNode(id, query.topology);
  if (!found) throw missingError(rt, { topology: query.topology, node: id });
  const state = found.monitor.state(found.view.id);
  const since = query.since ?? Date.now() - 15 * 60 * 1000;
  return {
    topology: found.monitor.name,
    node: found.view,
    info: state?.info ?? null,
    lastOkAt: state?.lastOkAt ?? null,
    pollLatencyMs: state?.pollLatencyMs ?? null,
    backlog: state?.repl?.backlog ?? null,
    replicas: state?.repl?.replicas ?? [],
    replicaViews: found.monitor.views().filter((v) => v.masterId === found.view.id),
    // From the store's metric tiers (survives restarts); the in-memory window if the store fails.
    history: await rt.store.metrics.history(found.monitor.name, found.view.id, since).catch(() => found.monitor.history(found.view.id, since) ?? null),
    events: found.monitor.recentEvents(500).filter((e) => e.node === found.view.id).slice(-100),
  };
});
