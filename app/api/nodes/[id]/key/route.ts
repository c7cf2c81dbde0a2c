import { deleteKeyResponse, KeyQuery, readKeyResponse, ReadQuery } from "@/lib/http/key-routes";
import { issueMessage, queryOf } from "@/lib/http/keys-request";
import { errorJson, withRuntime } from "@/lib/http/respond";

export const dynamic = "force-dynamic";

// Query-string forms, kept for compatibility; the UI uses POST key/read and key/delete, whose
// bodies carry key names of any length.

export function GET(req: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  return withRuntime(async (rt) => {
    const q = ReadQuery.safeParse(queryOf(req));
    if (!q.success) return errorJson(400, issueMessage(q.error));
    return readKeyResponse(req, rt, ctx.params, q.data);
  });
}

export function DELETE(req: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  return withRuntime(async (rt) => {
    const q = KeyQuery.safeParse(queryOf(req));
    if (!q.success) return errorJson(400, issueMessage(q.error));
    return deleteKeyResponse(req, rt, ctx.params, q.data);
  });
}
