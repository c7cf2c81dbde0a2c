import { clearedSessionCookie } from "@/lib/auth/session";
import { requester, requireOperator } from "@/lib/http/auth";
import { json, withRuntime } from "@/lib/http/respond";

export const dynamic = "force-dynamic";

/** Ends every session of every user (e.g. after a password leak). Operators only. */
export function POST(req: Request): Promise<Response> {
  return withRuntime(({ auth, audit, disconnectSockets }) => {
    const denied = requireOperator(req);
    if (denied) return denied;
    const who = requester(req);
    auth.logoutEverywhere();
    // Open sockets were authenticated with the old sessions: make them reconnect (and fail).
    disconnectSockets();
    audit.append({ at: Date.now(), user: who.user, role: who.role, action: "logout-everywhere", topology: null, nodes: [], result: "ok" });
    const res = json({ ok: true });
    res.headers.append("Set-Cookie", clearedSessionCookie());
    return res;
  });
}
