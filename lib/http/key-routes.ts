// The key routes that name one key, in their two forms: the original query-string form (GET and
// DELETE ?key=) and the body form (POST {key, ...}) that carries names of any length: a URL or
// header over ~16 KB gets a 431 before replscope ever sees it, and Redis key names can be far
// longer. Both forms share the validation and the handler here.
import { MAX_BODY_BYTES } from "./body";
import { z } from "zod";
import { deleteKey, openKey } from "../keys/browse";
import { redactKeyDetails, redactSideBySide } from "../keys/redact";
import { keyOnEveryNode } from "../keys/side-by-side";
import type { MonitorHub } from "../monitor/hub";
import type { Runtime } from "../runtime";
import { Db, keyErrorResponse, KeyToken, readJsonBody, resolveNode, Topology } from "./keys-request";
import { operatorAction, valuesHidden } from "./operator";
import { errorJson, json } from "./respond";

/**
 * A body holding the longest key token KeyToken accepts, plus room for the other fields; the front
 * door refuses any body over MAX_BODY_BYTES anyway.
 */
export const KEY_BODY_MAX_BYTES = MAX_BODY_BYTES;

const readFields = {
  topology: Topology,
  key: KeyToken,
  db: Db,
  // Value page cursor from the previous answer's nextCursor; its shape depends on the type.
  cursor: z.string().min(1).max(64, "cursor is at most 64 characters").optional(),
  pageSize: z.coerce.number().int().min(1, "pageSize must be 1..1000").max(1000, "pageSize must be 1..1000").optional(),
};
export const ReadQuery = z.object(readFields);
export const ReadBody = z.object(readFields).strict();
export type ReadRequest = z.infer<typeof ReadQuery>;

const keyFields = { topology: Topology, key: KeyToken, db: Db };
export const KeyQuery = z.object(keyFields);
export const KeyBody = z.object(keyFields).strict();
export type KeyRequest = z.infer<typeof KeyQuery>;

/** A JSON body for the key routes: up to KEY_BODY_MAX_BYTES, so any key name fits. */
export function readKeyBody<T>(req: Request, schema: z.ZodType<T>): Promise<{ data: T } | { response: Response }> {
  return readJsonBody(req, schema, KEY_BODY_MAX_BYTES);
}

/** One bounded page of a key's value on one node (no value-derived fields for hidden viewers). */
export async function readKeyResponse(req: Request, rt: Runtime, params: Promise<{ id: string }>, q: ReadRequest): Promise<Response> {
  const node = await resolveNode(rt.hub, params, q.topology);
  if ("response" in node) return node.response;
  try {
    const details = await openKey(rt.keyPool, node.target, q);
    if (!details) return errorJson(404, `no such key in db ${q.db} on ${node.target.view.id}`);
    const shown = valuesHidden(req, rt) ? redactKeyDetails(details) : details;
    return json({ node: node.target.view.id, db: q.db, ...shown });
  } catch (err) {
    return keyErrorResponse(err);
  }
}

/** Operator action (the UI asks for confirmation first). A read-only replica answers READONLY: 409. */
export async function deleteKeyResponse(req: Request, rt: Runtime, params: Promise<{ id: string }>, q: KeyRequest): Promise<Response> {
  const id = decodeURIComponent((await params).id);
  const info = { action: "key:delete", topology: q.topology ?? null, nodes: [id], params: { key: q.key.slice(0, 256), db: q.db } };
  return operatorAction(req, rt, info, async () => {
    const node = await resolveNode(rt.hub, params, q.topology);
    if ("response" in node) return node.response;
    try {
      const deleted = await deleteKey(rt.keyPool, node.target, q);
      if (deleted === 0) return errorJson(404, `no such key in db ${q.db} on ${node.target.view.id}`);
      return json({ node: node.target.view.id, key: q.key, db: q.db, deleted });
    } catch (err) {
      return keyErrorResponse(err);
    }
  });
}

function pickTopology(hub: MonitorHub, name: string | undefined) {
  return name === undefined ? hub.monitors.values().next().value : hub.get(name);
}

/** The same key on every node of a topology, master first. */
export async function sideBySideResponse(req: Request, rt: Runtime, q: KeyRequest): Promise<Response> {
  const monitor = pickTopology(rt.hub, q.topology);
  if (!monitor) return errorJson(404, q.topology ? `no topology "${q.topology}"` : "no topology is configured");
  try {
    const result = await keyOnEveryNode(rt.keyPool, monitor, q.key, q.db);
    const shown = valuesHidden(req, rt) ? redactSideBySide(result) : result;
    // The API shape from the issue (lagBytes), plus the full per-node details the UI renders.
    return json({ ...shown, nodes: shown.nodes.map((n) => ({ ...n, lagBytes: n.behindBytes })) });
  } catch (err) {
    return keyErrorResponse(err);
  }
}
