import { ClusterDescribeRequest, ClusterParams, describeClusterInView } from "@/lib/http/cluster-keys";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/** Type, TTL, length and memory of up to 200 keys of any shards, each asked of its shard's master. A read. */
export const POST = route({ params: ClusterParams, body: ClusterDescribeRequest }, ({ rt, who, params, body }) => describeClusterInView(rt, who, params.topology, body));
