import { DrillPlanQuery } from "@/lib/http/drills-request";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/** What a drill would touch and which pre-checks fail (or, on a cluster, why it is refused), for the confirmation dialog. Changes nothing. */
export const GET = route({ query: DrillPlanQuery }, ({ rt, query: { topology, scenario, target, clusterMode, outageMethod, outageMs, shardMaster } }) =>
  rt.drills.plan({
    topology,
    scenario,
    ...(target ? { target } : {}),
    options: { ...(clusterMode ? { clusterMode } : {}), ...(outageMethod ? { outageMethod } : {}), ...(outageMs !== undefined ? { outageMs } : {}), ...(shardMaster ? { shardMaster } : {}) },
  }),
);
