// Query strings, parsed strictly: every parameter a route does not know is a 400 naming it, so a
// typo ("limt=5") is reported instead of silently ignored.
import type { z } from "zod";
import { HttpError } from "./errors";
import { issueError } from "./issues";

/** The query as a plain object; a parameter given twice is refused (which one would win is a guess). */
export function queryOf(url: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of new URL(url).searchParams) {
    if (Object.prototype.hasOwnProperty.call(out, name)) throw new HttpError(400, `${name}: given more than once`, name);
    out[name] = value;
  }
  return out;
}

export function parseQuery<S extends z.ZodObject>(url: string, schema: S): z.output<S> {
  const parsed = schema.strict().safeParse(queryOf(url));
  if (!parsed.success) throw issueError(parsed.error, "query");
  // strict() keeps the shape; zod's types lose the generic on the copy.
  return parsed.data as z.output<S>;
}
