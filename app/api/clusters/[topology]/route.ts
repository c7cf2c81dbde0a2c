// GET /api/clusters/{topology}: a Redis Cluster topology's state, slots by state as ranges, shards
// with the monitor's figures for each node, failure reports, migrations (keys left, rate, ETA) and
// the recent cluster events. 404 for a topology that is not a cluster (or not read yet).
import { z } from "zod";
import { missingError } from "@/lib/http/missing";
import { clusterShards, clusterSummary } from "@/lib/cluster/report";
import { HttpError } from "@/lib/http/errors";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

const Params = z.object({ topology: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, "must be a topology name") });

export const GET = route({ params: Params }, ({ rt, params }) => {
  const monitor = rt.hub.get(params.topology);
  if (!monitor) throw missingError(rt, { topology: params.topology });
  const status = monitor.clusterStatus();
  const summary = clusterSummary(status);
  if (!summary) {
    const probing = monitor.cluster?.current().mode === "probing" || status !== null;
    throw new HttpError(404, probing ? `topology "${params.topology}": no cluster node has answered yet` : `topology "${params.topology}" is not a Redis Cluster`);
  }
  const { shards: _raw, ...rest } = summary;
  return {
    at: Date.now(),
    topology: monitor.name,
    ...rest,
    shards: clusterShards(summary, monitor.views()),
    events: monitor.recentEvents(500).filter((e) => e.kind.startsWith("cluster:")).slice(-100),
  };
});
