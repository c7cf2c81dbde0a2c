import { KeyRequest, KEY_BODY_MAX_BYTES, sideBySide } from "@/lib/http/key-routes";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/** ?key=&db=&topology= (kept for compatibility). */
export const GET = route({ query: KeyRequest }, ({ rt, who, query }) => sideBySide(rt, who, query));

/** {key, db?, topology?} in the body, so long names fit. A read: viewers may use it. */
export const POST = route({ body: KeyRequest, bodyMaxBytes: KEY_BODY_MAX_BYTES }, ({ rt, who, body }) => sideBySide(rt, who, body));
