// The one way a route reads a request body: bounded before a byte is read (Content-Length) and
// while streaming (a byte counter), so no request can make the server hold more than `maxBytes`.
import type { z } from "zod";
import { issueMessage } from "./issues";
import { errorJson } from "./respond";

/** The largest body any route accepts; the server refuses a bigger Content-Length up front. */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * The refusal closes the connection: the client may still be sending, and reading the rest only to
 * throw it away would keep the socket (and the upload) going.
 */
export function tooLarge(maxBytes: number): Response {
  const res = errorJson(413, `body too large (at most ${maxBytes} bytes)`);
  res.headers.set("Connection", "close");
  return res;
}

/** Content-Length as a number; null when absent; NaN when malformed. */
export function declaredLength(value: string | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  return /^\d{1,16}$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
}

/** The body as UTF-8 text, or the 413/400 to answer. Stops reading at the limit. */
export async function readBodyText(req: Request, maxBytes: number): Promise<{ text: string } | { response: Response }> {
  const declared = declaredLength(req.headers.get("content-length"));
  if (Number.isNaN(declared)) return { response: errorJson(400, "Content-Length is not a number") };
  if (declared !== null && declared > maxBytes) return { response: tooLarge(maxBytes) };
  if (!req.body) return { text: "" };
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
      if (total > maxBytes) return { response: tooLarge(maxBytes) };
      chunks.push(value);
    }
  } finally {
    reader.releaseLock();
  }
  return { text: Buffer.concat(chunks).toString("utf8") };
}

/** A small JSON body, parsed with `schema`: 415/413/400 JSON on anything else. */
export async function readJsonBody<T>(req: Request, schema: z.ZodType<T>, maxBytes = 64 * 1024): Promise<{ data: T } | { response: Response }> {
  if (!(req.headers.get("content-type") ?? "").includes("application/json")) {
    return { response: errorJson(415, "send JSON: Content-Type: application/json") };
  }
  const read = await readBodyText(req, maxBytes);
  if ("response" in read) return read;
  let body: unknown;
  try {
    body = read.text.trim() === "" ? {} : JSON.parse(read.text);
  } catch {
    return { response: errorJson(400, "body is not valid JSON") };
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) return { response: errorJson(400, issueMessage(parsed.error)) };
  return { data: parsed.data };
}
