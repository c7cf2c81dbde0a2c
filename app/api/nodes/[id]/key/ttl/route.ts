import { z } from "zod";
import { setKeyTtl } from "@/lib/keys/browse";
import { readKeyBody } from "@/lib/http/key-routes";
import { Db, keyErrorResponse, KeyToken, resolveNode, Topology } from "@/lib/http/keys-request";
import { errorJson, json, withRuntime } from "@/lib/http/respond";
import { operatorAction } from "@/lib/http/operator";

export const dynamic = "force-dynamic";

const Body = z
  .object({
    topology: Topology,
    key: KeyToken,
    db: Db,
    // Seconds; -1 removes the expiry (PERSIST). Ten years is plenty and keeps EXPIRE in range.
    ttl: z.number({ message: "ttl must be a number of seconds, or -1 to persist" }).int("ttl must be whole seconds").min(-1, "ttl must be positive, or -1 to persist").max(315_360_000, "ttl is at most 10 years").refine((n) => n !== 0, "ttl 0 would delete the key; use DELETE"),
  })
  .strict();

/** Operator action (the UI asks for confirmation first). A read-only replica answers READONLY: 409. */
export function POST(req: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  return withRuntime(async (rt) => {
    const body = await readKeyBody(req, Body);
    if ("response" in body) return body.response;
    const id = decodeURIComponent((await ctx.params).id);
    const info = { action: "key:ttl", topology: body.data.topology ?? null, nodes: [id], params: { key: body.data.key.slice(0, 256), db: body.data.db, ttl: body.data.ttl } };
    return operatorAction(req, rt, info, async () => {
      const node = await resolveNode(rt.hub, ctx.params, body.data.topology);
      if ("response" in node) return node.response;
      try {
        const ttl = await setKeyTtl(rt.keyPool, node.target, body.data);
        if (ttl === null) return errorJson(404, `no such key in db ${body.data.db} on ${node.target.view.id}`);
        return json({ node: node.target.view.id, key: body.data.key, db: body.data.db, ttl });
      } catch (err) {
        return keyErrorResponse(err);
      }
    });
  });
}
