import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/** Liveness (public): the runtime is up and route handlers answer. */
export const GET = route({}, () => ({ ok: true }));
