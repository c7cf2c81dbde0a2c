import { clearedSessionCookie } from "@/lib/auth/session";

export const dynamic = "force-dynamic";

export function POST(): Response {
  const res = Response.json({ ok: true });
  res.headers.append("Set-Cookie", clearedSessionCookie());
  return res;
}
