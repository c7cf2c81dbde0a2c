import { parseCookies, SESSION_COOKIE, clearedSessionCookie } from "@/lib/auth/session";
import { json } from "@/lib/http/respond";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/**
 * Ends this browser's session on the server (the cookie stops working everywhere it was copied to)
 * and closes the sockets opened with it, in every tab.
 */
export const POST = route({}, ({ req, rt, who }) => {
  const token = parseCookies(req.headers.get("cookie") ?? undefined)[SESSION_COOKIE];
  const ended = token ? rt.auth.revoke(token) : null;
  rt.audit.append({ at: Date.now(), user: who.user, role: who.role, action: "logout", topology: null, nodes: [], params: { session: ended ? "ended" : "none" }, result: "ok" });
  const res = json({ ok: true, ended: ended !== null });
  res.headers.append("Set-Cookie", clearedSessionCookie());
  return res;
});
