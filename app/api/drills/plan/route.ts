import { DrillBody } from "@/lib/http/drills-request";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/** What a drill would touch and which pre-checks fail, for the confirmation dialog. Changes nothing. */
export const GET = route({ query: DrillBody.omit({ options: true }) }, ({ rt, query }) => rt.drills.plan(query));
