import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/**
 * Every configured topology. With several instances, those another instance polls come from this
 * instance's mirror of it: `polledBy` names that instance, and `lastSeen` is true while it is
 * silent (its figures are then last-seen, not current). Actions on them run on that instance.
 */
export const GET = route({}, ({ rt }) => {
  const self = rt.fleet?.instanceId ?? null;
  const own = [...rt.hub.monitors.values()].map((m) => ({ name: m.name, drills: m.config.drills, cluster: m.clusterStatus() !== null, nodes: m.views(), ...(self ? { polledBy: self, lastSeen: false } : {}) }));
  const elsewhere = rt.mirrored().map((t) => ({ name: t.view.name, drills: t.view.drills, cluster: t.view.cluster != null, nodes: t.view.nodes, polledBy: t.owner, lastSeen: t.ownerLost }));
  return { topologies: [...own, ...elsewhere], updatedAt: new Date().toISOString() };
});
