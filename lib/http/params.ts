// Path parameters ([id] segments): decoded safely (a malformed % is the caller's 400, never a 500)
// and checked against the shape each kind of id has.
import { z } from "zod";
import { NODE_ID } from "../redis/address";
import { JOB_ID } from "../compare/store";
import { issueError } from "./issues";

export { NODE_ID };

/** A node id in a URL segment: `host:port`, IPv6 hosts bracketed, percent-encoded by the client. */
export const NodeIdParam = z.string().transform((raw, ctx) => {
  let id: string;
  try {
    id = decodeURIComponent(raw);
  } catch {
    ctx.addIssue({ code: "custom", message: "is not valid URL encoding" });
    return z.NEVER;
  }
  if (!NODE_ID.test(id)) ctx.addIssue({ code: "custom", message: "must be a node id (host:port)" });
  return id;
});

export const CompareIdParam = z.string().regex(JOB_ID, "must be a compare job id (16 hex characters)");
export const DRILL_ID = /^[0-9a-f-]{36}$/;
export const DrillIdParam = z.string().regex(DRILL_ID, "must be a drill id (a UUID)");

export const NodeParams = z.object({ id: NodeIdParam });
export const CompareParams = z.object({ id: CompareIdParam });
export const DrillParams = z.object({ id: DrillIdParam });

/** Next's params for the route, checked with `schema` (400 naming the segment otherwise). */
export function parseParams<S extends z.ZodObject>(params: unknown, schema: S): z.output<S> {
  const parsed = schema.safeParse(params ?? {});
  if (!parsed.success) throw issueError(parsed.error, "path");
  return parsed.data;
}
