import { z } from "zod";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

const Time = z.coerce.number().int().min(0).max(8.64e15);

const Query = z.object({
  user: z.string().max(64).optional(),
  action: z.string().max(64).optional(),
  since: Time.optional(),
  until: Time.optional(),
  limit: z.coerce.number().int().min(1).max(5000).default(200),
});

export const GET = route({ query: Query }, async ({ rt, query }) => ({ entries: await rt.audit.query(query) }));
