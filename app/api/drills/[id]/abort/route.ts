import { json } from "@/lib/http/respond";
import { DrillParams } from "@/lib/http/params";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

export const POST = route(
  { params: DrillParams, action: ({ rt, params: { id } }) => ({ action: "drill:abort", topology: rt.drills.get(id)?.topology ?? null, nodes: [], params: { id } }) },
  ({ rt, params: { id } }) => json({ id: rt.drills.abort(id).id, status: "aborting" }, 202),
);
