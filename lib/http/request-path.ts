// Which request targets replscope accepts at all. Pure. The login gate decides public vs private on
// the path as sent, while Next routes on the path after decoding and resolving dot segments; the two
// agree only if there is nothing to resolve. So any path that a router could read differently from
// how it is written (dot segments, encoded dots/slashes/backslashes/percent signs, backslashes, `;`
// parameters, empty segments, control characters) is refused before anything else looks at it.

/** Encoded `.` `/` `\` `%` (double encoding) and encoded control characters, in any case. */
const ENCODED_TRICK = /%(?:2e|2f|5c|25|[01][0-9a-f]|7f)/i;
/** Raw characters with no business in a path: controls, space, backslash, `;` (matrix parameters). */
const RAW_TRICK = /[\u0000-\u0020\u007f\\;]/;

/** The path part of a request target (before `?`). */
export function pathOf(target: string): string {
  const q = target.indexOf("?");
  return q === -1 ? target : target.slice(0, q);
}

/** Why this request target is refused (400), or null when it is a plain, normalised path. */
export function pathProblem(target: string): string | null {
  const raw = pathOf(target);
  if (!raw.startsWith("/")) return "the request path must start with /";
  if (raw.includes("#")) return "the request path must not contain #";
  if (RAW_TRICK.test(raw)) return "the request path must not contain spaces, control characters, backslashes or ';'";
  if (ENCODED_TRICK.test(raw)) return "the request path must not contain encoded dots, slashes, backslashes, percent signs or control characters";
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return "the request path is not valid URL encoding";
  }
  if (RAW_TRICK.test(decoded)) return "the request path must not contain encoded spaces, control characters, backslashes or ';'";
  if (!isNormalizedPath(decoded)) return "the request path must not contain '.' or '..' segments or '//'";
  return null;
}

/**
 * True for "/" and "/a/b" (one trailing slash allowed): no empty, "." or ".." segment. Nothing
 * resolves such a path to anything but itself.
 */
export function isNormalizedPath(path: string): boolean {
  if (!path.startsWith("/") || path.includes("\\")) return false;
  const segments = path.slice(1).split("/");
  return segments.every((s, i) => (s === "" ? i === segments.length - 1 : s !== "." && s !== ".."));
}
