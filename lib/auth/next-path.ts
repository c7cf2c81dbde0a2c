// Where the browser may go after login: a path on this very origin, nothing else. Pure; runs in the
// login page (browser) and in the server's redirect to /login.
// Browsers read "/\host" as "//host" and drop tabs and newlines inside URLs ("/\t/host" → "//host"),
// so a check on the first characters alone is not enough: backslashes and control characters are
// refused anywhere (raw or percent-decoded), and the URL parser must agree it stays same-origin.

const CONTROL = /[\u0000-\u001f\u007f]/;
const BASE = "http://replscope.invalid";

export function safeNextPath(raw: string | null | undefined): string {
  if (!raw || raw.length > 2048) return "/";
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return "/";
  }
  for (const s of [raw, decoded]) {
    if (!s.startsWith("/") || s.startsWith("//") || s.includes("\\") || CONTROL.test(s)) return "/";
  }
  let url: URL;
  try {
    url = new URL(raw, BASE);
  } catch {
    return "/";
  }
  if (url.origin !== BASE) return "/";
  return `${url.pathname}${url.search}${url.hash}`;
}
