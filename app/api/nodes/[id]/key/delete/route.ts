import { deleteKeyResponse, KeyBody, readKeyBody } from "@/lib/http/key-routes";
import { withRuntime } from "@/lib/http/respond";

export const dynamic = "force-dynamic";

/** Deletes a key: {key, db?, topology?} in the body, so long names fit. Operator action. */
export function POST(req: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  return withRuntime(async (rt) => {
    const body = await readKeyBody(req, KeyBody);
    if ("response" in body) return body.response;
    return deleteKeyResponse(req, rt, ctx.params, body.data);
  });
}
