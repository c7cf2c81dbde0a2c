import { z } from "zod";
import { errorJson, json, withRuntime } from "@/lib/http/respond";

export const dynamic = "force-dynamic";

const Time = z.coerce.number().int().min(0).max(8.64e15);

const Query = z
  .object({
    user: z.string().max(64).optional(),
    action: z.string().max(64).optional(),
    since: Time.optional(),
    until: Time.optional(),
    limit: z.coerce.number().int().min(1).max(5000).default(200),
  })
  .strict();

export function GET(req: Request): Promise<Response> {
  return withRuntime(async ({ audit }) => {
    const q = Query.safeParse(Object.fromEntries(new URL(req.url).searchParams));
    if (!q.success) return errorJson(400, `${q.error.issues[0]?.path.join(".") || "query"}: ${q.error.issues[0]?.message}`);
    return json({ entries: await audit.query(q.data) });
  });
}
