import { z } from "zod";
import { errorJson, json, withRuntime } from "@/lib/http/respond";
import { NODE_ID } from "@/lib/http/params";

export const dynamic = "force-dynamic";

const Query = z.object({
  topology: z.string().max(64).optional(),
  since: z.coerce.number().int().min(0).optional(),
});



export function GET(req: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  return withRuntime(async ({ hub, store }) => {
    const { id: rawId } = await ctx.params;
    const id = decodeURIComponent(rawId);
    if (!NODE_ID.test(id)) return errorJson(400, "node id must be host:port");
    const q = Query.safeParse(Object.fromEntries(new URL(req.url).searchParams));
    if (!q.success) return errorJson(400, q.error.issues[0]?.message ?? "invalid query");
    const found = hub.findNode(id, q.data.topology);
    if (!found) return errorJson(404, `no node ${id} in ${q.data.topology ? `topology "${q.data.topology}"` : "any topology"}`);
    const state = found.monitor.state(found.view.id);
    const since = q.data.since ?? Date.now() - 15 * 60 * 1000;
    return json({
      topology: found.monitor.name,
      node: found.view,
      info: state?.info ?? null,
      lastOkAt: state?.lastOkAt ?? null,
      pollLatencyMs: state?.pollLatencyMs ?? null,
      backlog: state?.repl?.backlog ?? null,
      replicas: state?.repl?.replicas ?? [],
      replicaViews: found.monitor.views().filter((v) => v.masterId === found.view.id),
      // From the store's metric tiers (survives restarts); the in-memory window if the store fails.
      history: await store.metrics.history(found.monitor.name, found.view.id, since).catch(() => found.monitor.history(found.view.id, since) ?? null),
      events: found.monitor.recentEvents(500).filter((e) => e.node === found.view.id).slice(-100),
    });
  });
}
