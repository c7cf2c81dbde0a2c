import { KeyBody, KeyQuery, readKeyBody, sideBySideResponse } from "@/lib/http/key-routes";
import { issueMessage, queryOf } from "@/lib/http/keys-request";
import { errorJson, withRuntime } from "@/lib/http/respond";

export const dynamic = "force-dynamic";

/** ?key=&db=&topology= (kept for compatibility). */
export function GET(req: Request): Promise<Response> {
  return withRuntime(async (rt) => {
    const q = KeyQuery.safeParse(queryOf(req));
    if (!q.success) return errorJson(400, issueMessage(q.error));
    return sideBySideResponse(req, rt, q.data);
  });
}

/** {key, db?, topology?} in the body, so long names fit. A read: viewers may use it. */
export function POST(req: Request): Promise<Response> {
  return withRuntime(async (rt) => {
    const body = await readKeyBody(req, KeyBody);
    if ("response" in body) return body.response;
    return sideBySideResponse(req, rt, body.data);
  });
}
