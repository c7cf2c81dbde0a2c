import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

export const GET = route({}, ({ rt: { hub } }) => ({
  topologies: [...hub.monitors.values()].map((m) => ({ name: m.name, drills: m.config.drills, cluster: m.clusterStatus() !== null, nodes: m.views() })),
  updatedAt: new Date().toISOString(),
}));
