// The key browser's two view routes: describe (type, TTL, size of the rows in view; key tokens in
// the body, so long names fit) and tree (one time-budgeted step of the folder view). Shapes and
// handlers here; the route files are one line each.
import { z } from "zod";
import { decodeKey } from "../keys/codec";
import { describeListed, treeOf } from "../keys/browse";
import { MAX_DESCRIBE } from "../keys/describe";
import { TREE_MAX_PREFIX_BYTES } from "../keys/tree-step";
import type { Runtime } from "../runtime";
import type { Requester } from "./auth";
import { fromRedis } from "./errors";
import { Db, KeyToken, resolveNode, ScanCursor, Topology, TypeName } from "./keys-request";
import { valuesHidden } from "./operator";

/** A key token, decoded to its bytes (a malformed token is the caller's 400, naming the field). */
const DecodedKey = KeyToken.transform((token, ctx) => {
  try {
    return decodeKey(token);
  } catch (err) {
    ctx.addIssue({ code: "custom", message: err instanceof Error ? err.message : "malformed key token" });
    return z.NEVER;
  }
});

export const DescribeRequest = z.object({
  topology: Topology,
  db: Db,
  keys: z.array(DecodedKey, { message: "keys must be an array of key tokens" }).min(1, "keys must not be empty").max(MAX_DESCRIBE, `keys holds at most ${MAX_DESCRIBE} tokens`),
});

export async function describeInView(rt: Runtime, who: Requester, id: string, q: z.output<typeof DescribeRequest>): Promise<object> {
  const node = resolveNode(rt.hub, id, q.topology);
  const keys = await fromRedis(describeListed(rt.keyPool, node, q));
  // Viewers kept from values see names, types and TTLs, nothing measured from the value.
  const shown = valuesHidden(who, rt) ? keys.map((k) => ("missing" in k ? k : { ...k, length: null, memory: null })) : keys;
  return { node: node.view.id, db: q.db, keys: shown };
}

export const TreeQuery = z.object({
  topology: Topology,
  db: Db,
  prefix: z
    .string()
    .max(TREE_MAX_PREFIX_BYTES * 2, "prefix is too long")
    .default("")
    .transform((token, ctx) => {
      if (token === "") return Buffer.alloc(0);
      try {
        return decodeKey(token);
      } catch (err) {
        ctx.addIssue({ code: "custom", message: err instanceof Error ? err.message : "malformed prefix token" });
        return z.NEVER;
      }
    }),
  separator: z.string().min(1, "separator must be 1..4 characters").max(4, "separator must be 1..4 characters").default(":"),
  cursor: ScanCursor,
  type: TypeName,
});

export async function treeStepOf(rt: Runtime, id: string, q: z.output<typeof TreeQuery>): Promise<object> {
  const node = resolveNode(rt.hub, id, q.topology);
  return fromRedis(treeOf(rt.keyPool, node, q));
}
