import { clearedSessionCookie } from "@/lib/auth/session";
import { json } from "@/lib/http/respond";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/** Ends every session of every user (e.g. after a password leak). Operators only. */
export const POST = route({ role: "operator" }, ({ rt, who }) => {
  rt.auth.logoutEverywhere();
  // Open sockets were authenticated with the old sessions: make them reconnect (and fail).
  rt.disconnectSockets();
  rt.audit.append({ at: Date.now(), user: who.user, role: who.role, action: "logout-everywhere", topology: null, nodes: [], result: "ok" });
  const res = json({ ok: true });
  res.headers.append("Set-Cookie", clearedSessionCookie());
  return res;
});
