import { readKeyBody, readKeyResponse, ReadBody } from "@/lib/http/key-routes";
import { withRuntime } from "@/lib/http/respond";

export const dynamic = "force-dynamic";

/** Opens a key: {key, db?, topology?, cursor?, pageSize?} in the body, so long names fit. A read. */
export function POST(req: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  return withRuntime(async (rt) => {
    const body = await readKeyBody(req, ReadBody);
    if ("response" in body) return body.response;
    return readKeyResponse(req, rt, ctx.params, body.data);
  });
}
