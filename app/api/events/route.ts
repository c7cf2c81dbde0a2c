import { z } from "zod";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

const Query = z.object({
  topology: z.string().max(64).optional(),
  node: z.string().max(300).optional(),
  /** One kind, several separated by commas, or a prefix like "sync:" / "alert:". */
  kind: z.string().max(512).optional(),
  since: z.coerce.number().int().min(0).optional(),
  until: z.coerce.number().int().min(0).optional(),
  beforeId: z.coerce.number().int().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(5000).default(200),
});

export const GET = route({ query: Query }, async ({ rt: { events }, query }) => {
  const { kind, limit, ...rest } = query;
  const wanted = kind?.split(",").map((k) => k.trim()).filter(Boolean) ?? [];
  const prefixes = wanted.filter((k) => k.endsWith(":"));
  const exact = wanted.filter((k) => !k.endsWith(":"));
  // Prefix filters are applied here; exact kinds go to the store's own filter.
  const found = await events.query({ ...rest, kinds: prefixes.length ? undefined : exact.length ? exact : undefined, limit: prefixes.length ? 5000 : limit });
  const filtered = prefixes.length ? found.filter((e) => exact.includes(e.kind) || prefixes.some((p) => e.kind.startsWith(p))) : found;
  return { events: filtered.slice(-limit) };
});
