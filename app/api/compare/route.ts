import { z } from "zod";
import { comparer } from "@/lib/http/compare-request";
import { HttpError } from "@/lib/http/errors";
import { Db, Pattern, Topology } from "@/lib/http/keys-request";
import { json } from "@/lib/http/respond";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

const Body = z.object({
  topology: Topology,
  match: Pattern,
  db: Db,
  maxKeysPerSec: z.number().int().min(100, "maxKeysPerSec must be 100..1000000").max(1_000_000, "maxKeysPerSec must be 100..1000000").optional(),
  ttlToleranceMs: z.number().int().min(0, "ttlToleranceMs must be 0..600000").max(600_000, "ttlToleranceMs must be 0..600000").optional(),
});

export const GET = route({}, async ({ rt }) => ({ jobs: await comparer(rt).list() }));

export const POST = route(
  { body: Body, action: ({ body }) => ({ action: "compare:start", topology: body.topology ?? null, nodes: [], params: { match: body.match ?? "*", db: body.db } }) },
  async ({ rt, body }) => {
    const started = await comparer(rt).start(body);
    if ("error" in started) throw new HttpError(started.status, started.error);
    return json(started, 202);
  },
);
