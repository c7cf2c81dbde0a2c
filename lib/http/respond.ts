// JSON answers: every API response, success or error, is JSON and never cached.
import { errorBody } from "./errors";

export function json(body: unknown, status = 200): Response {
  return Response.json(body, { status, headers: { "Cache-Control": "no-store" } });
}

/** An error answer built by hand (when it needs extra headers); thrown errors go through errorResponse. */
export function errorJson(status: number, error: string, field?: string): Response {
  return json(errorBody(error, field), status);
}

/** A download: the body as given, with its type and a file name. */
export function download(body: string, contentType: string, filename: string): Response {
  return new Response(body, { headers: { "Content-Type": contentType, "Content-Disposition": `attachment; filename="${filename}"`, "Cache-Control": "no-store" } });
}
