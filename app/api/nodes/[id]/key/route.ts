import { deleteAction, KeyRequest, readKey, ReadRequest, removeKey } from "@/lib/http/key-routes";
import { NodeParams } from "@/lib/http/params";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

// Query-string forms, kept for compatibility; the UI uses POST key/read and key/delete, whose
// bodies carry key names of any length.

export const GET = route({ params: NodeParams, query: ReadRequest }, ({ rt, who, params, query }) => readKey(rt, who, params.id, query));

export const DELETE = route(
  { params: NodeParams, query: KeyRequest, action: ({ params, query }) => deleteAction(params.id, query) },
  ({ rt, params, query }) => removeKey(rt, params.id, query),
);
