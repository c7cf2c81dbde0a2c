import { z } from "zod";
import { errorJson, json, withRuntime } from "@/lib/http/respond";

export const dynamic = "force-dynamic";

const Query = z.object({
  node: z.string().max(300).optional(),
  kind: z.string().max(64).optional(),
  since: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(5000).default(200),
});

export function GET(req: Request): Promise<Response> {
  return withRuntime(({ hub }) => {
    const q = Query.safeParse(Object.fromEntries(new URL(req.url).searchParams));
    if (!q.success) return errorJson(400, `${q.error.issues[0]?.path.join(".")}: ${q.error.issues[0]?.message}`);
    const { node, kind, since, limit } = q.data;
    const events = hub
      .recentEvents(5000)
      .filter((e) => (!node || e.node === node) && (!kind || e.kind === kind) && (!since || e.at >= since))
      .slice(-limit);
    return json({ events });
  });
}
