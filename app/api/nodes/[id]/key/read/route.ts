import { KEY_BODY_MAX_BYTES, readKey, ReadRequest } from "@/lib/http/key-routes";
import { NodeParams } from "@/lib/http/params";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/** Opens a key: {key, db?, topology?, cursor?, pageSize?} in the body, so long names fit. A read. */
export const POST = route({ params: NodeParams, body: ReadRequest, bodyMaxBytes: KEY_BODY_MAX_BYTES }, ({ rt, who, params, body }) => readKey(rt, who, params.id, body));
