import { z } from "zod";
import { clientKey } from "@/lib/auth/rate-limit";
import { sessionCookie } from "@/lib/auth/session";
import { ADMIN } from "@/lib/auth/store";
import { errorJson, json } from "@/lib/http/respond";
import { HttpError } from "@/lib/http/errors";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

const LoginBody = z.object({
  username: z.string().max(64).optional(),
  password: z.string().min(1, "password is required").max(1024),
});

export const POST = route({ body: LoginBody, bodyMaxBytes: 4096 }, async ({ req, rt, who: { ip }, body }) => {
  const { auth, audit, config, loginLimiter } = rt;
  const username = body.username || ADMIN;
  const client = clientKey(ip);
  // A limiter that answers at once is not awaited: nothing else may run between its check and the
  // fail() below (the shared one counts the attempt inside check() instead).
  const asked = loginLimiter.check(client, username, Date.now());
  const gate = asked instanceof Promise ? await asked : asked;
  if (!gate.allowed) {
    const retryAfterS = Math.ceil(gate.retryAfterMs / 1000);
    // One audit line per lock, not per refused attempt: a flood must not become a flood of fsyncs.
    if (gate.firstRefusal) {
      audit.append({ at: Date.now(), user: username, role: "unknown", action: "login", topology: null, nodes: [], params: { ip, lock: gate.scope, retryAfterS }, result: "throttled" });
    }
    const res = errorJson(429, `too many failed logins${gate.scope === "client" ? " from this address" : ""}; try again in ${retryAfterS} s`);
    res.headers.set("Retry-After", String(retryAfterS));
    return res;
  }
  const found = auth.checkLogin(username, body.password);
  if (!found) {
    await loginLimiter.fail(client, username, Date.now());
    audit.append({ at: Date.now(), user: username, role: "unknown", action: "login", topology: null, nodes: [], params: { ip }, result: "denied" });
    throw new HttpError(401, "wrong user name or password");
  }
  await loginLimiter.succeed(client, username);
  audit.append({ at: Date.now(), user: found.user, role: found.role, action: "login", topology: null, nodes: [], params: { ip }, result: "ok" });
  const secure = new URL(req.url).protocol === "https:" || req.headers.get("x-forwarded-proto") === "https" || config.publicUrl?.startsWith("https:") === true;
  const token = auth.issue(found);
  // Several instances: the browser's next request may reach another instance, which reads the
  // session from the shared store, so the session is committed before the cookie is handed out.
  if (config.coordinationUrl) await auth.flush();
  const res = json({ ok: true, user: found.user, role: found.role });
  res.headers.append("Set-Cookie", sessionCookie(token, secure));
  return res;
});
