// Input shapes for the drill routes and the mapping of DrillError to HTTP.
import { z } from "zod";
import { isDrillError } from "../drills/runner";
import { SCENARIOS, type Drill } from "../drills/types";
import type { Runtime } from "../runtime";
import { NODE_ID } from "./params";
import { errorJson } from "./respond";

export const DrillOptionsSchema = z
  .object({
    force: z.boolean().optional(),
    failoverTimeoutMs: z.number().int().min(100).max(600_000).optional(),
    failoverForce: z.boolean().optional(),
    includeOldMaster: z.boolean().optional(),
    outageMs: z.number().int().min(500).max(300_000).optional(),
    timeoutMs: z.number().int().min(1000).max(600_000).optional(),
  })
  .strict();

export const DrillBody = z
  .object({
    topology: z.string().min(1).max(64),
    scenario: z.enum(SCENARIOS, { message: `scenario must be one of ${SCENARIOS.join(", ")}` }),
    target: z.string().regex(NODE_ID, "target must be host:port").optional(),
    options: DrillOptionsSchema.optional(),
  })
  .strict();

export const DRILL_ID = /^[0-9a-f-]{36}$/;

export function drillErrorResponse(err: unknown): Response {
  if (isDrillError(err)) return errorJson(err.status, err.message);
  throw err;
}

/** A well-formed drill id, then the drill (404 when there is none). */
export async function drillFor(rt: Runtime, params: Promise<{ id: string }>): Promise<{ drill: Drill } | { response: Response }> {
  const { id } = await params;
  if (!DRILL_ID.test(id)) return { response: errorJson(400, "drill id must be a UUID") };
  const drill = await rt.drills.get(id);
  return drill ? { drill } : { response: errorJson(404, `no drill ${id}`) };
}
