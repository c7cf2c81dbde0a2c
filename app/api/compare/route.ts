import { z } from "zod";
import { Db, Pattern, readJsonBody, Topology } from "@/lib/http/keys-request";
import { errorJson, json, withRuntime } from "@/lib/http/respond";
import { operatorAction } from "@/lib/http/operator";

export const dynamic = "force-dynamic";

const Body = z
  .object({
    topology: Topology,
    match: Pattern,
    db: Db,
    maxKeysPerSec: z.number().int().min(100, "maxKeysPerSec must be 100..1000000").max(1_000_000, "maxKeysPerSec must be 100..1000000").optional(),
    ttlToleranceMs: z.number().int().min(0, "ttlToleranceMs must be 0..600000").max(600_000, "ttlToleranceMs must be 0..600000").optional(),
  })
  .strict();

export function GET(): Promise<Response> {
  return withRuntime(async ({ compare }) => json({ jobs: await compare.list() }));
}

export function POST(req: Request): Promise<Response> {
  return withRuntime(async (rt) => {
    const body = await readJsonBody(req, Body);
    if ("response" in body) return body.response;
    const info = { action: "compare:start", topology: body.data.topology ?? null, nodes: [], params: { match: body.data.match ?? "*", db: body.data.db } };
    return operatorAction(req, rt, info, async () => {
      const started = await rt.compare.start(body.data);
      if ("error" in started) return errorJson(started.status, started.error);
      return json(started, 202);
    });
  });
}
