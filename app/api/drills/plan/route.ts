import { z } from "zod";
import { DrillBody, drillErrorResponse } from "@/lib/http/drills-request";
import { errorJson, json, withRuntime } from "@/lib/http/respond";

export const dynamic = "force-dynamic";

const Query = DrillBody.omit({ options: true });

/** What a drill would touch and which pre-checks fail, for the confirmation dialog. Changes nothing. */
export function GET(req: Request): Promise<Response> {
  return withRuntime(({ drills }) => {
    const q = Query.safeParse(Object.fromEntries(new URL(req.url).searchParams));
    if (!q.success) return errorJson(400, `${q.error.issues[0]?.path.join(".") || "query"}: ${q.error.issues[0]?.message}`);
    try {
      return json(drills.plan(q.data));
    } catch (err) {
      return drillErrorResponse(err);
    }
  });
}

export type { z };
