import { drillFor } from "@/lib/http/drills-request";
import { json, withRuntime } from "@/lib/http/respond";

export const dynamic = "force-dynamic";

export function GET(_req: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  return withRuntime(async (rt) => {
    const found = await drillFor(rt, ctx.params);
    return "response" in found ? found.response : json(found.drill);
  });
}
