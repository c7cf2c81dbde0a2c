import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

export const GET = route({}, ({ rt, who: { user, role } }) => ({ user, role, canSeeValues: role === "operator" || rt.config.viewerValues }));
