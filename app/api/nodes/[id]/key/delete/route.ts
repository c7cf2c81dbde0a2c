import { deleteAction, KeyRequest, KEY_BODY_MAX_BYTES, removeKey } from "@/lib/http/key-routes";
import { NodeParams } from "@/lib/http/params";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/** Deletes a key: {key, db?, topology?} in the body, so long names fit. Operator action. */
export const POST = route(
  { params: NodeParams, body: KeyRequest, bodyMaxBytes: KEY_BODY_MAX_BYTES, action: ({ params, body }) => deleteAction(params.id, body) },
  ({ rt, params, body }) => removeKey(rt, params.id, body),
);
