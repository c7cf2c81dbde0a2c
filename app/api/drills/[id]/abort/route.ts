import { json } from "@/lib/http/respond";
import { DrillParams } from "@/lib/http/params";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

export const POST = route(
  { params: DrillParams, action: async ({ rt, params: { id } }) => ({ action: "drill:abort", topology: (await rt.drills.get(id))?.topology ?? null, nodes: [], params: { id } }) },
  async ({ rt, params: { id } }) => json({ id: (await rt.drills.abort(id)).id, status: "aborting" }, 202),
);
