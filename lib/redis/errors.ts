/** Base for caller mistakes (bad pattern, token, cursor, sizes): routes map these to HTTP 400. */
export class KeyQueryError extends Error {
  override name = "KeyQueryError";
}
