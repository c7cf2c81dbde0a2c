// Input shapes for the drill routes and the mapping of DrillError to HTTP.
import { z } from "zod";
import { isDrillError } from "../drills/runner";
import { SCENARIOS } from "../drills/types";
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
