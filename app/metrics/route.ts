// Prometheus scrape endpoint. The server gate requires the session cookie or
// `Authorization: Bearer $REPLSCOPE_API_TOKEN` (answers 401, never a login redirect).
import { errorJson, withRuntime } from "@/lib/http/respond";

export const dynamic = "force-dynamic";

export function GET(): Promise<Response> {
  return withRuntime(async ({ metrics }) => {
    try {
      return new Response(await metrics.render(), { headers: { "Content-Type": metrics.contentType, "Cache-Control": "no-store" } });
    } catch {
      return errorJson(500, "metrics could not be collected");
    }
  });
}
