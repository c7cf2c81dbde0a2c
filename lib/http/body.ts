// The one way a route reads a request body: bounded before a byte is read (Content-Length) and
// while streaming (a byte counter), so no request can make the server hold more than `maxBytes`.
import type { z } from "zod";
import { HttpError } from "./errors";
import { issueError } from "./issues";

/** The largest body any route accepts; the server refuses a bigger Content-Length up front. */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * POST /api/import is the one route whose body is bigger: a dump file, streamed to the importer as
 * it arrives (never buffered), counted while it streams. Default 4 GiB; REPLSCOPE_IMPORT_MAX_BYTES.
 */
export const IMPORT_MAX_BYTES = 4 * 1024 * 1024 * 1024;
export const IMPORT_PATH = "/api/import";

/** The largest body the front door lets through for this request. */
export function bodyLimitFor(method: string | undefined, pathname: string, importMaxBytes = IMPORT_MAX_BYTES): number {
  return method === "POST" && pathname === IMPORT_PATH ? importMaxBytes : MAX_BODY_BYTES;
}

/**
 * A request body as an async byte source that throws a 413 once more than `maxBytes` has come
 * (for bodies sent without Content-Length, or a client that sends more than it declared).
 */
export async function* boundedBody(body: ReadableStream<Uint8Array> | null, maxBytes: number): AsyncGenerator<Uint8Array> {
  if (!body) return;
  const reader = body.getReader();
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      total += value.byteLength;
      if (total > maxBytes) throw tooLarge(maxBytes);
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

/** The bound for an ordinary JSON body (the key routes raise it to carry long key names). */
export const JSON_BODY_MAX_BYTES = 64 * 1024;

/**
 * The refusal closes the connection: the client may still be sending, and reading the rest only to
 * throw it away would keep the socket (and the upload) going.
 */
export function tooLarge(maxBytes: number): HttpError {
  return new HttpError(413, `body too large (at most ${maxBytes} bytes)`, undefined, { Connection: "close" });
}

/** Content-Length as a number; null when absent; NaN when malformed. */
export function declaredLength(value: string | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  return /^\d{1,16}$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
}

/** The body as UTF-8 text; throws HttpError 413/400. Stops reading at the limit. */
export async function readBodyText(req: Request, maxBytes: number): Promise<string> {
  const declared = declaredLength(req.headers.get("content-length"));
  if (Number.isNaN(declared)) throw new HttpError(400, "Content-Length is not a number");
  if (declared !== null && declared > maxBytes) throw tooLarge(maxBytes);
  if (!req.body) return "";
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      // Not cancelled: cancelling destroys the socket before the 413 can be written. The response
      // closes the connection instead (see tooLarge).
      if (total > maxBytes) throw tooLarge(maxBytes);
      chunks.push(value);
    }
  } finally {
    reader.releaseLock();
  }
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * A small JSON object body, parsed strictly with `schema` (an unknown field is a 400 naming it).
 * Throws HttpError 415/413/400. An empty body is `{}`, so all-optional bodies may be left out.
 */
export async function readJson<S extends z.ZodObject>(req: Request, schema: S, maxBytes = JSON_BODY_MAX_BYTES): Promise<z.output<S>> {
  if (!(req.headers.get("content-type") ?? "").includes("application/json")) {
    throw new HttpError(415, "send JSON: Content-Type: application/json");
  }
  const text = await readBodyText(req, maxBytes);
  let body: unknown;
  try {
    body = text.trim() === "" ? {} : JSON.parse(text);
  } catch {
    throw new HttpError(400, "body is not valid JSON");
  }
  const parsed = schema.strict().safeParse(body);
  if (!parsed.success) throw issueError(parsed.error, "body");
  // strict() keeps the shape; zod's types lose the generic on the copy.
  return parsed.data as z.output<S>;
}
