// The one error convention of the HTTP API: anything a route refuses is thrown as an HttpError (or
// a domain error mapped here), and one mapper turns it into `{ error, field? }` JSON. Anything else
// is a bug: logged, answered with a bare 500 so no internals leak.
import { KeyQueryError } from "../redis/errors";
import { describeRedisError } from "../redis/connection";

export class HttpError extends Error {
  override name = "HttpError";
  constructor(
    readonly status: number,
    message: string,
    /** The request field (query parameter, body field or path segment) the caller must fix. */
    readonly field?: string,
    /** Extra response headers (e.g. Connection: close on a 413). */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

/**
 * Errors thrown by the server's own objects (DrillManager lives in server.ts's bundle, not the
 * route's, so `instanceof` cannot see it): recognised by name and a numeric status.
 */
const DOMAIN_ERRORS = new Set(["HttpError", "DrillError"]);

function statusOf(err: Error): number | null {
  const status = (err as { status?: unknown }).status;
  return DOMAIN_ERRORS.has(err.name) && typeof status === "number" && status >= 400 && status <= 599 ? status : null;
}

export function errorBody(error: string, field?: string): { error: string; field?: string } {
  return field === undefined ? { error } : { error, field };
}

function answer(status: number, error: string, field?: string, headers?: Record<string, string>): Response {
  return Response.json(errorBody(error, field), { status, headers: { "Cache-Control": "no-store", ...headers } });
}

/** The JSON answer for a thrown value: the one place errors become HTTP. */
export function errorResponse(err: unknown): Response {
  if (err instanceof Error) {
    const status = statusOf(err);
    if (status !== null) {
      const { field, headers } = err as { field?: unknown; headers?: Record<string, string> };
      return answer(status, err.message, typeof field === "string" ? field : undefined, headers);
    }
    // Caller mistakes found deep in the key code (bad glob, token, cursor).
    if (err instanceof KeyQueryError) return answer(400, err.message);
  }
  console.error("replscope: route failed", err);
  return answer(500, "internal error");
}

function replyMessage(err: unknown): string | null {
  return err instanceof Error && err.name === "ReplyError" ? err.message : null;
}

/**
 * What a failed call to a monitored Redis means for the caller: caller mistakes -> 400; Redis
 * refusing (READONLY, NOPERM, WRONGTYPE) -> its exact words with 409/403; the node unreachable or
 * slow -> 502/504. Never a stack trace, never credentials.
 */
export function redisHttpError(err: unknown): Error {
  if (err instanceof HttpError) return err;
  // A bug in replscope's own code, not the node's answer: left for the 500 path (logged).
  if (err instanceof TypeError || err instanceof RangeError || err instanceof ReferenceError || err instanceof SyntaxError) return err;
  if (err instanceof KeyQueryError) return new HttpError(400, err.message);
  const reply = replyMessage(err);
  if (reply !== null) {
    if (/^ERR (DB index is out of range|invalid DB index)/i.test(reply)) return new HttpError(400, `db: ${reply}`, "db");
    if (reply.startsWith("NOPERM")) return new HttpError(403, reply);
    if (reply.startsWith("READONLY") || reply.startsWith("WRONGTYPE") || reply.startsWith("MISCONF")) return new HttpError(409, reply);
    return new HttpError(502, reply.slice(0, 500));
  }
  const text = describeRedisError(err);
  return new HttpError(text.startsWith("timeout") ? 504 : 502, text);
}

/** Marks a call to a monitored Redis: whatever it throws is the node's answer, mapped above. */
export async function fromRedis<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    throw redisHttpError(err);
  }
}
