import { z } from "zod";
import { clientKey } from "@/lib/auth/rate-limit";
import { sessionCookie } from "@/lib/auth/session";
import { ADMIN } from "@/lib/auth/store";
import { requester } from "@/lib/http/auth";
import { readJsonBody } from "@/lib/http/body";
import { errorJson, json, withRuntime } from "@/lib/http/respond";

export const dynamic = "force-dynamic";

const LoginBody = z
  .object({
    username: z.string().max(64).optional(),
    password: z.string().min(1, "password is required").max(1024),
  })
  .strict();

export function POST(req: Request): Promise<Response> {
  return withRuntime(async ({ auth, audit, config, loginLimiter }) => {
    const body = await readJsonBody(req, LoginBody, 4096);
    if ("response" in body) return body.response;
    const username = body.data.username || ADMIN;
    const { ip } = requester(req);
    const client = clientKey(ip);
    const gate = loginLimiter.check(client, username, Date.now());
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
    const who = auth.checkLogin(username, body.data.password);
    if (!who) {
      loginLimiter.fail(client, username, Date.now());
      audit.append({ at: Date.now(), user: username, role: "unknown", action: "login", topology: null, nodes: [], params: { ip }, result: "denied" });
      return errorJson(401, "wrong user name or password");
    }
    loginLimiter.succeed(client, username);
    audit.append({ at: Date.now(), user: who.user, role: who.role, action: "login", topology: null, nodes: [], params: { ip }, result: "ok" });
    const secure = new URL(req.url).protocol === "https:" || req.headers.get("x-forwarded-proto") === "https" || config.publicUrl?.startsWith("https:") === true;
    const res = json({ ok: true, user: who.user, role: who.role });
    res.headers.append("Set-Cookie", sessionCookie(auth.issue(who), secure));
    return res;
  });
}
