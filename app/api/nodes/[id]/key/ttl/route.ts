import { z } from "zod";
import { setKeyTtl } from "@/lib/keys/browse";
import { fromRedis, HttpError } from "@/lib/http/errors";
import { KEY_BODY_MAX_BYTES } from "@/lib/http/key-routes";
import { Db, KeyToken, resolveNode, Topology } from "@/lib/http/keys-request";
import { NodeParams } from "@/lib/http/params";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

const Body = z.object({
  topology: Topology,
  key: KeyToken,
  db: Db,
  // Seconds; -1 removes the expiry (PERSIST). Ten years is plenty and keeps EXPIRE in range.
  ttl: z.number({ message: "ttl must be a number of seconds, or -1 to persist" }).int("ttl must be whole seconds").min(-1, "ttl must be positive, or -1 to persist").max(315_360_000, "ttl is at most 10 years").refine((n) => n !== 0, "ttl 0 would delete the key; use DELETE"),
});

/** Operator action (the UI asks for confirmation first). A read-only replica answers READONLY: 409. */
export const POST = route(
  {
    params: NodeParams,
    body: Body,
    bodyMaxBytes: KEY_BODY_MAX_BYTES,
    action: ({ params, body: b }) => ({ action: "key:ttl", topology: b.topology ?? null, nodes: [params.id], params: { key: b.key.slice(0, 256), db: b.db, ttl: b.ttl } }),
  },
  async ({ rt, params, body }) => {
    const node = resolveNode(rt.hub, params.id, body.topology);
    const ttl = await fromRedis(setKeyTtl(rt.keyPool, node, body));
    if (ttl === null) throw new HttpError(404, `no such key in db ${body.db} on ${node.view.id}`);
    return { node: node.view.id, key: body.key, db: body.db, ttl };
  },
);
