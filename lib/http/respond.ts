// Small helpers so route handlers stay thin and every error is JSON.
import { getRuntime, type Runtime } from "../runtime";

export function json(body: unknown, status = 200): Response {
  return Response.json(body, { status, headers: { "Cache-Control": "no-store" } });
}

export function errorJson(status: number, error: string): Response {
  return json({ error }, status);
}

/** Runs a handler with the runtime; unexpected failures become a 500 JSON without internals. */
export async function withRuntime(fn: (rt: Runtime) => Promise<Response> | Response): Promise<Response> {
  let rt: Runtime;
  try {
    rt = getRuntime();
  } catch {
    return errorJson(503, "replscope is not running under server.ts");
  }
  try {
    return await fn(rt);
  } catch (err) {
    console.error("replscope: route failed", err);
    return errorJson(500, "internal error");
  }
}
