import { DrillBody } from "@/lib/http/drills-request";
import { json } from "@/lib/http/respond";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

export const GET = route({}, async ({ rt }) => ({ drills: await rt.drills.list() }));

/** Starts a drill: operators only, on topologies whose config says "drills": true. */
export const POST = route(
  { body: DrillBody, action: ({ body: b }) => ({ action: `drill:${b.scenario}`, topology: b.topology, nodes: b.target ? [b.target] : [], params: { options: b.options ?? {} } }) },
  async ({ rt, who, body }) => {
    const d = await rt.drills.start({ ...body, user: who.user });
    return json({ id: d.id, touches: d.touches, target: d.target }, 201);
  },
);
