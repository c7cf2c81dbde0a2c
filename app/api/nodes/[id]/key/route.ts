import { z } from "zod";
import { deleteKey, openKey } from "@/lib/keys/browse";
import { Db, issueMessage, keyErrorResponse, KeyToken, queryOf, resolveNode, Topology } from "@/lib/http/keys-request";
import { errorJson, json, withRuntime } from "@/lib/http/respond";
import { operatorAction, valuesHidden } from "@/lib/http/operator";

export const dynamic = "force-dynamic";

const Query = z.object({
  topology: Topology,
  key: KeyToken,
  db: Db,
  // Value page cursor from the previous answer's nextCursor; its shape depends on the type.
  cursor: z.string().min(1).max(64, "cursor is at most 64 characters").optional(),
  pageSize: z.coerce.number().int().min(1, "pageSize must be 1..1000").max(1000, "pageSize must be 1..1000").optional(),
});

export function GET(req: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  return withRuntime(async (rt) => {
    const { hub } = rt;
    const q = Query.safeParse(queryOf(req));
    if (!q.success) return errorJson(400, issueMessage(q.error));
    const node = await resolveNode(hub, ctx.params, q.data.topology);
    if ("response" in node) return node.response;
    try {
      const details = await openKey(node.target, q.data);
      if (!details) return errorJson(404, `no such key in db ${q.data.db} on ${node.target.view.id}`);
      if (valuesHidden(req, rt)) return json({ node: node.target.view.id, db: q.data.db, ...details, value: null, valueHidden: true });
      return json({ node: node.target.view.id, db: q.data.db, ...details });
    } catch (err) {
      return keyErrorResponse(err);
    }
  });
}

const DeleteQuery = z.object({ topology: Topology, key: KeyToken, db: Db });

/** Operator action (the UI asks for confirmation first). A read-only replica answers READONLY: 409. */
export function DELETE(req: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  return withRuntime(async (rt) => {
    const q = DeleteQuery.safeParse(queryOf(req));
    if (!q.success) return errorJson(400, issueMessage(q.error));
    const id = decodeURIComponent((await ctx.params).id);
    return operatorAction(req, rt, { action: "key:delete", topology: q.data.topology ?? null, nodes: [id], params: { key: q.data.key.slice(0, 256), db: q.data.db } }, async () => {
      const node = await resolveNode(rt.hub, ctx.params, q.data.topology);
      if ("response" in node) return node.response;
      try {
        const deleted = await deleteKey(node.target, q.data);
        if (deleted === 0) return errorJson(404, `no such key in db ${q.data.db} on ${node.target.view.id}`);
        return json({ node: node.target.view.id, key: q.data.key, db: q.data.db, deleted });
      } catch (err) {
        return keyErrorResponse(err);
      }
    });
  });
}
