// Anything under /api that no route matched: JSON 404, never an HTML page.
import { errorJson } from "@/lib/http/respond";

export const dynamic = "force-dynamic";

function notFound(req: Request): Response {
  return errorJson(404, `no such API route: ${req.method} ${new URL(req.url).pathname}`);
}

export { notFound as GET, notFound as POST, notFound as PUT, notFound as PATCH, notFound as DELETE };
