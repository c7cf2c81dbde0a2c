// Prometheus scrape endpoint. The server gate requires the session cookie or
// `Authorization: Bearer $REPLSCOPE_API_TOKEN` (answers 401, never a login redirect).
import { HttpError } from "@/lib/http/errors";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

export const GET = route({}, async ({ rt: { metrics } }) => {
  let text: string;
  try {
    text = await metrics.render();
  } catch {
    throw new HttpError(500, "metrics could not be collected");
  }
  return new Response(text, { headers: { "Content-Type": metrics.contentType, "Cache-Control": "no-store" } });
});
