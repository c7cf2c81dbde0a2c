// The whole-cluster key routes (GET /api/clusters/{topology}/keys, POST …/keys/describe): shapes
// and handlers here, the route files are one line each. 404 for a topology that is not a cluster
// (or whose cluster no node has answered yet): the node key browser serves those.
import { z } from "zod";
import { missingError } from "./missing";
import type { ClusterView } from "../cluster/model";
import { describeClusterKeys, listClusterKeys } from "../keys/cluster-browse";
import type { TopologyMonitor } from "../monitor/topology-monitor";
import type { Runtime } from "../runtime";
import type { Requester } from "./auth";
import { fromRedis, HttpError } from "./errors";
import { Pattern, TypeName } from "./keys-request";
import { DescribeRequest } from "./keys-view";
import { valuesHidden } from "./operator";

export const ClusterParams = z.object({ topology: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, "must be a topology name") });

/** "0" or "<shard index>:<SCAN cursor>:<master tag>" (lib/keys/cluster-scan checks the shard and its master against the view). */
const ClusterCursor = z.string().regex(/^(0|[0-9]{1,5}:[0-9]{1,20}(:[0-9a-f]{8})?)$/, 'cursor must be "0" or "<shard>:<SCAN cursor>:<master tag>"').default("0");

export const ClusterKeysQuery = z.object({
  match: Pattern,
  type: TypeName,
  cursor: ClusterCursor,
  count: z.coerce.number({ message: "count must be a number" }).int("count must be an integer").min(1, "count must be 1..1000").max(1000, "count must be 1..1000").default(200),
});

export const ClusterDescribeRequest = DescribeRequest.omit({ topology: true, db: true }).extend({
  db: z.literal(0, { message: "a cluster has db 0 only" }).default(0),
});

function clusterOf(rt: Runtime, topology: string): { monitor: TopologyMonitor; view: ClusterView } {
  const monitor = rt.hub.get(topology);
  if (!monitor) throw missingError(rt, { topology });
  const view = monitor.clusterStatus()?.view ?? null;
  if (!view) throw new HttpError(404, `topology "${topology}" is not a Redis Cluster (or no cluster node has answered yet)`);
  return { monitor, view };
}

export async function clusterKeysPage(rt: Runtime, topology: string, q: z.output<typeof ClusterKeysQuery>): Promise<object> {
  const { monitor, view } = clusterOf(rt, topology);
  const page = await fromRedis(listClusterKeys(rt.keyPool, monitor, view, q));
  return { topology: monitor.name, db: 0, ...page };
}

export async function describeClusterInView(rt: Runtime, who: Requester, topology: string, q: z.output<typeof ClusterDescribeRequest>): Promise<object> {
  const { monitor, view } = clusterOf(rt, topology);
  const keys = await fromRedis(describeClusterKeys(rt.keyPool, monitor, view, q.keys));
  const shown = valuesHidden(who, rt) ? keys.map((k) => ("missing" in k ? k : { ...k, length: null, memory: null })) : keys;
  return { topology: monitor.name, db: 0, keys: shown };
}
