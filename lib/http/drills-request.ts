// Input shapes for the drill routes. DrillError (thrown by DrillManager) is mapped to HTTP by
// errorResponse, like every other error.
import { z } from "zod";
import { OUTAGE_METHODS } from "../drills/cluster/types";
import { CLUSTER_FAILOVER_MODES, SCENARIOS, type Drill } from "../drills/types";
import type { Runtime } from "../runtime";
import { HttpError } from "./errors";
import { NODE_ID } from "./params";

export { DRILL_ID } from "./params";

export const DrillOptionsSchema = z
  .object({
    force: z.boolean().optional(),
    failoverTimeoutMs: z.number().int().min(100).max(600_000).optional(),
    failoverForce: z.boolean().optional(),
    includeOldMaster: z.boolean().optional(),
    outageMs: z.number().int().min(500).max(300_000).optional(),
    timeoutMs: z.number().int().min(1000).max(600_000).optional(),
    clusterMode: z.enum(CLUSTER_FAILOVER_MODES, { message: `clusterMode must be one of ${CLUSTER_FAILOVER_MODES.join(", ")}` }).optional(),
    outageMethod: z.enum(OUTAGE_METHODS, { message: `outageMethod must be one of ${OUTAGE_METHODS.join(", ")}` }).optional(),
    shardMaster: z.string().regex(NODE_ID, "shardMaster must be host:port").optional(),
  })
  .strict();

export const DrillBody = z.object({
  topology: z.string().min(1).max(64),
  scenario: z.enum(SCENARIOS, { message: `scenario must be one of ${SCENARIOS.join(", ")}` }),
  target: z.string().regex(NODE_ID, "target must be host:port").optional(),
  options: DrillOptionsSchema.optional(),
});

/** GET /api/drills/plan: the drill's choice without the run-time options, plus what a cluster plan depends on. */
export const DrillPlanQuery = DrillBody.omit({ options: true }).extend({
  clusterMode: DrillOptionsSchema.shape.clusterMode,
  outageMethod: DrillOptionsSchema.shape.outageMethod,
  outageMs: z.coerce.number().int().min(500).max(300_000).optional(),
  shardMaster: DrillOptionsSchema.shape.shardMaster,
});

/** The drill (404 when there is none); the id's shape is checked by DrillParams. */
export async function drillFor(rt: Runtime, id: string): Promise<Drill> {
  const drill = await rt.drills.get(id);
  if (!drill) throw new HttpError(404, `no drill ${id}`);
  return drill;
}
