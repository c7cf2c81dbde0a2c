import { z } from "zod";
import { errorJson, json, withRuntime } from "@/lib/http/respond";
import { sessionCookie } from "@/lib/auth/session";

export const dynamic = "force-dynamic";

const LoginBody = z.object({ password: z.string().min(1, "password is required").max(1024) }).strict();

export function POST(req: Request): Promise<Response> {
  return withRuntime(async ({ auth }) => {
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
    if (!auth.checkPassword(parsed.data.password)) return errorJson(401, "wrong password");
    const secure = new URL(req.url).protocol === "https:" || req.headers.get("x-forwarded-proto") === "https";
    const res = json({ ok: true });
    res.headers.append("Set-Cookie", sessionCookie(auth.issue("admin"), secure));
    return res;
  });
}
