import { DrillBody, drillErrorResponse } from "@/lib/http/drills-request";
import { readJsonBody } from "@/lib/http/keys-request";
import { requester } from "@/lib/http/auth";
import { operatorAction } from "@/lib/http/operator";
import { json, withRuntime } from "@/lib/http/respond";

export const dynamic = "force-dynamic";

export function GET(): Promise<Response> {
  return withRuntime(async ({ drills }) => json({ drills: await drills.list() }));
}

/** Starts a drill: operators only, on topologies whose config says "drills": true. */
export function POST(req: Request): Promise<Response> {
  return withRuntime(async (rt) => {
    const body = await readJsonBody(req, DrillBody);
    if ("response" in body) return body.response;
    const b = body.data;
    const info = { action: `drill:${b.scenario}`, topology: b.topology, nodes: b.target ? [b.target] : [], params: { options: b.options ?? {} } };
    return operatorAction(req, rt, info, async () => {
      try {
        const d = await rt.drills.start({ ...b, user: requester(req).user });
        return json({ id: d.id, touches: d.touches, target: d.target }, 201);
      } catch (err) {
        return drillErrorResponse(err);
      }
    });
  });
}
