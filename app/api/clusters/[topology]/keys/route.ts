import { ClusterKeysQuery, ClusterParams, clusterKeysPage } from "@/lib/http/cluster-keys";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/** One page of the whole cluster's keys (every master, merged; each key with its slot and shard). */
export const GET = route({ params: ClusterParams, query: ClusterKeysQuery }, ({ rt, params, query }) => clusterKeysPage(rt, params.topology, query));
