import { z } from "zod";
import { errorJson, json, withRuntime } from "@/lib/http/respond";
import { requester } from "@/lib/http/auth";
import { sessionCookie } from "@/lib/auth/session";

export const dynamic = "force-dynamic";

const LoginBody = z
  .object({
    username: z.string().max(64).optional(),
    password: z.string().min(1, "password is required").max(1024),
  })
  .strict();

export function POST(req: Request): Promise<Response> {
  return withRuntime(async ({ auth, audit, loginLimiter }) => {
    if (!(req.headers.get("content-type") ?? "").includes("application/json")) {
      return errorJson(415, "send JSON: Content-Type: application/json");
    }
    const text = await req.text();
    if (text.length > 4096) return errorJson(413, "body too large");
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return errorJson(400, "body is not valid JSON");
    }
    const parsed = LoginBody.safeParse(body);
    if (!parsed.success) return errorJson(400, parsed.error.issues[0]?.message ?? "invalid body");
    const username = parsed.data.username || "admin";
    const { ip } = requester(req);
    const key = `${ip}|${username}`;
    const gate = loginLimiter.check(key, Date.now());
    if (!gate.allowed) {
      const res = errorJson(429, `too many failed logins; try again in ${Math.ceil(gate.retryAfterMs / 1000)} s`);
      res.headers.set("Retry-After", String(Math.ceil(gate.retryAfterMs / 1000)));
      return res;
    }
    const who = auth.checkLogin(username, parsed.data.password);
    if (!who) {
      loginLimiter.fail(key, Date.now());
      audit.append({ at: Date.now(), user: username, role: "unknown", action: "login", topology: null, nodes: [], params: { ip }, result: "denied" });
      return errorJson(401, "wrong user name or password");
    }
    loginLimiter.succeed(key);
    audit.append({ at: Date.now(), user: who.user, role: who.role, action: "login", topology: null, nodes: [], params: { ip }, result: "ok" });
    const secure = new URL(req.url).protocol === "https:" || req.headers.get("x-forwarded-proto") === "https";
    const res = json({ ok: true, user: who.user, role: who.role });
    res.headers.append("Set-Cookie", sessionCookie(auth.issue(who), secure));
    return res;
  });
}
